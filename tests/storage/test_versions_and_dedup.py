"""The archive's filing rules, pinned on both catalogs with real article texts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from storage_builders import (
    T0,
    XINHUA_VANGUARD,
    archive_one,
    extracted,
    fetched,
    hours,
    not_modified,
    page,
    seed_text,
)

from newsarchive.errors import InputError, NotFoundError
from newsarchive.identity import article_key
from newsarchive.records import ArchiveOutcome
from newsarchive.storage import Archive, ExtractionState
from newsarchive.storage.reading.fulltext import Filters

URL = "https://www.vanguardngr.com/2021/01/xi-congratulates-kim-on-election/"


def objects(root: Path, kind: str) -> list[Path]:
    return sorted(p for p in (root / kind).rglob("*") if p.is_file())


def test_recording_and_filing_twice_changes_nothing(archive: Archive, tmp_path: Path) -> None:
    text = seed_text(XINHUA_VANGUARD)
    fetch = fetched(URL, page(text))

    first = archive.record_fetch(fetch)
    again = archive.record_fetch(fetch)
    assert again == first
    assert first.extraction_state == ExtractionState.PENDING

    assert archive.file_extraction(first, extracted(URL, text)) == ArchiveOutcome.NEW
    assert archive.file_extraction(again, extracted(URL, text)) == ArchiveOutcome.NEW

    assert len(archive.history(URL)) == 1
    assert [a.url for a in archive.list_articles()] == [URL]
    assert archive.unextracted() == []
    store = tmp_path / "objects"
    assert len(objects(store, "raw")) == len(objects(store, "text")) == 1
    assert len(objects(store, "meta")) == 1


def test_changed_text_adds_a_version_and_snapshot_finds_each(archive: Archive) -> None:
    v1_text = seed_text(XINHUA_VANGUARD)
    v2_text = (
        v1_text.replace("Kindly Share This Story:", "").replace(
            "unswerving policy", "unwavering policy"
        )
        + "\n\nCORRECTION: an earlier version misstated the date of the congress."
    )

    assert archive_one(archive, URL, v1_text, T0) == "new"
    assert archive_one(archive, URL, v1_text, T0 + hours(6)) == "unchanged"
    assert archive_one(archive, URL, v2_text, T0 + hours(12)) == "updated"

    history = archive.history(URL)
    assert [(v.version, v.fetched_at, v.last_seen) for v in history] == [
        (1, T0, T0 + hours(6)),
        (2, T0 + hours(12), T0 + hours(12)),
    ]
    assert archive.snapshot(URL).text == v2_text
    assert archive.snapshot(URL, at=T0 + hours(11)).text == v1_text
    at_update = archive.snapshot(URL, at=T0 + hours(12))
    assert at_update.version == 2
    assert at_update.raw == page(v2_text)
    assert at_update.meta["fetch"]["status"] == 200
    assert at_update.meta["extraction"]["title"] == "Xi congratulates Kim"
    assert at_update.meta["text"]["sha256"] == history[1].sha256

    with pytest.raises(NotFoundError, match="no version archived at or before 2026-02-23T09:29"):
        archive.snapshot(URL, at=T0 - hours(0.01))
    (summary,) = archive.list_articles()
    assert (summary.versions, summary.sha256, summary.last_seen) == (
        2,
        history[1].sha256,
        T0 + hours(12),
    )


def test_unchanged_text_in_a_changed_page_keeps_both_pages_but_one_version(
    archive: Archive, tmp_path: Path
) -> None:
    text = seed_text(XINHUA_VANGUARD)
    archive_one(archive, URL, text, T0)
    reshuffled = page(text).replace(b"<body>", b"<body><nav>Trending now</nav>")
    record = archive.record_fetch(fetched(URL, reshuffled, T0 + hours(1)))
    assert archive.file_extraction(record, extracted(URL, text)) == ArchiveOutcome.UNCHANGED
    same_bytes_again = archive.record_fetch(fetched(URL, page(text), T0 + hours(2)))
    assert archive.file_extraction(same_bytes_again, extracted(URL, text)) == "unchanged"

    store = tmp_path / "objects"
    assert len(objects(store, "raw")) == 2  # the third fetch reused the first page's object
    assert len(objects(store, "text")) == len(objects(store, "meta")) == 1
    assert archive.snapshot(URL).raw == page(text)
    assert len(archive.history(URL)) == 1


def test_syndicated_copy_with_small_edits_is_a_duplicate(archive: Archive) -> None:
    vanguard = seed_text(XINHUA_VANGUARD)
    # The wire copy as another outlet ran it: no share prompt, US spelling,
    # its own credit line, one reworded sentence.
    copy = (
        vanguard.replace("Kindly Share This Story:", "")
        .replace("neighbours", "neighbors")
        .replace("(Xinhua/NAN)", "(Xinhua)")
        .replace("He also extended warm regards", "He also sent his warm regards")
    )
    copy_url = "https://english.news.cn/20210111/c_139658297.htm"

    assert archive_one(archive, URL, vanguard) == "new"
    assert archive_one(archive, copy_url, copy, T0 + hours(3), outlet="xinhua") == "duplicate"
    other_event = seed_text("001")  # same story by Sputnik, written independently
    sputnik = "https://sputnikglobe.com/20260223/xi-kim-1123672747.html"
    assert archive_one(archive, sputnik, other_event, T0 + hours(4), outlet="sputnik") == "new"

    listed = {a.url: a for a in archive.list_articles()}
    assert listed[copy_url].duplicate_of == URL
    assert listed[copy_url].outlet == "xinhua"
    assert listed[sputnik].duplicate_of is None
    copy_snapshot = archive.snapshot(copy_url)
    assert copy_snapshot.duplicate_of == URL
    assert copy_snapshot.text == copy  # the copy is archived in full


def test_exact_duplicate_text_is_stored_once_and_points_at_the_first(
    archive: Archive, tmp_path: Path
) -> None:
    text = seed_text("004")
    first = "https://kcnawatch.org/newstream/1626000000-1/"
    assert archive_one(archive, first, text, outlet="kcna") == "new"
    second = "https://vok.rep.kp/greets-xi/"
    third = "https://naenara.com.kp/greets-xi/"
    assert archive_one(archive, second, text, T0 + hours(1), outlet="vok") == "duplicate"
    assert archive_one(archive, third, text, T0 + hours(2), outlet="naenara") == "duplicate"

    store = tmp_path / "objects"
    assert len(objects(store, "text")) == 1
    assert len(objects(store, "raw")) == 3  # every outlet's page is kept
    duplicates = {a.url: a.duplicate_of for a in archive.list_articles()}
    assert duplicates == {first: None, second: first, third: first}


def test_not_modified_moves_last_seen(archive: Archive) -> None:
    text = seed_text(XINHUA_VANGUARD)
    archive.record_fetch(fetched(URL, page(text), etag='"v1"'))
    (pending,) = archive.unextracted()
    archive.file_extraction(pending, extracted(URL, text))

    record = archive.record_fetch(not_modified(URL, T0 + hours(24)))
    assert record.archive_outcome == ArchiveOutcome.UNCHANGED
    assert record.version == 1
    assert record.raw_key is None
    (summary,) = archive.list_articles()
    assert (summary.first_seen, summary.last_seen) == (T0, T0 + hours(24))
    assert archive.history(URL)[0].last_seen == T0 + hours(24)
    assert archive.unextracted() == []


def test_validators_come_from_the_last_successful_fetch(archive: Archive) -> None:
    text = seed_text("000")
    other = "https://koreajoongangdaily.joins.com/news/2026-02-23/xi-kim"
    archive.record_fetch(fetched(URL, page(text), etag='"a"'))
    archive.record_fetch(fetched(URL, page(text), T0 + hours(1), etag='"b"', last_modified="x"))
    archive.record_fetch(not_modified(URL, T0 + hours(2)))
    archive.record_fetch(fetched(other, page(text), outlet="joongang", etag='"j"'))
    archive.record_fetch(fetched(URL + "nothing", page(text)))  # no validators sent

    asked = [article_key(URL), article_key(other), article_key(URL + "nothing"), "x.org/never"]
    validators = archive.validators("vanguard", asked)
    assert list(validators) == [article_key(URL), article_key(URL + "nothing")]
    latest = validators[article_key(URL)]
    assert (latest.etag, latest.last_modified, latest.fetched_at) == ('"b"', "x", T0 + hours(1))
    unvalidated = validators[article_key(URL + "nothing")]
    assert (unvalidated.etag, unvalidated.last_modified) == (None, None)  # known, nothing to send
    assert archive.validators("joongang", asked)[article_key(other)].etag == '"j"'
    assert archive.validators("joongang", [article_key(URL)]) == {}


def test_redo_after_failed_or_missing_extraction(archive: Archive) -> None:
    text = seed_text("003")
    url = "https://kcnawatch.org/newstream/1616482916-3/"
    body = page(text)
    record = archive.record_fetch(fetched(url, body, outlet="kcna"))
    archive.record_fetch(fetched(URL, page(seed_text("002"))))

    assert [r.url for r in archive.unextracted("kcna")] == [url]
    assert len(archive.unextracted()) == 2
    capture = archive.load_capture(record)
    assert (capture.body, capture.outlet, capture.fetched_at) == (body, "kcna", T0)
    assert capture.header("content-type") == "text/html; charset=utf-8"

    archive.mark_extraction_failed(record, "no article text found")
    assert [r.url for r in archive.unextracted()] == [URL]
    with pytest.raises(NotFoundError, match="nothing archived for"):
        archive.snapshot(url)
    with pytest.raises(InputError, match="holds no text"):
        archive.file_extraction(archive.unextracted()[0], extracted(URL, "  \n"))


def test_search_on_latest_text(archive: Archive) -> None:
    archive_one(archive, URL, seed_text(XINHUA_VANGUARD))
    kcna = "https://kcnawatch.org/newstream/1616482916-3/"
    archive_one(archive, kcna, seed_text("003"), outlet="kcna")

    hits = archive.search("friendly socialist neighbours")
    assert [h.url for h in hits] == [URL]
    assert "socialist" in hits[0].snippet
    assert {h.url for h in archive.search("Workers' Party congress")} == {URL, kcna}
    assert [h.url for h in archive.search("congress", filters=Filters(outlet="kcna"))] == [kcna]
    assert archive.search("Thailand friendship", limit=5)[0].url == kcna
    with pytest.raises(InputError, match="no words"):
        archive.search("  '\" -- ")


def test_snapshot_accepts_trivially_different_urls(archive: Archive) -> None:
    archive_one(archive, URL, seed_text(XINHUA_VANGUARD))
    assert archive.snapshot(URL.rstrip("/")).url == URL
    assert archive.history(URL + "?utm_source=twitter&utm_medium=social")[0].version == 1
    with pytest.raises(NotFoundError, match=r"nothing archived for https://example\.org/x"):
        archive.history("https://example.org/x")


def test_a_late_redo_is_filed_against_the_text_of_its_own_time(archive: Archive) -> None:
    original = seed_text(XINHUA_VANGUARD)
    corrected = original + "\n\nCORRECTION: the congress was the eighth, not the ninth."
    # The fetch at +1h is recorded but its extraction crashed; it is redone last.
    archive.record_fetch(fetched(URL, page(original), T0 + hours(1)))
    assert archive_one(archive, URL, original, T0) == "new"
    assert archive_one(archive, URL, corrected, T0 + hours(2)) == "updated"

    (redo,) = archive.unextracted()
    assert archive.file_extraction(redo, extracted(URL, original)) == ArchiveOutcome.UNCHANGED

    history = archive.history(URL)
    assert [(v.version, v.fetched_at, v.last_seen) for v in history] == [
        (1, T0, T0 + hours(1)),
        (2, T0 + hours(2), T0 + hours(2)),
    ]
    assert archive.snapshot(URL).text == corrected
    assert archive.snapshot(URL, at=T0 + hours(1)).text == original
    assert [hit.url for hit in archive.search("correction eighth")] == [URL]


def test_attempts_behind_a_fetch_are_kept(archive: Archive) -> None:
    struggling = dataclasses.replace(fetched(URL, page(seed_text("002")), T0), attempts=3)
    record = archive.record_fetch(struggling)
    assert record.attempts == 3
    archive.file_extraction(record, extracted(URL, seed_text("002")))
    assert archive.snapshot(URL).meta["fetch"]["attempts"] == 3
