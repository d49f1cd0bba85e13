"""Pages that disappear: an archived article answering 410, 404 or a redirect elsewhere.

Such an answer is a capture of the article, as Wayback machines, Heritrix
and Browsertrix record it: its status, headers and body as served, shown
wherever captures are, and exported as a WARC response at its time.  A URL
never archived that answers 404 stays a failed fetch.
"""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from newsarchive.archiving.report import OutletReport
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.errors import NotFoundError
from newsarchive.replay.pages import load_pages
from newsarchive.replay.server import LoopbackServer, Reply
from newsarchive.replay.site import GONE_OUTLET
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.settings import CrawlOptions
from newsarchive.storage import Archive, ReadOnlyArchive
from newsarchive.storage.export.warc import write_warc

GONE_BODY = b"<html><body>This article has been removed.</body></html>"


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"NEWSARCHIVE_HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "newsarchive", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def replayed(replayed_home: Path) -> ReadOnlyArchive:
    settings = Settings(home=replayed_home)
    opened = ReadOnlyArchive.open(settings.database_url, settings.store_url)
    yield opened
    opened.close()


def test_the_410_of_day_2_is_a_capture_of_the_article(replayed: ReadOnlyArchive) -> None:
    url = load_pages()[GONE_OUTLET][-1].live_url
    day1, day2 = replayed.captures(url)
    assert not day1.gone and day1.status == 200
    assert day2.gone and day2.status == 410 and day2.version == 1
    assert day2.gone_since == day2.fetched_at
    assert day2.gone_note() == f"gone since {day2.fetched_at.isoformat()}, HTTP 410"
    snapshot = replayed.capture_snapshot(url, day2)
    assert snapshot.raw == GONE_BODY and snapshot.text == ""
    assert snapshot.meta["gone"] == {
        "since": day2.fetched_at.isoformat(), "status": 410, "location": None,
    }  # fmt: skip
    # the text archived before is untouched, and still the article's latest version
    assert [v.version for v in replayed.history(url)] == [1]
    assert replayed.history(url)[0].last_seen == day1.fetched_at
    assert "removed" not in replayed.snapshot(url).text
    assert replayed.verify().ok  # the 410's body is an object like any raw page


def test_the_410_is_exported_as_a_response_at_its_time(replayed: ReadOnlyArchive) -> None:
    url = load_pages()[GONE_OUTLET][-1].live_url
    _day1, day2 = replayed.captures(url)
    out = io.BytesIO()
    write_warc(replayed, out, outlet=GONE_OUTLET)
    out.seek(0)
    records = [  # (type, target, date, status line, payload), read as the WARC streams by
        (
            r.rec_type,
            r.rec_headers.get_header("WARC-Target-URI"),
            r.rec_headers.get_header("WARC-Date"),
            r.http_headers.statusline if r.http_headers else None,
            r.content_stream().read(),
        )
        for r in ArchiveIterator(out)
    ]
    responses = [
        (d, line, body) for kind, uri, d, line, body in records if kind == "response" and uri == url
    ]
    assert len(responses) == 2  # day 1's page, then the 410
    assert responses[-1] == (
        day2.fetched_at.isoformat().replace("+00:00", "Z"),
        "410 Gone",
        GONE_BODY,
    )
    texts = [uri for _kind, uri, *_ in records if uri == f"urn:text:{url}"]
    assert len(texts) == 1  # the 410 has neither text nor metadata records


def test_the_commands_say_the_page_is_gone(replayed_home: Path, replayed: ReadOnlyArchive) -> None:
    url = load_pages()[GONE_OUTLET][-1].live_url
    day1, day2 = replayed.captures(url)
    note = f"gone since {day2.fetched_at.isoformat()}, HTTP 410"

    history = cli(replayed_home, "history", url)
    assert history.returncode == 0, history.stderr
    assert history.stdout.splitlines()[-1] == note

    after = cli(replayed_home, "get", url, "--at", day2.fetched_at.isoformat(), "--raw")
    assert after.returncode == 0 and after.stdout.encode() == GONE_BODY
    assert after.stderr.strip() == (
        f"newsarchive: capture of {day2.fetched_at.isoformat()}: {note} "
        "(the page as served, no text; version 1 is the last text archived)"
    )
    no_text = cli(replayed_home, "get", url, "--at", day2.fetched_at.isoformat())
    assert no_text.returncode == 0 and no_text.stdout == "" and "HTTP 410" in no_text.stderr
    before = cli(replayed_home, "get", url, "--at", day1.fetched_at.isoformat())
    assert before.returncode == 0 and before.stderr.strip().endswith("(version 1)")
    assert before.stdout.strip() == replayed.snapshot(url).text.strip()

    latest = cli(replayed_home, "get", url)
    assert latest.returncode == 0 and latest.stdout.strip() == before.stdout.strip()
    assert latest.stderr.strip() == f"newsarchive: {note} (version 1 is the last text archived)"

    timemap = cli(replayed_home, "timemap", url)
    assert timemap.stdout.count('rel="memento"') == 2


