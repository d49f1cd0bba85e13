"""``newsarchive web``: the read-only viewer, Memento routes and CDX API, served by uvicorn."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from newsarchive.cli.archive_cmds import DEFAULT_BASE
from newsarchive.cli.archives import open_archive
from newsarchive.config import host_name, load_settings, variable
from newsarchive.errors import InputError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", int(DEFAULT_BASE.rsplit(":", 1)[1])


def web(
    host: Annotated[
        str, typer.Option(help="address to listen on (loopback by default: it has no login)")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="TCP port")] = DEFAULT_PORT,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            help="a name the viewer also answers to (a proxy's public name; *.example.org "
            f"for its subdomains); repeatable, added to {variable('viewer_hosts')}",
        ),
    ] = None,
) -> None:
    """Serve the read-only viewer (articles, versions, diffs, captures), Memento and CDX API."""
    if not 0 < port < 65536:
        raise InputError(f"--port must be between 1 and 65535, not {port}")
    settings = load_settings()
    try:
        extra = [*settings.viewer_hosts, *(host_name(name) for name in allowed_host or ())]
    except ValueError as exc:
        raise InputError(f"--allowed-host: {exc}") from None
    _check_free(host, port)
    import uvicorn  # the viewer's libraries load only when it is served, not for every command

    from newsarchive.cli.export_cmd import provenance
    from newsarchive.web import create_app
    from newsarchive.web.security import host_names

    with open_archive(settings) as archive:
        typer.echo(f"newsarchive viewer on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
        app = create_app(archive, hosts=host_names(host, extra), provenance=provenance(settings))
        uvicorn.run(app, host=host, port=port, log_level="warning")


def _check_free(host: str, port: int) -> None:
    """One clear line when the address cannot be listened on, before anything starts."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(f"--host {host!r} is not an address of this machine: {exc}") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        try:
            probe.bind(address)
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
