"""Two outlets of one site crawled at once: one run crawls, the other waits for the site.

Runs of one outlet never overlap (a fleet run claims the outlet first); the
site's lease is what keeps apart two *outlets* on one site, such as two
sections of a newspaper listed as outlets of their own.  What it promises is
seen from the site's side: the two crawls introduce themselves with
different User-Agents, and the site's request log shows the second crawl
arriving only after the first has left.  The first is held at the site (a
page that answers only when the test says so) until the second says it
waits for the site's lease; without the lease the second would reach the
site meanwhile.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from loopback import Reply, Seen, Site, html, rss

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(400)]
BIN = Path(sys.executable).parent
ARTICLES = {run: [f"/{run}/{n}.html" for n in range(3)] for run in ("a", "b")}


def environment(tmp_path: Path, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSARCHIVE_"))}
    return env | {
        "NEWSARCHIVE_HOME": str(tmp_path / "archive"),
        "NEWSARCHIVE_DATABASE_URL": database,
    }


def start_crawl(site: Site, tmp_path: Path, database: str, run: int) -> subprocess.Popen[str]:
    """``newsarchive -v crawl`` of the site's outlet ``a`` or ``b`` as run 1 or 2."""
    name = "ab"[run - 1]
    work = tmp_path / f"run{run}"
    work.mkdir()
    outlets = work / "outlets.toml"
    outlets.write_text(
        f'[[outlet]]\nname = "section-{name}"\nkind = "feed"\n'
        f'start_urls = ["{site.url(f"/{name}/feed.xml")}"]\n'
        'allowed_domains = ["127.0.0.1"]\ndownload_delay = 0\n',
        encoding="utf-8",
    )
    env = environment(tmp_path, database) | {
        "PREFECT_HOME": str(work / "prefect"),
        "NEWSARCHIVE_USER_AGENT": f"newsarchive-run{run}/1.0 (+https://example.org/contact)",
        "NEWSARCHIVE_DOWNLOAD_TIMEOUT": "240",  # the held page waits as long as the test needs
    }
    with (work / "out").open("w") as out, (work / "err").open("w") as err:
        return subprocess.Popen(
            [str(BIN / "newsarchive"), "-v", "crawl", "--outlets-file", str(outlets), "--json"],
            env=env, cwd=work, stdout=out, stderr=err, text=True,
        )  # fmt: skip


def run_of(request: Seen) -> str:
    return (request.header("User-Agent") or "").split("/", 1)[0]


def wait_until(condition: Callable[[], bool], failure: Callable[[], str | None]) -> None:
    deadline = time.monotonic() + 180
    while not condition():
        problem = failure()
        assert problem is None, problem
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.mark.parametrize("catalog", ["sqlite", "postgresql"])
def test_a_second_outlet_of_a_site_waits_outside_until_the_first_has_left(
    catalog: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database = (
        f"sqlite:///{tmp_path / 'catalog.db'}"
        if catalog == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    release = threading.Event()

    def held(_request: Seen) -> Reply:
        release.wait(180)
        return Reply(200, html("Held story", " ".join(f"h{i}" for i in range(120))).encode())

    with Site() as site:
        site.page("/robots.txt", "User-agent: *\n", "text/plain")
        for section, paths in ARTICLES.items():
            for path in paths:
                words = " ".join(f"{section}{path[-6]}x{i}" for i in range(120))
                site.page(path, html(f"Story {path}", words))
            rss(site, paths, f"/{section}/feed.xml")
        held_path = ARTICLES["a"][0]
        site.route(held_path, held)
        try:
            first = start_crawl(site, tmp_path, database, 1)
            wait_until(lambda: bool(site.hits(held_path)), lambda: exited(first))
            second = start_crawl(site, tmp_path, database, 2)
            err = tmp_path / "run2" / "err"
            wait_until(
                lambda: "waiting for site:127.0.0.1" in err.read_text(),
                lambda: exited(second) or met(site.requests),
            )
        finally:
            release.set()
        assert first.wait(timeout=300) == 0, (tmp_path / "run1" / "err").read_text()[-2000:]
        assert second.wait(timeout=300) == 0, err.read_text()[-2000:]
        requests = list(site.requests)

    one, two = ([r.at for r in requests if run_of(r) == f"newsarchive-run{n}"] for n in (1, 2))
    assert two, "the second crawl never reached the site"
    assert max(one) < min(two), "the crawls were at the site together"

    rows = [json.loads((tmp_path / f"run{n}" / "out").read_text()) for n in (1, 2)]
    assert [row["new"] for row in rows] == [len(ARTICLES["a"]), len(ARTICLES["b"])]
    listed = subprocess.run(
        [str(BIN / "newsarchive"), "list", "--json"], env=environment(tmp_path, database),
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    articles = [json.loads(line) for line in listed.stdout.splitlines()]
    everything = [site.url(path) for paths in ARTICLES.values() for path in paths]
    assert sorted(a["url"] for a in articles) == sorted(everything)
    assert all(a["versions"] == 1 for a in articles)


def exited(crawl: subprocess.Popen[str]) -> str | None:
    code = crawl.poll()
    return None if code is None else f"a crawl ended early with exit code {code}"


def met(requests: list[Seen]) -> str | None:
    """What the lease forbids: the second crawl at the site while the first is held there."""
    met = [r.path for r in requests if run_of(r) == "newsarchive-run2"]
    return f"the second crawl reached the site while the first was there: {met}" if met else None