# -- a site of our own: 404, a redirect elsewhere, a page that comes back ---------


PAGE = (
    "<!doctype html><html><head><title>Budget story</title></head><body><article>"
    + "<p>The council met on Tuesday and agreed the budget after a long debate.</p>" * 20
    + "</article></body></html>"
).encode()
HTML = [("Content-Type", "text/html; charset=utf-8")]


def crawl(site: LoopbackServer, home: Path) -> dict[str, OutletReport]:
    outlet = Outlet.model_validate(
        {"name": "council", "kind": "feed", "start_urls": [site.url("/feed.xml")],
         "allowed_domains": ["127.0.0.1"], "download_delay": 0}
    )  # fmt: skip
    settings = Settings(home=home)
    with Archive.open(settings.database_url, settings.store_url) as archive:
        return asyncio.run(archive_outlets([outlet], archive, CrawlOptions.from_settings(settings)))


def serve(site: LoopbackServer, *paths: str) -> None:
    site.page("/robots.txt", "User-agent: *\n", "text/plain")
    items = "".join(f"<item><link>{site.url(path)}</link></item>" for path in paths)
    site.page(
        "/feed.xml", f'<rss version="2.0"><channel>{items}</channel></rss>', "application/rss+xml"
    )


def test_a_404_then_the_page_back_and_a_redirect_elsewhere(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    with LoopbackServer() as site:
        serve(site, "/news/budget/", "/news/moved/", "/news/slash")
        moved = PAGE.replace(b"Budget story", b"Moved story").replace(b"budget", b"plan")
        slash = PAGE.replace(b"Budget story", b"Slash story").replace(b"budget", b"levy")
        site.route("/news/budget/", lambda _request: Reply(200, PAGE, HTML))
        site.route("/news/moved/", lambda _request: Reply(200, moved, HTML))
        site.route("/news/slash", lambda _request: Reply(200, slash, HTML))
        crawl(site, home)

        missing = b"<html><body>Not here.</body></html>"
        site.route("/news/budget/", lambda _request: Reply(404, missing, HTML))
        target = site.url("/news/elsewhere/")
        site.route("/news/moved/", lambda _request: Reply(301, b"", [("Location", target)]))
        site.route(
            "/news/elsewhere/",
            lambda _request: Reply(200, PAGE.replace(b"council", b"board"), HTML),
        )
        # the same article under its URL with a final slash: followed, not gone
        site.route("/news/slash", lambda _request: Reply(301, b"", [("Location", "/news/slash/")]))
        site.route("/news/slash/", lambda _request: Reply(200, slash, HTML))
        crawl(site, home)

        site.route("/news/budget/", lambda _request: Reply(200, PAGE, HTML))
        crawl(site, home)
        budget, gone_to = site.url("/news/budget/"), site.url("/news/moved/")
        slashed = site.url("/news/slash")

    settings = Settings(home=home)
    with ReadOnlyArchive.open(settings.database_url, settings.store_url) as archive:
        first, missing_capture, back = archive.captures(budget)
        assert missing_capture.gone and missing_capture.status == 404
        assert archive.capture_snapshot(budget, missing_capture).raw == missing
        assert not back.gone and back.status == 200
        assert back.revisit_of == first.fetched_at  # the same bytes again: a revisit
        assert [v.version for v in archive.history(budget)] == [1]  # same text: no new version

        _page, redirect, again = archive.captures(gone_to)  # the third crawl asked again
        assert redirect.gone and redirect.status == 301 and redirect.location == target
        assert again.gone and again.gone_since == redirect.fetched_at  # gone since the first
        assert redirect.gone_note().endswith(f"HTTP 301, to {target}")
        elsewhere = {a.url for a in archive.list_articles()} - {budget, gone_to, slashed}
        assert elsewhere == set()  # a redirect elsewhere is not followed into a new article

        followed = archive.captures(slashed)
        assert [c.gone for c in followed] == [False, False, False]
        assert followed[1].final_url == site.url("/news/slash/")

    history = cli(home, "history", budget)
    assert history.stdout.splitlines()[-1] == (
        f"{missing_capture.gone_note()}, back at {back.fetched_at.isoformat()}"
    )


def test_a_never_archived_url_answering_404_stays_a_failed_fetch(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    with LoopbackServer() as site:
        serve(site, "/news/budget/", "/news/never/")
        site.route("/news/budget/", lambda _request: Reply(200, PAGE, HTML))
        site.route("/news/never/", lambda _request: Reply(404, b"no", HTML))
        crawl(site, home)
        (report,) = crawl(site, home).values()  # fetched before, but never archived
        never = site.url("/news/never/")
    assert dict(report.failures)[never] == "http-error: HTTP 404"
    settings = Settings(home=home)
    with ReadOnlyArchive.open(settings.database_url, settings.store_url) as archive:
        assert [a.url for a in archive.list_articles()] == [site.url("/news/budget/")]
        with pytest.raises(NotFoundError):
            archive.captures(never)
