"""A killed or stopped crawl never wedges the next one, and leaves the archive whole.

The crawls are the real command line, each in its own process group with its
temporary Prefect server: SIGKILL takes all of them down mid-crawl, while the
run holds its site's lease and a page is half-served.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import Reply, Site, html, rss

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(400)]
BIN = Path(sys.executable).parent


@pytest.fixture
def hanging_site() -> Iterator[tuple[Site, threading.Event]]:
    """A feed of three articles, the last of which hangs until ``release`` is set."""
    release = threading.Event()

    def hang(_request: object) -> Reply:
        release.wait(120)
        return Reply(200, html("Late story", "x " * 200).encode())

    with Site() as site:
        site.page("/robots.txt", "User-agent: *\n", "text/plain")
        for n in range(2):
            site.page(f"/a/{n}.html", html(f"Story {n}", " ".join(f"w{n}{i}" for i in range(90))))
        site.route("/a/late.html", hang)
        rss(site, ["/a/0.html", "/a/1.html", "/a/late.html"])
        try:
            yield site, release
        finally:
            release.set()


def environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSARCHIVE_"))}
    return env | {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "NEWSARCHIVE_HOME": str(tmp_path / "archive"),
        "NEWSARCHIVE_DATABASE_URL": database_url,
        "NEWSARCHIVE_DOWNLOAD_TIMEOUT": "90",
    }


def write_outlets(site: Site, path: Path) -> Path:
    path.write_text(
        "[[outlet]]\n"
        'name = "hanging"\nkind = "feed"\n'
        f'start_urls = ["{site.url("/feed.xml")}"]\n'
        'allowed_domains = ["127.0.0.1"]\ndownload_delay = 0\n',
        encoding="utf-8",
    )
    return path


def start_crawl(outlets: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """The crawl in a session of its own, its output in files (a pipe left unread would block)."""
    with (cwd / "crawl.out").open("w") as out, (cwd / "crawl.err").open("w") as err:
        return subprocess.Popen(
            [str(BIN / "newsarchive"), "crawl", "--outlets-file", str(outlets), "--json"],
            env=env, cwd=cwd, stdout=out, stderr=err, text=True, start_new_session=True,
        )  # fmt: skip


def wait_for_request(site: Site, path: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not site.hits(path):
        assert time.monotonic() < deadline, f"the crawl never asked for {path}"
        time.sleep(0.2)


def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "newsarchive"), *args], env=env, cwd=cwd, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def test_after_sigkill_mid_crawl_the_next_crawl_completes_and_nothing_is_lost(
    hanging_site: tuple[Site, threading.Event], database_url: str, tmp_path: Path
) -> None:
    site, release = hanging_site
    env = environment(tmp_path, database_url)
    outlets = write_outlets(site, tmp_path / "outlets.toml")
    killed = start_crawl(outlets, env, tmp_path)
    wait_for_request(site, "/a/late.html")  # mid-crawl: the lease is held, a page in flight
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(timeout=30)

    release.set()  # the site answers now
    started = time.monotonic()
    again = cli(env, tmp_path, "crawl", "--outlets-file", str(outlets), "--json")
    assert again.returncode == 0, again.stderr[-2000:]
    assert time.monotonic() - started < 120  # not waiting on the dead run's lease
    (row,) = [json.loads(line) for line in again.stdout.splitlines()]
    assert row["status"] == "completed"
    assert row["failed"] == 0

    listed = [json.loads(line) for line in cli(env, tmp_path, "list", "--json").stdout.splitlines()]
    urls = [entry["url"] for entry in listed]
    assert sorted(urls) == sorted(site.url(p) for p in ("/a/0.html", "/a/1.html", "/a/late.html"))
    assert all(entry["versions"] == 1 for entry in listed)  # nothing filed twice
    verified = cli(env, tmp_path, "verify", "--json")
    assert verified.returncode == 0, verified.stdout
    report = json.loads(verified.stdout)
    assert report["missing"] == [] and report["corrupted"] == []


def test_a_hung_crawl_stops_on_sigterm_within_seconds(
    hanging_site: tuple[Site, threading.Event], tmp_path: Path
) -> None:
    site, _release = hanging_site
    env = environment(tmp_path, f"sqlite:///{tmp_path / 'catalog.db'}")
    crawl = start_crawl(write_outlets(site, tmp_path / "outlets.toml"), env, tmp_path)
    wait_for_request(site, "/a/late.html")
    stopped_at = time.monotonic()
    crawl.send_signal(signal.SIGTERM)
    try:
        crawl.wait(timeout=15)
    finally:
        if crawl.poll() is None:
            os.killpg(crawl.pid, signal.SIGKILL)
    waited = time.monotonic() - stopped_at
    said = (tmp_path / "crawl.err").read_text()
    assert waited < 10, (waited, said)
    assert crawl.returncode == 143  # 128 + SIGTERM, as shells report it
    assert said == "newsarchive: stopped (SIGTERM)\n"
    assert _group_members(crawl.pid) == []  # the temporary server and workers went too


SWALLOWED = """
import asyncio, os, signal, subprocess, sys
from newsarchive.termination import stop_within

child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)

def lost(signum, frame):  # a graceful path that never arrives, as when asyncio logs it away
    print("inner handler ran", flush=True)

signal.signal(signal.SIGTERM, lost)

async def hang():
    with stop_within(1.5):
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(60)

asyncio.run(hang())
"""


def test_sigterm_ends_a_crawl_whose_graceful_stop_was_swallowed() -> None:
    started = time.monotonic()
    ended = subprocess.run(
        [sys.executable, "-c", SWALLOWED], capture_output=True, text=True, timeout=30, check=False
    )
    assert time.monotonic() - started < 15
    child, said = ended.stdout.splitlines()
    assert said == "inner handler ran"  # the handler it chained still ran first
    assert ended.returncode == 143
    assert ended.stderr == "newsarchive: stopped (SIGTERM)\n"
    assert not _alive(int(child))  # its child process went with it, not left running


def _group_members(group: int, within: float = 20) -> list[str]:
    """The live processes of a process group after at most ``within`` seconds (zombies aside)."""
    deadline = time.monotonic() + within
    while True:
        members = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(") ", 1)[-1].split()
            except OSError:
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                members.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        if not members or time.monotonic() > deadline:
            return members
        time.sleep(0.2)


def _alive(pid: int, within: float = 10) -> bool:
    """Whether ``pid`` still runs after ``within`` seconds (a zombie counts as gone)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0]
        except FileNotFoundError:
            return False
        if state == "Z":
            return False
        time.sleep(0.1)
    return True
