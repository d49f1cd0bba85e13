"""moto's S3 server with a network's round trip added to every request.

On loopback moto answers a PUT in about a millisecond; MinIO across a rack
or S3 from a cloud VM takes 10-60 ms. Writes that wait on one another cost
nothing here and most of a crawl there, so ``throughput.py --moto
--s3-latency-ms N`` serves the bucket through this: each request waits N ms
in its own thread before moto sees it, so requests sent together overlap
as they would on a network, and requests sent one by one add up.

    python bench/slow_s3.py --port 9000 --latency-ms 20
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable
from typing import Any

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def delayed(app: WsgiApp, seconds: float) -> WsgiApp:
    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        time.sleep(seconds)
        return app(environ, start_response)

    return handle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    app: WsgiApp = DomainDispatcherApplication(create_backend_app)
    if args.latency_ms > 0:
        app = delayed(app, args.latency_ms / 1000)
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
