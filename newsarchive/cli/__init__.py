"""The ``newsarchive`` command: crawl, extract and retrieve from the archive.

Every command turns a :class:`~newsarchive.errors.NewsarchiveError` into one
line on stderr and its exit code (2 for bad input or configuration, 1 for a
failed check), so users never see a traceback for a mistake of theirs.  Any
other exception is a bug: one line and exit 70, its traceback only with -v.
"""

from __future__ import annotations

import atexit
import gc
import sys
from typing import Annotated

import typer

from newsarchive import __version__, termination
from newsarchive.cli import (
    archive_cmds,
    crawl_cmds,
    export_cmd,
    extract_cmd,
    logs,
    outlets_cmds,
    web_cmd,
)
from newsarchive.errors import NewsarchiveError
from newsarchive.flows.environment import terminated

app = typer.Typer(
    name="newsarchive",
    help="Scheduled news crawling and archival.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _show_version(asked: bool) -> None:
    if asked:
        typer.echo(f"newsarchive {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="show logs: -v info, -vv debug")
    ] = 0,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Scheduled news crawling and archival."""
    logs.configure(logs.chosen_level(verbose))


app.command("crawl")(crawl_cmds.crawl)
app.command("serve")(crawl_cmds.serve)
app.add_typer(outlets_cmds.app, name="outlets")
app.command("reextract")(crawl_cmds.reextract)
app.command("extract")(extract_cmd.extract)
app.command("list")(archive_cmds.list_articles)
app.command("get")(archive_cmds.get)
app.command("history")(archive_cmds.history)
app.command("timemap")(archive_cmds.timemap)
app.command("search")(archive_cmds.search)
app.command("verify")(archive_cmds.verify)
app.command("export")(export_cmd.export)
app.command("web")(web_cmd.web)


def main() -> None:
    """Console entry point."""
    # Registered first, so it runs after every other exit handler (Prefect's log and event
    # workers send their last records in theirs).  The interpreter's final garbage collection
    # walks every object the command's imports made, after the command's work is done;
    # frozen, they are left to the OS with the process.  Objects are still freed as the
    # modules that hold them are cleared; only cycles are not (docs/decisions/0011).
    atexit.register(gc.freeze)
    try:
        app()
    except NewsarchiveError as exc:
        typer.echo(f"newsarchive: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("newsarchive: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if logs.showing_tracebacks():
            raise
        # A bug of ours, not a mistake of the user's: still one line, and the way to more.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        typer.echo(
            f"newsarchive: internal error: {type(exc).__name__}"
            f"{': ' + reason if reason else ''} (run with -v to see where)",
            err=True,
        )
        sys.exit(70)  # EX_SOFTWARE
    except BaseException as exc:
        if not terminated(exc):
            raise
        termination.announce_stop()
        sys.exit(termination.EXIT_CODE)
