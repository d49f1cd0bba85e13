"""WARC export and CDXJ index, read back with warcio as an archivist's tools would.

That pywb replays the export is shown in ``tests/e2e/test_replay_in_pywb.py``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from storage_builders import (
    T0,
    XINHUA_VANGUARD,
    archive_one,
    edit_words,
    extracted,
    fetched,
    hours,
    not_modified,
    page,
    seed_text,
)
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newsarchive.cli.export_cmd import export
from newsarchive.errors import InputError, NotFoundError
from newsarchive.storage import Archive
from newsarchive.storage.export import format_of
from newsarchive.storage.export.cdxj import write_cdxj
from newsarchive.storage.export.warc import NOT_MODIFIED_PROFILE, replayable_headers, write_warc

URL = "https://www.vanguardngr.com/2026/02/xi-congratulates-kim/"
COPY = "https://english.news.cn/20260223/xi-kim-message/c.html"
OTHER = "https://sputniknews.com/20260223/congress-closes.html"


@dataclass
class Read:
    """One record as read back, its payload consumed through warcio's digest checker."""

    kind: str
    headers: dict[str, str]
    http: Any
    payload: bytes
    digests_passed: bool | None


def read_records(data: bytes) -> list[Read]:
    """Every record of a WARC; warcio raises ArchiveLoadFailed on a digest mismatch."""
    found = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
        payload = record.content_stream().read()
        found.append(
            Read(
                kind=record.rec_type,
                headers=dict(record.rec_headers.headers),
                http=record.http_headers,
                payload=payload,
                digests_passed=record.digest_checker.passed,
            )
        )
    return found


