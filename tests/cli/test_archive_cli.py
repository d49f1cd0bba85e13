"""Retrieval from the command line: list, get, history, search, verify and their errors."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error

from newsarchive.archiving.plan import plan_outlets
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.records import Capture, Fetch, FetchOutcome
from newsarchive.replay import replayed
from newsarchive.replay.pages import default_pages_dir
from newsarchive.replay.site import UPDATE_SENTENCE, UPDATED_OUTLET
from newsarchive.spiders.settings import CrawlOptions
from newsarchive.storage import Archive

PAGES = default_pages_dir()


def replay_into(home: Path, day: int) -> None:
    settings = Settings(home=home)
    with (
        Archive.open(settings.database_url, settings.store_url) as archive,
        replayed(plan_outlets(settings), CrawlOptions.from_settings(settings), day=day) as (
            outlets,
            options,
        ),
    ):
        asyncio.run(archive_outlets(outlets, archive, options))


@pytest.fixture(scope="module")
def replayed_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive home holding two replays: the site, then the site a day later."""
    home = tmp_path_factory.mktemp("replayed") / "archive"
    replay_into(home, 1)
    replay_into(home, 2)
    return home


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
    assert len(Path(f"{target}.cdxj").read_text().splitlines()) == 2
    assert_one_line_error(run_cli("export", str(target)), 2, "exists")


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
