"""Retrieval from the command line: list, get, history, search, verify and their errors."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error

from newsarchive.config import Settings
from newsarchive.records import Capture, Fetch, FetchOutcome
from newsarchive.replay.pages import default_pages_dir, load_pages
from newsarchive.replay.site import COPIED_OUTLET, GONE_OUTLET, UPDATE_SENTENCE, UPDATED_OUTLET
from newsarchive.storage import Archive
from newsarchive.storage.reading.searchquery import MAX_QUERY_CHARS, MAX_QUERY_WORDS

PAGES = default_pages_dir()


@pytest.fixture
def archived(replayed_home: Path, tmp_path: Path) -> Path:
    """A private copy of the replayed archive at the home ``run_cli`` points at."""
    home = tmp_path / "archive"
    shutil.copytree(replayed_home, home)
    return home


def listed(run_cli, *args: str) -> list[dict]:  # type: ignore[no-untyped-def]
    result = run_cli("list", "--json", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_list_has_one_object_per_article(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    articles = listed(run_cli)
    assert len(articles) == len({a["url"] for a in articles}) == 6
    assert set(articles[0]) == {
        "url",
        "outlet",
        "title",
        "published",
        "first_seen",
        "last_seen",
        "versions",
        "sha256",
        "duplicate_of",
    }
    duplicates = [a for a in articles if a["duplicate_of"]]
    assert len(duplicates) == 1 and duplicates[0]["outlet"] == "vanguard"
    assert {a["outlet"] for a in listed(run_cli, "--outlet", "kcnawatch")} == {"kcnawatch"}
    assert listed(run_cli, "--outlet", "vanguard", "--since", "2000-01-01")


def test_list_since_is_the_publication_date_and_archived_since_the_first_seen(  # type: ignore[no-untyped-def]
    archived: Path, run_cli
) -> None:
    everything = listed(run_cli)
    published = {a["url"]: datetime.fromisoformat(a["published"]) for a in everything}
    recent = {url for url, when in published.items() if when.year == 2026}
    assert recent and len(recent) < len(everything)  # KCNA Watch and Vanguard have 2021 items
    assert {a["url"] for a in listed(run_cli, "--since", "2026-01-01")} == recent
    assert {a["url"] for a in listed(run_cli, "--until", "2025-12-31")} == set(published) - recent
    (sputnik,) = [a for a in everything if a["outlet"] == UPDATED_OUTLET]
    day = published[sputnik["url"]].date().isoformat()  # its whole day, however late it was
    that_day = {url for url, when in published.items() if when.date().isoformat() == day}
    assert {a["url"] for a in listed(run_cli, "--since", day, "--until", day)} == that_day

    (copy,) = [a for a in everything if a["duplicate_of"]]  # the one first archived on day 2
    assert listed(run_cli, "--archived-since", copy["first_seen"]) == [copy]
    day_one = [a for a in everything if a["first_seen"] < copy["first_seen"]]
    assert listed(run_cli, "--archived-until", day_one[-1]["first_seen"]) == day_one
    assert_one_line_error(run_cli("list", "--archived-since", "soon"), 2, "--archived-since")

    def found(*args: str) -> set[str]:  # search takes the same two filters by the same names
        answer = run_cli("search", "Kim", "--json", *args)
        return {json.loads(line)["url"] for line in answer.stdout.splitlines()}

    later = {a["url"] for a in everything if a["first_seen"] >= copy["first_seen"]}
    assert found("--archived-since", copy["first_seen"]) == later
    earlier = found("--archived-until", day_one[-1]["first_seen"])
    assert earlier and earlier <= {a["url"] for a in day_one}
    assert_one_line_error(run_cli("search", "Kim", "--archived-until", "soon"), 2, "--archived")


def test_get_returns_raw_bytes_text_and_meta(archived: Path, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (article,) = listed(run_cli, "--outlet", "joongang")
    out = tmp_path / "page.html"
    assert run_cli("get", article["url"], "--raw", "-o", str(out)).returncode == 0
    meta = json.loads(run_cli("get", article["url"], "--meta").stdout)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == meta["raw"]["sha256"]
    assert meta["url"] == article["url"] and meta["fetch"]["status"] == 200
    text = run_cli("get", article["url"]).stdout
    assert hashlib.sha256(text.rstrip("\n").encode()).hexdigest() == article["sha256"]


def test_history_and_at_retrieve_every_version(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (article,) = listed(run_cli, "--outlet", UPDATED_OUTLET)
    assert article["versions"] == 2
    result = run_cli("history", article["url"], "--json")
    versions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["sha256"] == article["sha256"]
    first = run_cli("get", article["url"], "--at", versions[0]["last_seen"]).stdout
    assert UPDATE_SENTENCE not in first
    assert UPDATE_SENTENCE in run_cli("get", article["url"]).stdout
    diff = run_cli("history", article["url"], "--diff").stdout
    assert "--- v1" in diff and "+++ v2" in diff
    assert any(line.startswith("+") and UPDATE_SENTENCE in line for line in diff.splitlines())


def test_search_finds_words_of_the_text(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("search", "treaty friendship", "--json")
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits and all(h["outlet"] == "kcnawatch" for h in hits)


def test_search_folds_copies_and_takes_the_archivists_syntax(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    # day 2: vanguard republishes sputnik's article; the copy is folded under its original
    original = listed(run_cli, "--outlet", COPIED_OUTLET)[0]["url"]
    (copy,) = [a["url"] for a in listed(run_cli, "--outlet", "vanguard") if a["duplicate_of"]]
    phrase = " ".join(load_pages()[COPIED_OUTLET][0].paragraphs[1].split()[:5])
    result = run_cli("search", f'"{phrase}"', "--json")
    (hit,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert hit["url"] == original and hit["duplicates"] == [copy]
    plain = run_cli("search", f'"{phrase}"').stdout
    assert f"copied at {copy}" in plain and plain.count("https://") == 2
    updated = listed(run_cli, "--outlet", UPDATED_OUTLET)[0]["url"]
    words = UPDATE_SENTENCE.split()[1:4]  # "ministry later said": only the second version has it
    assert run_cli("search", " ".join(words), "--outlet", UPDATED_OUTLET).returncode == 0
    older = run_cli("search", f'Kim -"{" ".join(words)}"', "--all-versions", "--json")
    (only_first,) = [h for h in map(json.loads, older.stdout.splitlines()) if h["url"] == updated]
    assert only_first["versions"] == [1]
    every = run_cli("search", "Kim", "--outlet", UPDATED_OUTLET, "--all-versions")
    assert f"{updated}  (v1, v2)" in every.stdout  # both versions matched: both named
    assert_one_line_error(run_cli("search", "Kim", "--until", "last week"), 2, "--until")
    assert_one_line_error(run_cli("search", "Kim", "--since", "2999-01-01"), 1, "nothing matches")


def test_a_search_beyond_the_bounds_is_one_line(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    words = re.findall(r"\w+", " ".join(load_pages()[COPIED_OUTLET][0].paragraphs))
    bound = run_cli("search", " ".join(words[:MAX_QUERY_WORDS]), "--outlet", COPIED_OUTLET)
    assert bound.returncode == 0, bound.stderr  # the bound itself is searched, and found
    many = " ".join((words * MAX_QUERY_WORDS)[: MAX_QUERY_WORDS + 1])
    assert len(many) <= MAX_QUERY_CHARS
    assert_one_line_error(run_cli("search", many), 2, f"at most {MAX_QUERY_WORDS} are searched")
    trial = " ".join((words * 2000)[:2000])  # the trial's 2,000 words
    assert_one_line_error(run_cli("search", trial), 2, f"at most {MAX_QUERY_CHARS} are searched")


def test_a_date_means_the_whole_day_in_search(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (article,) = listed(run_cli, "--outlet", UPDATED_OUTLET)
    published = datetime.fromisoformat(article["published"])
    assert published.time() != datetime.min.time()  # published during its day, not at midnight
    day = published.date().isoformat()
    for window in (["--since", day], ["--until", day], ["--since", day, "--until", day]):
        result = run_cli("search", "Kim", "--outlet", UPDATED_OUTLET, *window, "--json")
        assert result.returncode == 0, (window, result.stderr)
        assert [json.loads(line)["url"] for line in result.stdout.splitlines()] == [article["url"]]
    before = run_cli("search", "Kim", "--outlet", UPDATED_OUTLET, "--until", f"{day}T00:00:00Z")
    assert before.returncode == 1  # a time is that instant: the day's start, before it


def test_verify_passes_then_catches_a_corrupted_object(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    clean = run_cli("verify")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 missing, 0 corrupted" in clean.stdout
    victim = next((archived / "objects").rglob("*.txt"))
    victim.write_bytes(b"tampered")
    broken = run_cli("verify", "--json")
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert len(report["corrupted"]) == 1 and victim.name in report["corrupted"][0]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("get", "https://nowhere.example/story"), 1, "https://nowhere.example/story"),
        (("get", "https://nowhere.example/story", "--at", "yesterday"), 2, "--at"),
        (("list", "--since", "23/11/2026"), 2, "--since"),
        (("history", "https://nowhere.example/story"), 1, "nowhere.example"),
        (("search", "   "), 2, "empty"),
        (("get", "https://x.example/", "--raw", "--meta"), 2, "one of"),
    ],
)
def test_bad_requests_get_one_line(archived: Path, run_cli, args, code, needle) -> None:  # type: ignore[no-untyped-def]
    assert_one_line_error(run_cli(*args), code, needle)


def test_empty_archive_says_so(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert_one_line_error(run_cli("list"), 1, "empty")


def test_export_writes_a_warc_and_its_index(archived: Path, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from warcio.archiveiterator import ArchiveIterator

    target = tmp_path / "export.warc.gz"
    result = run_cli("export", str(target), "--outlet", UPDATED_OUTLET)
    assert result.returncode == 0, result.stderr
    with target.open("rb") as stream:
        responses = [r for r in ArchiveIterator(stream) if r.rec_type == "response"]
    assert len(responses) == 2  # both versions of the updated article
    index = Path(f"{target}.cdxj").read_text().splitlines()
    assert len([line for line in index if line.startswith("com,sputnikglobe)")]) == 2
    assert_one_line_error(run_cli("export", str(target)), 2, "exists")
    assert_one_line_error(run_cli("export", str(tmp_path / "x.wacz"), "--no-gzip"), 2, "WACZ")


def test_timemap_lists_every_capture_in_link_format(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    gone = load_pages()[GONE_OUTLET][-1].live_url  # day 2 answered 410: one capture only
    (article,) = [
        a
        for a in listed(run_cli)
        if a["url"].endswith("/") and not a["duplicate_of"] and a["url"] != gone
    ][:1]
    result = run_cli("timemap", article["url"], "--base", "http://archive.example:8000/")
    assert result.returncode == 0, result.stderr
    links = result.stdout.strip().split(",\n")
    assert links[0] == f'<{article["url"]}>; rel="original"'
    assert f'<http://archive.example:8000/timemap/link/{article["url"]}>; rel="timemap"' in (
        result.stdout
    )
    mementos = [link for link in links if 'rel="memento"' in link]
    assert len(mementos) == 2  # day 1's page, and day 2's 304 (a revisit)
    for memento, day in zip(mementos, (article["first_seen"], article["last_seen"]), strict=True):
        moment = datetime.fromisoformat(day)
        stamp = moment.strftime("%Y%m%d%H%M%S")
        assert memento.startswith(f"<http://archive.example:8000/memento/{stamp}/{article['url']}>")
        assert f'datetime="{moment.strftime("%a, %d %b %Y %H:%M:%S GMT")}"' in memento
    assert_one_line_error(run_cli("timemap", "https://nowhere.example/x"), 1, "nowhere.example")
    assert_one_line_error(run_cli("timemap", article["url"], "--base", "ftp://x"), 2, "--base")


def test_get_at_returns_the_nearest_capture_and_says_which(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (article,) = listed(run_cli, "--outlet", UPDATED_OUTLET)
    versions = [
        json.loads(line)
        for line in run_cli("history", article["url"], "--json").stdout.splitlines()
    ]
    first, second = (datetime.fromisoformat(v["fetched_at"]) for v in versions)
    long_before = run_cli("get", article["url"], "--at", "2000-01-01T00:00:00Z")
    assert long_before.returncode == 0, long_before.stderr
    assert UPDATE_SENTENCE not in long_before.stdout  # the first capture is the nearest one
    assert long_before.stderr.strip() == f"newsarchive: capture of {first.isoformat()} (version 1)"
    closer_to_second = first + (second - first) * 0.6
    later = run_cli("get", article["url"], "--at", closer_to_second.isoformat())
    assert UPDATE_SENTENCE in later.stdout and "(version 2)" in later.stderr
    # At (or, for an odd number of microseconds, just before) the midpoint: the earlier one.
    midway = first + (second - first) // 2
    assert "(version 1)" in run_cli("get", article["url"], "--at", midway.isoformat()).stderr
    # Wayback timestamps, as copied from pywb's URLs: the first capture's second, a later year
    assert "(version 1)" in run_cli("get", article["url"], "--at", f"{first:%Y%m%d%H%M%S}").stderr
    assert "(version 2)" in run_cli("get", article["url"], "--at", "2999").stderr


def test_get_at_a_304_capture_with_meta_names_that_capture(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    """The metadata of a revisit says which fetch answered, beside the one it repeats."""
    gone = load_pages()[GONE_OUTLET][-1].live_url
    (article,) = [
        a for a in listed(run_cli) if a["url"].endswith("/") and not a["duplicate_of"]
        and a["url"] != gone
    ][:1]  # fmt: skip
    day_two = datetime.fromisoformat(article["last_seen"])
    result = run_cli("get", article["url"], "--at", day_two.isoformat(), "--meta")
    assert result.returncode == 0, result.stderr
    meta = json.loads(result.stdout)
    assert meta["capture"]["status"] == 304 and meta["capture"]["revisit"] == "not-modified"
    assert datetime.fromisoformat(meta["capture"]["fetched_at"]) == day_two
    assert meta["fetch"]["status"] == 200  # the page the 304 confirmed, fetched on day 1
    assert meta["capture"]["repeats"] == meta["fetch"]["fetched_at"]
    first = json.loads(run_cli("get", article["url"], "--at", "2000", "--meta").stdout)
    assert "capture" not in first  # day 1's capture is its own fetch


def test_reextract_files_pages_whose_extraction_failed(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    """A page whose extraction failed (before a profile fix, say) is filed from its raw page."""
    settings = Settings(home=archived)
    page = PAGES / "kcnawatch" / "kim-verbal-message-to-xi-2021.html"
    url = "https://kcnawatch.org/newstream/2000000000-1/a-later-republication/"
    capture = Capture(
        outlet="kcnawatch",
        url=url,
        requested_url=url,
        final_url=url,
        status=200,
        fetched_at=datetime.now(UTC),
        request_headers=(),
        response_headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=page.read_bytes(),
    )
    fetch = Fetch("kcnawatch", url, FetchOutcome.FETCHED, capture.fetched_at, 200, capture=capture)
    with Archive.open(settings.database_url, settings.store_url) as archive:
        archive.mark_extraction_failed(archive.record_fetch(fetch), "profile broken")
    assert url not in {a["url"] for a in listed(run_cli)}

    assert run_cli("reextract", "--json").stdout == ""  # failed pages wait for --failed
    result = run_cli("reextract", "--failed", "--json")
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["outlet"] == "kcnawatch" and row["duplicate"] == 1
    (article,) = [a for a in listed(run_cli) if a["url"] == url]
    assert article["duplicate_of"].startswith("https://kcnawatch.org/newstream/1751806045")
    assert run_cli("reextract", "--failed").stdout.strip() == "nothing to extract again"


def test_export_of_named_articles_holds_those_and_nothing_else(  # type: ignore[no-untyped-def]
    archived: Path, run_cli, tmp_path: Path
) -> None:
    import sys
    import zipfile

    from warcio.archiveiterator import ArchiveIterator

    settings = Settings(home=archived)
    with Archive.open(settings.database_url, settings.store_url) as archive:
        served = {  # article -> the URLs its captures were served at, from the catalog
            a.url: {c.final_url for c in archive.captures(a.url)} for a in archive.list_articles()
        }
    one, two = sorted(served)[:2]
    listing = tmp_path / "wanted.txt"
    listing.write_text(f"# the two stories\n{two}\n\n")
    tracked = f"{one}{'&' if '?' in one else '?'}utm_source=newsletter"  # as links are shared
    target = tmp_path / "two.warc.gz"
    result = run_cli("export", str(target), "--url", tracked, "--urls-from", str(listing))
    assert result.returncode == 0, result.stderr
    uris, info = set(), ""
    with target.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "warcinfo":
                info = record.content_stream().read().decode()
            uris.add(record.rec_headers.get_header("WARC-Target-URI"))
    for article, urls in served.items():  # the two named, with every capture; no other
        assert (urls <= uris) == (article in (one, two)), article
    assert "articles: 2 named" in info

    package = tmp_path / "one.wacz"
    assert run_cli("export", str(package), "--url", one).returncode == 0
    checked = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(package)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout
    with zipfile.ZipFile(package) as opened:
        pages = [json.loads(line) for line in opened.read("pages/pages.jsonl").splitlines()[1:]]
    assert {page["url"] for page in pages} <= served[one]

    nowhere = run_cli("export", str(tmp_path / "no.warc.gz"), "--url", "https://nowhere.example/a")
    assert_one_line_error(nowhere, 1, "not archived: https://nowhere.example/a")
    assert not (tmp_path / "no.warc.gz").exists()
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n")
    assert_one_line_error(
        run_cli("export", str(tmp_path / "e.warc.gz"), "--urls-from", str(empty)), 2, "no URL"
    )


def test_an_export_says_who_crawled_how_and_which_version_a_copy_copied(  # type: ignore[no-untyped-def]
    archived: Path, run_cli, tmp_path: Path
) -> None:
    from warcio.archiveiterator import ArchiveIterator

    target = tmp_path / "provenance.warc.gz"
    operator = "Example Library <archive@example.org>"
    env = {"NEWSARCHIVE_OPERATOR": operator, "NEWSARCHIVE_USER_AGENT": "test-archiver/2.0"}
    assert run_cli("export", str(target), env=env).returncode == 0
    info, copies = "", []
    with target.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "warcinfo":
                info = record.content_stream().read().decode()
            elif record.rec_type == "metadata":
                meta = json.loads(record.content_stream().read())
                if meta["duplicate_of"]:
                    copies.append(meta)
    assert f"operator: {operator}" in info
    assert "http-header-user-agent: test-archiver/2.0" in info
    assert "robots: obey" in info and "download-timeout 30s" in info
    assert "isPartOf: default" in info  # the collection of the outlets exported
    assert copies, "the replay's day 2 has a copy"
    for meta in copies:  # the version it repeats: the one with the sentence day 2 added, or not
        copy_text = run_cli("get", meta["canonical_url"]).stdout
        expected = 2 if " ".join(UPDATE_SENTENCE.split()) in " ".join(copy_text.split()) else 1
        assert meta["duplicate_of_version"] == expected, meta["canonical_url"]


def test_export_wacz_is_a_valid_package_listing_the_articles(
    archived: Path, run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    import zipfile

    target = tmp_path / "news.wacz"
    result = run_cli("export", str(target))
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "news.wacz.cdxj").exists()  # the index is inside the package
    checked = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(target)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert checked.returncode == 0 and "Validation succeeded" in checked.stdout, checked.stdout
    with zipfile.ZipFile(target) as package:
        names = set(package.namelist())
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").splitlines()]
        described = json.loads(package.read("datapackage.json"))
    assert {"datapackage.json", "indexes/index.cdx.gz", "archive/news.warc.gz"} <= names
    titles = {page.get("title") for page in pages[1:]}
    assert {a["title"] for a in listed(run_cli)} <= titles  # every article is a page
    assert all(page.get("text") for page in pages[1:])  # its words, for the reader's search
    (article,) = listed(run_cli, "--outlet", UPDATED_OUTLET)
    latest = " ".join(run_cli("get", article["url"]).stdout.split())
    assert latest in {" ".join(page["text"].split()) for page in pages[1:]}
    assert "captures of news articles" in described["description"]


def test_web_serves_the_viewer_on_loopback(archived: Path, tmp_path: Path) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "NEWSARCHIVE_HOME": str(archived),
        "NEWSARCHIVE_VIEWER_HOSTS": "archive.example.org, *.archive.example.net",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "newsarchive", "web", "--port", str(port),
         "--allowed-host", "viewer.example.com"],
        env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    page = answer.read().decode()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.3)
        assert "vanguard" in page and "Outlets" in page
        for host, status in [
            ("localhost", 200), ("archive.example.org", 200), ("a.archive.example.net", 200),
            ("viewer.example.com", 200), ("attacker.example", 400), ("archive.example.net", 400),
        ]:  # fmt: skip
            asked = urllib.request.Request(
                f"http://127.0.0.1:{port}/health", headers={"Host": f"{host}:{port}"}
            )
            try:
                with urllib.request.urlopen(asked, timeout=10) as answer:
                    assert (host, answer.status) == (host, status)
            except urllib.error.HTTPError as refused:
                assert (host, refused.code) == (host, status)
        with socket.socket() as other:  # the default bind is loopback only
            other.settimeout(1)
            addresses = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None)}
            outside = next((a for a in addresses if not a.startswith(("127.", "::1"))), None)
            if outside is not None:
                assert other.connect_ex((outside, port)) != 0
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--port", "0"), "--port"),
        (("--host", "no.such.host.invalid"), "--host"),
        (("--allowed-host", "https://archive.example.org"), "--allowed-host"),
        (("--allowed-host", "archive.example.org:443"), "--allowed-host"),
        (("--allowed-host", "archive*.example.org"), "--allowed-host"),
    ],
)
def test_web_refuses_a_bad_address_in_one_line(archived: Path, run_cli, args, needle) -> None:  # type: ignore[no-untyped-def]
    assert_one_line_error(run_cli("web", *args), 2, needle)


def test_web_refuses_a_bad_viewer_host_setting_in_one_line(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    bad = {"NEWSARCHIVE_VIEWER_HOSTS": "archive.example.org,a b"}
    assert_one_line_error(run_cli("web", env=bad), 2, "NEWSARCHIVE_VIEWER_HOSTS")


def test_web_refuses_a_port_in_use_in_one_line(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_one_line_error(run_cli("web", "--port", str(port)), 2, f"127.0.0.1:{port}")


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("{tmp}", "Is a directory"),
        ("{tmp}/missing/out.html", "No such file or directory"),
        ("/dev/full", "No space left on device"),
    ],
)
def test_get_into_an_unwritable_file_gets_one_line(  # type: ignore[no-untyped-def]
    archived: Path, run_cli, tmp_path: Path, target: str, needle: str
) -> None:
    # an article still live on day 2: a gone one's note would be a line of its own
    url = next(a["url"] for a in listed(run_cli) if a["outlet"] == "sputnik")
    output = target.format(tmp=tmp_path)
    assert_one_line_error(run_cli("get", url, "--raw", "-o", output), 2, output, needle)


def test_export_into_a_folder_that_refuses_files_gets_one_line(archived: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    # /proc takes no new files, even from root, so this fails the same for any user.
    result = run_cli("export", "/proc/newsarchive-export.warc.gz")
    assert_one_line_error(result, 2, "cannot write /proc/newsarchive-export.warc.gz")


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_a_time_with_no_utc_instant_gets_one_line(archived: Path, run_cli, option: str) -> None:  # type: ignore[no-untyped-def]
    # Valid ISO 8601, but 14 hours east of the calendar's first day lies before it in UTC.
    result = run_cli("search", "Korea", option, "0001-01-01T00:00:00+14:00")
    assert_one_line_error(result, 2, option, "range")


READING_COMMANDS = [
    ("list",),
    ("get", "https://x.example/story"),
    ("history", "https://x.example/story"),
    ("timemap", "https://x.example/story"),
    ("search", "Korea"),
    ("verify",),
    ("export", "{tmp}/out.warc.gz"),
]
"""Commands that read an archive and must never make one, with their arguments."""


@pytest.mark.parametrize(
    "args",
    [*READING_COMMANDS, ("reextract",)],
    ids=lambda args: args[0],
)
def test_reading_commands_never_create_an_archive(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path, args: tuple[str, ...]
) -> None:
    home = tmp_path / "nowhere" / "archive"
    catalog = tmp_path / "missing" / "dir" / "catalog.db"
    env = {"NEWSARCHIVE_HOME": str(home), "NEWSARCHIVE_DATABASE_URL": f"sqlite:///{catalog}"}
    result = run_cli(*(a.format(tmp=tmp_path) for a in args), env=env)
    assert_one_line_error(result, 1, "no archive")
    assert not (tmp_path / "missing").exists() and not (tmp_path / "nowhere").exists()
    assert not (tmp_path / "out.warc.gz").exists()


@pytest.mark.parametrize(
    "args",
    [
        *READING_COMMANDS,
        ("outlets", "health", "--outlets-file", "{tmp}/outlets.toml"),
        ("reextract", "--outlets-file", "{tmp}/outlets.toml"),
        ("crawl", "--outlets-file", "{tmp}/outlets.toml"),
    ],
    ids=lambda args: args[0],
)
def test_a_catalog_of_garbage_bytes_is_named_not_reported_as_a_bug(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path, args: tuple[str, ...]
) -> None:
    home = tmp_path / "archive"
    home.mkdir()
    garbage = bytes(range(256)) * 64  # no SQLite header: SQLite refuses it as no database
    (home / "catalog.db").write_bytes(garbage)
    (tmp_path / "outlets.toml").write_text(
        '[[outlet]]\nname = "local"\nkind = "feed"\nallowed_domains = ["127.0.0.1"]\n'
        'start_urls = ["http://127.0.0.1:9/feed.xml"]\n'
    )
    result = run_cli(*(a.format(tmp=tmp_path) for a in args))
    assert_one_line_error(result, 1, "cannot open the catalog: file is not a database")
    assert (home / "catalog.db").read_bytes() == garbage
    assert not (tmp_path / "out.warc.gz").exists()


def test_the_folder_a_killed_export_left_goes_at_the_next_export(  # type: ignore[no-untyped-def]
    archived: Path, run_cli, tmp_path: Path
) -> None:
    target = tmp_path / "export.warc.gz"
    killed = subprocess.Popen(["sleep", "60"])
    killed.kill()  # SIGKILL: the export it stands for never removes its folder
    killed.wait()
    host = socket.gethostname()
    abandoned = tmp_path / f".export.warc.gz.{killed.pid}@{host}.k1ll3d"
    abandoned.mkdir()
    (abandoned / "export.warc.gz").write_bytes(b"WARC/1.1\r\npartial")
    running = tmp_path / f".export.warc.gz.{os.getpid()}@{host}.w0rk1n"  # a live process's
    elsewhere = tmp_path / f".export.warc.gz.{killed.pid}@another-host.0th3r"
    running.mkdir()
    elsewhere.mkdir()

    result = run_cli("export", str(target))
    assert result.returncode == 0, result.stderr
    hidden = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".export"))
    assert hidden == sorted([running.name, elsewhere.name])
    assert target.stat().st_size > 0
