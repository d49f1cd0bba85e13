"""ReplayWeb.page, Webrecorder's in-browser replay, served on loopback for headless Chromium.

ReplayWeb.page is a web app: ``ui.js`` and a service worker ``sw.js`` that
read a WACZ over HTTP range requests and replay it inside the browser.  The
npm package ships both files prebuilt; it is fetched once with ``npm pack``
(pinned version, checked against the registry's SHA-512) into
``.replaywebpage/`` at the repository root, and served with the WACZ under
test by a small range-capable file server.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
VERSION = "2.5.3"
INTEGRITY = (  # the registry's dist.integrity of that version
    "sha512-nCj2PSON3BxeSJKE8AsYPyULv0XPZKJWfy4l9PyQre9SqwLZ+WKZVs/sfLqPOQ4GrH+0YkjbwOhr8cSTH08gsQ=="
)
APP = ROOT / ".replaywebpage" / VERSION


def replaywebpage_app() -> Path:
    """A folder with ReplayWeb.page's ``ui.js`` and ``sw.js``, fetched from npm on first use."""
    with FileLock(APP.parent / "fetching.lock"):  # pytest-xdist's workers fetch it once
        if not ((APP / "ui.js").exists() and (APP / "sw.js").exists()):
            _fetch()
    return APP


def _fetch() -> None:
    APP.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            ["npm", "pack", f"replaywebpage@{VERSION}", "--silent"],
            cwd=work, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        (tarball,) = Path(work).glob("replaywebpage-*.tgz")
        data = tarball.read_bytes()
        digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        assert digest == INTEGRITY, f"replaywebpage {VERSION} does not match its integrity"
        APP.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=BytesIO(data)) as package:
            for name in ("ui.js", "sw.js"):
                member = package.extractfile(f"package/{name}")
                assert member is not None
                (APP / name).write_bytes(member.read())


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class _RangedFiles(SimpleHTTPRequestHandler):
    """Static files with the byte ranges ReplayWeb.page reads a WACZ by."""

    def send_head(self) -> BinaryIO | None:  # type: ignore[override]
        asked = _RANGE.fullmatch(self.headers.get("Range") or "")
        path = Path(self.translate_path(self.path))
        if asked is None or not path.is_file():
            return super().send_head()  # type: ignore[no-any-return]
        size = path.stat().st_size
        if asked.group(1):
            start = int(asked.group(1))
            end = min(int(asked.group(2)) if asked.group(2) else size - 1, size - 1)
        else:  # the last N bytes
            start, end = max(0, size - int(asked.group(2))), size - 1
        with path.open("rb") as handle:
            handle.seek(start)
            data = handle.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return BytesIO(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests read what the browser shows, not the request log."""


@contextmanager
def replay_site(wacz: Path, work: Path) -> Iterator[str]:
    """ReplayWeb.page and ``wacz`` served from ``work`` on a loopback port; yields its base URL."""
    app = replaywebpage_app()
    (work / "replay").mkdir(parents=True, exist_ok=True)
    for name in ("ui.js", "sw.js"):
        shutil.copy(app / name, work / name)
        shutil.copy(app / name, work / "replay" / name)
    shutil.copy(wacz, work / wacz.name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_RangedFiles, directory=str(work)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def embedding_page(wacz_name: str, url: str, stamp: str) -> str:
    """A page embedding ReplayWeb.page on one capture, as its documentation shows."""
    return (
        '<!doctype html><html><head><script src="./ui.js"></script></head><body>'
        f'<replay-web-page source="{wacz_name}" url="{url}" ts="{stamp}" replayBase="./replay/" '
        'embed="replayonly" style="display:block;width:1200px;height:800px"></replay-web-page>'
        "</body></html>"
    )


FIND_PAGE = """
const wanted = arguments[0];
function frames(root, out) {
  for (const el of root.querySelectorAll('*')) {
    if (el.tagName === 'IFRAME') out.push(el);
    if (el.shadowRoot) frames(el.shadowRoot, out);
  }
  return out;
}
function replayed(doc, depth) {
  if (!doc || depth > 8) return null;
  if (doc.location && doc.location.href.indexOf(wanted) >= 0 && doc.readyState === 'complete')
    return {url: doc.location.href, title: doc.title, text: doc.body ? doc.body.innerText : ''};
  for (const f of frames(doc, [])) {
    try {
      const found = replayed(f.contentDocument, depth + 1);
      if (found) return found;
    } catch (e) {}
  }
  return null;
}
return replayed(document, 0);
"""
"""Script for the browser: the replayed page inside ReplayWeb.page's frames and shadow roots."""
