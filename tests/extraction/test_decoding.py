"""decode_html: which declaration wins, and what is refused as no HTML at all."""

from __future__ import annotations

import pytest

from newsarchive.errors import InputError
from newsarchive.extraction import decode_html

KOREAN = "<html><body><p>시진핑 주석이 김정은 총비서에게 축전을 보냈다. 똠방각하</p></body></html>"
ACCENTED = "<html><body><p>Zürich \u2013 “café” naïve €5</p></body></html>"


def test_header_charset_beats_meta() -> None:
    body = ('<meta charset="iso-8859-1">' + ACCENTED).encode("utf-8")
    text, encoding = decode_html(body, "text/html; charset=UTF-8")
    assert (encoding, "Zürich \u2013 “café” naïve €5" in text) == ("utf-8", True)


def test_meta_charset_used_without_header() -> None:
    body = ('<meta charset="windows-1252">' + ACCENTED).encode("cp1252")
    text, encoding = decode_html(body)
    assert encoding == "cp1252"
    assert "“café”" in text


def test_iso_8859_1_label_reads_as_windows_1252() -> None:
    """Browsers read latin-1 labelled pages as cp1252: 0x93/0x94 are curly quotes, not controls."""
    body = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">' + ACCENTED
    text, _ = decode_html(body.encode("cp1252"))
    assert "“café”" in text


def test_bom_beats_a_wrong_header() -> None:
    text, encoding = decode_html(
        b"\xef\xbb\xbf" + ACCENTED.encode("utf-8"), "text/html; charset=iso-8859-1"
    )
    assert encoding == "utf-8"
    assert text.startswith("<html>")  # the BOM itself is not text
    assert "Zürich" in text


def test_utf16_with_bom() -> None:
    text, encoding = decode_html(ACCENTED.encode("utf-16"))
    assert encoding.startswith("utf-16")
    assert "naïve" in text


def test_euc_kr_label_decodes_cp949_only_syllables() -> None:
    """똠 is not in EUC-KR proper but is in CP949, which Korean pages labelled EUC-KR use."""
    body = ('<meta charset="euc-kr">' + KOREAN).encode("cp949")
    text, encoding = decode_html(body)
    assert encoding == "cp949"
    assert "똠방각하" in text


def test_undeclared_korean_is_detected() -> None:
    paragraph = (
        "<p>시진핑 중국 국가주석이 김정은 북한 국무위원장의 "
        "노동당 총비서 재선을 축하하는 축전을 보냈다.</p>"
    )
    body = (
        "<html><head><title>축전</title></head><body>" + paragraph * 3 + "</body></html>"
    ).encode("cp949")
    text, encoding = decode_html(body, "text/html")
    assert encoding == "cp949"
    assert "국가주석" in text


def test_undeclared_utf8_is_detected() -> None:
    text, encoding = decode_html(ACCENTED.encode("utf-8"))
    assert (encoding, "Zürich" in text) == ("utf-8", True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty document"),
        (b"   \n\t ", "empty document"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>", "looks like PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "looks like PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "looks like JPEG image"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "looks like ZIP archive"),
        (bytes(range(256)) * 16, "looks like binary data"),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
            b"<item><title>A</title><description>&lt;p&gt;Body&lt;/p&gt;</description></item>",
            "looks like RSS feed",
        ),
        (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
            b'schemas/sitemap/0.9"><url><loc>https://example.org/a</loc></url></urlset>',
            "looks like sitemap",
        ),
        (b"Plain text notes.\nNo markup here at all, just a few lines\nof prose.\n", "plain text"),
    ],
    ids=[
        "empty",
        "whitespace",
        "pdf",
        "png",
        "jpeg",
        "zip",
        "binary",
        "rss",
        "sitemap",
        "plain-text",
    ],
)
def test_refuses_what_is_no_html(body: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        decode_html(body)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "declared",
    [
        ("text/html; charset=utf-8", ""),
        (None, '<meta charset="utf-8">'),
    ],
    ids=["header", "meta"],
)
def test_a_charset_the_bytes_do_not_decode_in_falls_back_to_detection(
    declared: tuple[str | None, str],
) -> None:
    """Served as UTF-8, written in EUC-KR: the article is read in Korean, not as binary."""
    content_type, meta = declared
    paragraph = "<p>시진핑 중국 국가주석이 김정은 총비서의 재선을 축하하는 축전을 보냈다.</p>"
    page = f"<html><head>{meta}<title>축전</title></head><body>{paragraph * 4}</body></html>"
    text, encoding = decode_html(page.encode("euc-kr"), content_type)
    assert encoding == "cp949"
    assert "국가주석" in text and "\ufffd" not in text


@pytest.mark.parametrize("stray", [1, 5])
def test_a_few_bad_bytes_in_a_declared_charset_keep_the_declaration(stray: int) -> None:
    """Stray bytes in a UTF-8 page are a damaged page, not a different charset."""
    body = (ACCENTED * 10).encode("utf-8").replace(b"</p>", b"\xff</p>", stray)
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert encoding == "utf-8"
    assert text.count("Zürich \u2013 “café” naïve €5\ufffd") == stray