def sha256_b32(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode()


def build_archive(archive: Archive) -> str:
    """Two versions of URL, a syndicated copy of its first text, and another outlet's article."""
    text = seed_text(XINHUA_VANGUARD)
    assert archive_one(archive, URL, text, T0) == "new"
    assert archive_one(archive, COPY, text, T0 + hours(1), outlet="xinhua") == "duplicate"
    assert archive_one(archive, URL, edit_words(text, 7), T0 + hours(2)) == "updated"
    assert archive_one(archive, OTHER, seed_text("003"), T0 + hours(3), outlet="sputnik") == "new"
    return text


def export_bytes(archive: Archive, **filters: Any) -> bytes:
    out = io.BytesIO()
    write_warc(archive, out, **filters)
    return out.getvalue()


@pytest.fixture
def sqlite_archive(tmp_path: Path) -> Iterator[Archive]:
    """One catalog is enough where the export's own logic, not the catalog, is tested."""
    with Archive.open(
        f"sqlite:///{tmp_path / 'catalog.db'}", f"file://{tmp_path / 'objects'}"
    ) as a:
        yield a


def test_round_trip_keeps_every_page_byte_for_byte_with_verified_digests(
    archive: Archive,
) -> None:
    build_archive(archive)
    records = read_records(export_bytes(archive))

    responses = [r for r in records if r.kind == "response"]
    assert len(responses) == 4
    for response in responses:
        assert response.digests_passed is True
        metadata = next(
            json.loads(r.payload)
            for r in records
            if r.kind == "metadata"
            and r.headers["WARC-Refers-To"] == response.headers["WARC-Record-ID"]
        )
        at = datetime.fromisoformat(metadata["fetch"]["fetched_at"])
        snapshot = archive.snapshot(metadata["canonical_url"], at=at)
        assert response.payload == snapshot.raw
        assert response.headers["WARC-Payload-Digest"] == sha256_b32(snapshot.raw)
        assert response.headers["WARC-Target-URI"] == snapshot.url
    assert all(r.digests_passed is True for r in records)


def test_records_come_in_order_and_link_to_their_response(sqlite_archive: Archive) -> None:
    text = build_archive(sqlite_archive)
    records = read_records(export_bytes(sqlite_archive))

    assert [r.kind for r in records] == ["warcinfo"] + [
        "request",
        "response",
        "metadata",
        "resource",
    ] * 4
    info = records[0]
    assert b"software: newsarchive/" in info.payload
    assert b"format: WARC File Format 1.1" in info.payload
    groups = [records[i : i + 4] for i in range(1, len(records), 4)]
    expected = [(URL, T0), (COPY, T0 + hours(1)), (URL, T0 + hours(2)), (OTHER, T0 + hours(3))]
    for (request, response, metadata, resource), (url, at) in zip(groups, expected, strict=True):
        response_id = response.headers["WARC-Record-ID"]
        for linked in (request, metadata, resource):
            assert linked.headers["WARC-Concurrent-To"] == response_id
        for about in (metadata, resource):  # records about the response, never taken for it
            assert about.headers["WARC-Refers-To"] == response_id
        for record in (request, response, metadata, resource):
            assert record.headers["WARC-Warcinfo-ID"] == info.headers["WARC-Record-ID"]
            assert datetime.fromisoformat(record.headers["WARC-Date"]) == at
            assert "WARC-IP-Address" not in record.headers
        assert request.headers["WARC-Target-URI"] == url
        assert request.http.protocol == "GET"
        assert request.http.get_header("User-Agent") == "newsarchive-test"
        assert response.http.get_statuscode() == "200"

        meta = json.loads(metadata.payload)
        assert metadata.headers["Content-Type"] == "application/json"
        assert metadata.headers["WARC-Target-URI"] == f"urn:newsarchive:metadata:{url}"
        assert meta["captured_at"] == at.isoformat()
        assert meta["canonical_url"] == url
        assert meta["duplicate_of"] == (URL if url == COPY else None)
        snapshot = sqlite_archive.snapshot(url, at=at)
        assert meta["version"] == snapshot.version
        assert meta["raw"]["sha256"] == hashlib.sha256(response.payload).hexdigest()
        assert resource.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert resource.payload.decode("utf-8") == snapshot.text
        assert resource.headers["WARC-Target-URI"] == f"urn:text:{url}"
    # the first version's text, not the latest, went out with the first response
    assert groups[0][3].payload.decode() == sqlite_archive.snapshot(URL, at=T0).text
    assert groups[0][3].payload != groups[2][3].payload
    assert groups[1][3].payload.decode() == sqlite_archive.snapshot(COPY).text == text.strip()


def test_stored_transfer_headers_are_rewritten_and_kept_as_originals(
    sqlite_archive: Archive,
) -> None:
    """A page fetched gzip-encoded and chunked, through a redirect, as Scrapy hands it over."""
    text = seed_text(XINHUA_VANGUARD)
    fetch = fetched(URL, b"", T0)
    body = f"<html><body><article><p>{text}</p></article></body></html>".encode()
    assert fetch.capture is not None
    capture = replace(
        fetch.capture,
        requested_url="http://vanguardngr.com/?p=1234",
        final_url=URL + "?amp=1",
        body=body,
        response_headers=(
            ("Content-Type", "text/html; charset=UTF-8"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Length", "812"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ),
    )
    record = sqlite_archive.record_fetch(replace(fetch, capture=capture))
    sqlite_archive.file_extraction(record, extracted(URL, text))

    request, response, metadata = read_records(export_bytes(sqlite_archive))[1:4]
    headers = response.http.headers
    assert headers == [
        ("Content-Type", "text/html; charset=UTF-8"),
        ("X-Archive-Orig-Content-Encoding", "gzip"),
        ("X-Archive-Orig-Transfer-Encoding", "chunked"),
        ("X-Archive-Orig-Content-Length", "812"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("Content-Length", str(len(body))),
    ]
    assert response.payload == body
    assert response.headers["WARC-Target-URI"] == URL + "?amp=1"
    assert request.headers["WARC-Target-URI"] == URL + "?amp=1"
    assert request.http.statusline.startswith("/2026/02/xi-congratulates-kim/?amp=1 ")
    meta = json.loads(metadata.payload)
    assert meta["canonical_url"] == URL
    assert meta["fetch"]["requested_url"] == "http://vanguardngr.com/?p=1234"


def test_a_correct_content_length_is_kept_as_is() -> None:
    assert replayable_headers([("Content-Length", "5"), ("ETag", '"x"')], 5) == [
        ("ETag", '"x"'),
        ("Content-Length", "5"),
    ]


def index_of(data: bytes, tmp_path: Path, name: str = "news.warc.gz") -> list[str]:
    warc = tmp_path / name
    warc.write_bytes(data)
    out = io.StringIO()
    write_cdxj(warc, out)
    return out.getvalue().splitlines()


@pytest.mark.parametrize("compressed", [True, False], ids=["gzip", "plain"])
def test_cdxj_lines_point_at_their_records(
    sqlite_archive: Archive, compressed: bool, tmp_path: Path
) -> None:
    build_archive(sqlite_archive)
    out = io.BytesIO()
    stats = write_warc(sqlite_archive, out, gzip=compressed)
    data = out.getvalue()
    assert data[:2] == b"\x1f\x8b" if compressed else data.startswith(b"WARC/1.1\r\n")
    assert stats.bytes == len(data)
    assert (stats.records, stats.captures, stats.revisits) == (17, 4, 0)

    lines = index_of(data, tmp_path)
    assert lines == sorted(lines) and len(lines) == 12  # response, metadata and text each
    pages = []
    for line in lines:
        key, stamp, fields_text = line.split(" ", 2)
        fields = json.loads(fields_text)
        assert fields["filename"] == "news.warc.gz"
        offset, length = int(fields["offset"]), int(fields["length"])
        (record,) = read_records(data[offset : offset + length])
        assert record.headers["WARC-Target-URI"] == fields["url"]
        assert datetime.fromisoformat(record.headers["WARC-Date"]).strftime("%Y%m%d%H%M%S") == stamp
        if record.kind == "response":
            assert record.headers["WARC-Payload-Digest"] == fields["digest"]
            assert (fields["mime"], fields["status"]) == ("text/html", "200")
            pages.append((key, fields["url"]))
        else:  # metadata and text live under keys of their own, never the page's
            assert key.startswith(("urn:newsarchive:metadata:", "urn:text:"))
    # the replay tools' own SURT keys: no scheme, no www, and no final slash
    assert pages == [
        ("cn,news,english)/20260223/xi-kim-message/c.html", COPY),
        ("com,sputniknews)/20260223/congress-closes.html", OTHER),
        ("com,vanguardngr)/2026/02/xi-congratulates-kim", URL),
        ("com,vanguardngr)/2026/02/xi-congratulates-kim", URL),
    ]


def revisited_archive(archive: Archive) -> bytes:
    """One page fetched, refetched with identical bytes, then answered 304: one response."""
    text = seed_text(XINHUA_VANGUARD)
    archive_one(archive, URL, text, T0)
    again = archive.record_fetch(fetched(URL, page(text), T0 + hours(1)))
    archive.file_extraction(again, extracted(URL, text))
    archive.record_fetch(not_modified(URL, T0 + hours(2)))
    return export_bytes(archive)


def test_unchanged_refetches_become_revisits_of_the_first_response(
    sqlite_archive: Archive, tmp_path: Path
) -> None:
    data = revisited_archive(sqlite_archive)
    records = read_records(data)
    assert [r.kind for r in records] == [
        "warcinfo", "request", "response", "metadata", "resource",
        "request", "revisit", "request", "revisit",
    ]  # fmt: skip
    response, same_bytes, not_modified_304 = records[2], records[6], records[8]
    for revisit, at in ((same_bytes, T0 + hours(1)), (not_modified_304, T0 + hours(2))):
        assert revisit.headers["WARC-Refers-To"] == response.headers["WARC-Record-ID"]
        assert revisit.headers["WARC-Refers-To-Target-URI"] == URL
        assert revisit.headers["WARC-Refers-To-Date"] == response.headers["WARC-Date"]
        assert revisit.headers["WARC-Payload-Digest"] == response.headers["WARC-Payload-Digest"]
        assert datetime.fromisoformat(revisit.headers["WARC-Date"]) == at
        assert revisit.payload == b""
    assert same_bytes.headers["WARC-Profile"].endswith("/revisit/identical-payload-digest")
    assert same_bytes.http.get_statuscode() == "200"
    assert not same_bytes.http.get_header("Content-Length")  # the body is the original's
    assert not_modified_304.headers["WARC-Profile"] == NOT_MODIFIED_PROFILE
    assert not_modified_304.headers["Content-Length"] == "0"  # no headers kept for a 304
    lines = index_of(data, tmp_path)
    mimes = [json.loads(line.split(" ", 2)[2])["mime"] for line in lines if line.startswith("com")]
    assert mimes == ["text/html", "warc/revisit", "warc/revisit"]


def test_a_revisit_whose_original_went_out_earlier_still_names_it(
    sqlite_archive: Archive,
) -> None:
    revisited_archive(sqlite_archive)
    records = read_records(export_bytes(sqlite_archive, since=T0 + hours(0.5)))
    revisits = [r for r in records if r.kind == "revisit"]
    assert len(revisits) == 2 and not [r for r in records if r.kind == "response"]
    for revisit in revisits:
        assert "WARC-Refers-To" not in revisit.headers  # that record is in the earlier file
        assert revisit.headers["WARC-Refers-To-Target-URI"] == URL
        assert datetime.fromisoformat(revisit.headers["WARC-Refers-To-Date"]) == T0


def test_filters_select_outlet_and_versions_fetched_since(sqlite_archive: Archive) -> None:
    build_archive(sqlite_archive)

    by_outlet = read_records(export_bytes(sqlite_archive, outlet="vanguard"))
    responses = [r for r in by_outlet if r.kind == "response"]
    assert [r.headers["WARC-Target-URI"] for r in responses] == [URL, URL]
    assert b"outlet: vanguard" in by_outlet[0].payload

    since = T0 + hours(1.5)
    recent = read_records(export_bytes(sqlite_archive, since=since))
    metadata = [json.loads(r.payload) for r in recent if r.kind == "metadata"]
    # the second version of an article first seen before `since` is included
    assert [(m["canonical_url"], m["version"]) for m in metadata] == [(URL, 2), (OTHER, 1)]
    assert f"since: {since.isoformat()}".encode() in recent[0].payload

    with pytest.raises(NotFoundError, match="no archived versions matching the filters"):
        write_warc(sqlite_archive, io.BytesIO(), outlet="joongang")


def test_damaged_warcs_are_caught_by_the_reader(sqlite_archive: Archive) -> None:
    """The checks above can fail: warcio catches altered bytes, and a cut record never verifies."""
    build_archive(sqlite_archive)
    plain = export_bytes(sqlite_archive, gzip=False)
    assert all(r.digests_passed for r in read_records(plain))

    at = plain.index(b"Xi Jinping")
    with pytest.raises(ArchiveLoadFailed, match="digest failed"):
        read_records(plain[:at] + b"Yi" + plain[at + 2 :])

    compressed = export_bytes(sqlite_archive)
    cut = read_records(compressed[: len(compressed) - 200])
    assert len(cut) == 17 and cut[-1].digests_passed is None
    assert read_records(compressed)[-1].digests_passed is True


@pytest.fixture
def export_app(
    sqlite_archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> typer.Typer:
    """The export command on a tiny app, configured (like the real CLI) through the env."""
    monkeypatch.setenv("NEWSARCHIVE_DATABASE_URL", f"sqlite:///{tmp_path / 'catalog.db'}")
    monkeypatch.setenv("NEWSARCHIVE_STORE_URL", f"file://{tmp_path / 'objects'}")
    app = typer.Typer()
    app.command("export")(export)
    app.callback()(lambda: None)
    return app


def test_cli_writes_warc_and_index_then_refuses_to_overwrite(
    export_app: typer.Typer, sqlite_archive: Archive, tmp_path: Path
) -> None:
    build_archive(sqlite_archive)
    target = tmp_path / "out" / "news.warc.gz"
    target.parent.mkdir()

    result = CliRunner().invoke(export_app, ["export", str(target), "--outlet", "vanguard"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "wrote 9 records (2 article captures, 0 requisite fetches, 0 of them revisits, "
    )
    data = target.read_bytes()
    assert f"{len(data)} bytes" in result.output
    index = (tmp_path / "out" / "news.warc.gz.cdxj").read_text().splitlines()
    assert len(index) == 6 and all('"filename": "news.warc.gz"' in line for line in index)
    assert sorted(p.name for p in target.parent.iterdir()) == ["news.warc.gz", "news.warc.gz.cdxj"]
    ordinary = tmp_path / "ordinary"
    ordinary.touch()
    assert target.stat().st_mode == ordinary.stat().st_mode  # readable like any file made here

    again = CliRunner().invoke(export_app, ["export", str(target)])
    assert isinstance(again.exception, InputError) and again.exception.exit_code == 2
    assert "already exists" in str(again.exception)
    assert target.read_bytes() == data

    plain = tmp_path / "out" / "news.warc"
    result = CliRunner().invoke(
        export_app, ["export", str(plain), "--no-gzip", "--captured-since", "2026-02-23T11:00Z"]
    )
    assert result.exit_code == 0, result.output
    assert plain.read_bytes().startswith(b"WARC/1.1\r\n")
    assert [r.kind for r in read_records(plain.read_bytes())].count("response") == 2


def test_cli_leaves_nothing_behind_when_nothing_matches(
    export_app: typer.Typer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(export_app, ["export", str(out / "empty.warc.gz")])
    assert isinstance(result.exception, NotFoundError) and result.exception.exit_code == 1
    assert str(result.exception) == "no archived versions to export"
    assert list(out.iterdir()) == []

    bad = CliRunner().invoke(
        export_app, ["export", str(out / "x.warc.gz"), "--captured-since", "soon"]
    )
    assert isinstance(bad.exception, InputError)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "chosen", "beside"),
    [
        ("news.warc.gz", "WARC", ["news.warc.gz.cdxj"]),
        ("news.warc", "WARC", ["news.warc.cdxj"]),
        ("news.wacz", "WACZ", []),
    ],
)
def test_the_file_name_chooses_the_format_and_the_files_beside_it(
    tmp_path: Path, name: str, chosen: str, beside: list[str]
) -> None:
    target = tmp_path / name
    found = format_of(target)
    assert found.name == chosen
    assert found.files(target) == [target, *(tmp_path / b for b in beside)]


@pytest.mark.parametrize("name", ["news.zip", "news.warc.gz.cdxj", ".warc", "news"])
def test_a_name_that_asks_for_no_format_is_refused_and_nothing_is_written(
    export_app: typer.Typer, tmp_path: Path, name: str
) -> None:
    result = CliRunner().invoke(export_app, ["export", str(tmp_path / "out" / name)])
    assert isinstance(result.exception, InputError)
    assert "NAME.warc.gz, NAME.warc, NAME.wacz" in str(result.exception)
    assert not (tmp_path / "out").exists()


def test_requisites_are_stored_once_and_exported_as_response_then_revisits(
    sqlite_archive: Archive, tmp_path: Path
) -> None:
    build_archive(sqlite_archive)
    css = b"body { background: #f4efe1 }"
    style = "https://www.vanguardngr.com/wp-content/style.css"
    for hours_later, expect_new in ((0.5, True), (2.5, False)):
        fetch = fetched(style, css, T0 + hours(hours_later))
        assert fetch.capture is not None
        capture = replace(
            fetch.capture, response_headers=(("Content-Type", "text/css"),),
        )  # fmt: skip
        assert sqlite_archive.record_requisite(capture) is expect_new
    assert len(list((tmp_path / "objects" / "requisites").rglob("*.gz"))) == 1

    records = read_records(export_bytes(sqlite_archive, outlet="vanguard"))
    about_style = [r for r in records if r.headers.get("WARC-Target-URI") == style]
    assert [r.kind for r in about_style] == ["request", "response", "request", "revisit"]
    response, revisit = about_style[1], about_style[3]
    assert response.payload == css and response.http.get_header("Content-Type") == "text/css"
    assert revisit.headers["WARC-Refers-To"] == response.headers["WARC-Record-ID"]
    assert revisit.headers["WARC-Payload-Digest"] == sha256_b32(css)
    assert sqlite_archive.verify().ok
