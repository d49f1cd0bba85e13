"""What the command line needs of Prefect before, or without, importing it.

Prefect reads its logging settings from the environment when it is
imported, so they are set here before any command imports it; Prefect's
API log handler keeps receiving INFO, so a run's logs still reach the
Prefect UI.  Its usage telemetry is off: the server's by its own setting,
the client's (which on a terminal's first import prints a notice amid the
command's output, and reports the import) by ``DO_NOT_TRACK``, the one
switch Prefect's client reads for it.  And Prefect turns SIGTERM into an
exception of its own while a flow runs, which the command must tell from a
failure; asked by name, so that commands that never run a flow never
import Prefect.
"""

from __future__ import annotations

import os
import sys


def quiet_prefect(level: str) -> None:
    """Let Prefect log to the console from ``level`` up; its analytics stay off (unless the
    environment says otherwise)."""
    for variable, value in (
        ("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", level),
        ("PREFECT_LOGGING_ROOT_LEVEL", level),
        ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
        ("DO_NOT_TRACK", "1"),
    ):
        os.environ.setdefault(variable, value)


def terminated(error: BaseException) -> bool:
    """Whether ``error`` is how Prefect reports a SIGTERM that arrived while a flow ran."""
    prefect_errors = sys.modules.get("prefect.exceptions")
    termination = getattr(prefect_errors, "TerminationSignal", None)
    return termination is not None and isinstance(error, termination)
