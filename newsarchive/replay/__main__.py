"""``python -m newsarchive.replay [--port N] [--day 2]``: serve the replica until Ctrl-C.

It prints the reroute table: point a crawler's connections for those hosts
at the replica (as ``newsarchive crawl --replay`` does) to crawl it.
"""

from __future__ import annotations

import argparse
import threading
from contextlib import suppress

from newsarchive.replay.site import DAYS, ReplaySite
from newsarchive.spiders.outlets import builtin_outlets_path, load_outlets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--day", type=int, default=1, choices=DAYS)
    args = parser.parse_args(argv)
    with ReplaySite(load_outlets(builtin_outlets_path()), day=args.day, port=args.port) as site:
        print(f"replaying {', '.join(site.pages)} at {site.origin} (Ctrl-C to stop)")
        for host, base in site.reroute.items():
            print(f"  {host} -> {base}")
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
