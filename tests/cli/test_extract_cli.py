"""``newsarchive extract``: JSON lines per file, bad files reported and skipped."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import assert_one_line_error

from newsarchive.replay.pages import default_pages_dir

PAGES = default_pages_dir()
TEST_PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
FIELDS = {
    "path",
    "url",
    "title",
    "published",
    "modified",
    "author",
    "language",
    "text",
    "profile",
    "date_source",
}


def test_json_line_per_file_with_the_contract_fields(run_cli) -> None:  # type: ignore[no-untyped-def]
    pages = sorted((PAGES / "kcnawatch").glob("*.html"))
    result = run_cli("extract", "--json", "--profile", "kcnawatch", *map(str, pages))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(p) for p in pages]
    for record, page in zip(records, pages, strict=True):
        expected = json.loads(page.with_name(page.stem + ".expected.json").read_text())
        assert set(record) >= FIELDS
        assert (record["title"], record["published"]) == (expected["title"], expected["published"])
        assert record["date_source"] == "profile:kcna-date-line"
        assert record["text"].splitlines()[0] == expected["body"][0]


def test_bad_files_are_reported_and_the_good_ones_still_extracted(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    pdf = tmp_path / "report.html"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    good = PAGES / "vanguard" / "xi-congratulates-kim-2021.html"
    result = run_cli(
        "extract",
        "--json",
        "--profile",
        "vanguard",
        str(empty),
        str(good),
        str(pdf),
        str(tmp_path / "missing.html"),
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3
    assert errors[0].startswith(f"newsarchive: {empty}: ")
    assert "PDF" in errors[1] and "no such file" in errors[2]
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["path"] == str(good) and record["profile"] == "vanguard"


def test_unknown_profile_is_refused_before_reading(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("extract", "--profile", "nosuch", str(PAGES / "vanguard" / "x.html"))
    assert_one_line_error(result, 2, "unknown profile 'nosuch'")


def test_korean_page_without_http_charset_decodes(run_cli) -> None:  # type: ignore[no-untyped-def]
    page = next((TEST_PAGES / "encodings").glob("korean-cp949*.html"))
    result = run_cli("extract", "--json", str(page))
    assert result.returncode == 0, result.stderr
    expected = json.loads(page.with_name(page.stem + ".expected.json").read_text())
    assert json.loads(result.stdout)["title"] == expected["title"]
