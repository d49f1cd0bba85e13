"""The viewer's pages over the replayed archive: what an archivist clicks through."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from newsarchive.records import Capture, Extraction, Fetch, FetchOutcome
from newsarchive.replay.site import UPDATE_SENTENCE, UPDATED_OUTLET
from newsarchive.storage import Archive
from newsarchive.storage.reading.captures import memento_stamp
from newsarchive.storage.reading.searchquery import MAX_QUERY_CHARS, MAX_QUERY_WORDS
from newsarchive.web import create_app

SEED_OUTLETS = {"joongang", "kcnawatch", "sputnik", "vanguard"}


def text_of(page: str) -> str:
    """What a reader sees: tags gone, entities decoded, spaces folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_outlets_with_counts_and_last_run(client: TestClient, replayed_archive: Archive) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "script-src" not in page.headers["content-security-policy"]  # no script at all
    assert "default-src 'none'" in page.headers["content-security-policy"]
    shown = text_of(page.text)
    for outlet in replayed_archive.outlets():
        assert outlet.name in SEED_OUTLETS
        assert outlet.last_run is not None
        row = re.search(
            rf"{outlet.name} {outlet.articles} {outlet.duplicates} {outlet.versions} ", shown
        )
        assert row, (outlet, shown)
        assert outlet.last_run.strftime("%Y-%m-%d %H:%M:%S UTC") in shown


def test_an_outlets_articles_filtered_by_date_and_searched(
    client: TestClient, replayed_archive: Archive
) -> None:
    vanguard = list(replayed_archive.list_articles(outlet="vanguard"))
    listing = client.get("/outlets/vanguard").text
    for article in vanguard:
        assert html.escape(article.url, quote=True) in listing or article.url in listing
    assert "copy of" in listing
    # day 2's copy republishes another outlet's 2026 story; the original is of 2021
    original = next(a for a in vanguard if a.duplicate_of is None)
    assert original.published is not None
    day = original.published.date().isoformat()
    window = client.get(f"/outlets/vanguard?since={day}&until={day}").text
    assert len(re.findall('class="article"', window)) == 1
    assert "No articles in this window" in client.get("/outlets/vanguard?until=2000-01-01").text
    # the first-seen window has names of its own: the copy was first archived on day 2
    (copy,) = [a for a in vanguard if a.duplicate_of]
    later = client.get("/outlets/vanguard", params={"archived_since": copy.first_seen.isoformat()})
    assert re.findall('class="article"', later.text) == ['class="article"']
    assert html.escape(copy.url, quote=True) in later.text or copy.url in later.text
    searched = client.get(
        "/outlets/vanguard",
        params={"q": "Kim", "archived_until": original.first_seen.isoformat()},
    ).text
    assert searched.count('class="article"') == 1 and copy.url not in searched

    found = client.get("/outlets/vanguard", params={"q": '"WPK general secretary" -zzzz'}).text
    assert found.count('class="article"') == 1
    assert html.escape(original.url, quote=True) in found or original.url in found
    assert client.get("/outlets/vanguard", params={"q": "Kim", "since": "soon"}).status_code == 400
    assert client.get("/outlets/nosuchoutlet").status_code == 404


def test_a_search_beyond_the_bounds_is_a_400_page_saying_why(
    client: TestClient, replayed_archive: Archive
) -> None:
    original = next(
        a for a in replayed_archive.list_articles(outlet="vanguard") if not a.duplicate_of
    )
    words = re.findall(r"\w+", replayed_archive.snapshot(original.url).text)
    bound = client.get("/outlets/vanguard", params={"q": " ".join(words[:MAX_QUERY_WORDS])})
    assert bound.status_code == 200  # the bound itself is searched, and found
    assert bound.text.count('class="article"') == 1
    assert html.escape(original.url, quote=True) in bound.text
    for query, message in [
        (" ".join(words[: MAX_QUERY_WORDS + 1]), f"at most {MAX_QUERY_WORDS} are searched"),
        (" ".join((words * 100)[:2000]), f"at most {MAX_QUERY_CHARS} are searched"),
    ]:
        refused = client.get("/outlets/vanguard", params={"q": query})
        assert refused.status_code == 400
        assert message in text_of(refused.text)


def test_article_page_shows_versions_provenance_and_copies(
    client: TestClient, replayed_archive: Archive
) -> None:
    kcna = next(a for a in replayed_archive.list_articles(outlet="kcnawatch") if "greets" in a.url)
    page = client.get("/article", params={"url": kcna.url}).text
    chosen = re.search(r'<tr class="chosen"><td>([^<]+)</td><td>([^<]+)</td><td>chosen</td>', page)
    assert chosen and chosen.groups() == ("2021-07-11", "profile:kcna-date-line")
    assert "htmldate" in page  # the candidate not chosen is shown too
    assert "Voice of Korea (EN)" in text_of(page)  # the wire copy's original source

    # day 2: vanguard republished another outlet's article; each page names the other
    copy = next(a for a in replayed_archive.list_articles(outlet="vanguard") if a.duplicate_of)
    assert copy.duplicate_of is not None
    assert copy.url in client.get("/article", params={"url": copy.duplicate_of}).text
    copy_page = client.get("/article", params={"url": copy.url}).text
    assert 'id="duplicate-of"' in copy_page and copy.duplicate_of in copy_page
    assert client.get("/article", params={"url": "https://nowhere.example/x"}).status_code == 404


def test_word_diff_between_versions(client: TestClient, replayed_archive: Archive) -> None:
    (updated,) = replayed_archive.list_articles(outlet=UPDATED_OUTLET)
    article = client.get("/article", params={"url": updated.url}).text
    assert "diff v1 → v2" in article
    page = client.get("/diff", params={"url": updated.url, "a": 1, "b": 2})
    assert page.status_code == 200
    inserted = " ".join(re.findall(r"<ins>(.*?)</ins>", page.text, re.S))
    assert html.unescape(inserted).split() == UPDATE_SENTENCE.split()
    assert "<del>" not in page.text
    assert f"0 words removed, {len(UPDATE_SENTENCE.split())} added" in page.text
    backwards = client.get("/diff", params={"url": updated.url, "a": 2, "b": 1}).text
    assert "<ins>" not in backwards and "<del>" in backwards
    assert client.get("/diff", params={"url": updated.url, "a": 1, "b": 9}).status_code == 404


def test_capture_page_frames_the_capture_sandboxed(
    client: TestClient, replayed_archive: Archive
) -> None:
    article = next(iter(replayed_archive.list_articles()))
    (first, *_rest) = replayed_archive.captures(article.url)
    stamp = memento_stamp(first.fetched_at)
    page = client.get(f"/capture/{stamp}/{article.url}")
    assert page.status_code == 200
    frame = re.search(r"<iframe[^>]*>", page.text)
    assert frame and 'sandbox=""' in frame.group(0)
    assert f'src="/memento/{stamp}/' in frame.group(0)
    assert "frame-src 'self'" in page.headers["content-security-policy"]
    nearest = client.get("/nearest", params={"url": article.url, "at": "1999-01-01"})
    assert nearest.status_code == 302 and nearest.headers["location"].startswith(
        f"/capture/{stamp}/"
    )


HOSTILE = '<script>parent.document.title="pwned"</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile_client(tmp_path: Path) -> TestClient:
    """An archive whose one article carries markup in its title, text and URL."""
    url = 'https://evil.example/story?q="><script>alert(2)</script>'
    body = f"<html><head><title>{HOSTILE}</title></head><body><p>{HOSTILE}</p></body></html>"
    at = datetime(2026, 2, 23, 9, 30, tzinfo=UTC)
    capture = Capture(
        outlet="evil", url=url, requested_url=url, final_url=url, status=200, fetched_at=at,
        request_headers=(), response_headers=(("Content-Type", "text/html"),), body=body.encode(),
    )  # fmt: skip
    archive = Archive.open(f"sqlite:///{tmp_path / 'c.db'}", f"file://{tmp_path / 'objects'}")
    record = archive.record_fetch(
        Fetch("evil", url, FetchOutcome.FETCHED, at, 200, capture=capture)
    )
    extraction = Extraction(
        url=url, profile="generic", title=HOSTILE, text=f"{HOSTILE}\nSecond line."
    )
    archive.file_extraction(record, extraction)
    return TestClient(create_app(archive), base_url="http://localhost")


def test_every_page_escapes_what_it_prints(hostile_client: TestClient) -> None:
    (article,) = hostile_client.app.state.archive.list_articles()  # type: ignore[attr-defined]
    pages = [
        hostile_client.get("/outlets/evil"),
        hostile_client.get("/outlets/evil", params={"q": "script OR alert"}),
        hostile_client.get("/article", params={"url": article.url}),
        hostile_client.get("/outlets/evil", params={"q": HOSTILE}),
        hostile_client.get("/article", params={"url": f"https://nowhere.example/{HOSTILE}"}),
    ]
    for page in pages:
        assert "<script" not in page.text.lower() and "<img" not in page.text.lower()
    assert "&lt;script&gt;" in pages[2].text


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", "/no/such/page", 404, "no such page in this viewer"),
        ("GET", "/nearest", 400, "url: field required"),
        ("GET", "/nearest?url=https://example.org/a", 400, "at: field required"),
        (
            "GET",
            "/diff?url=https://example.org/a&a=first&b=2",
            400,
            "a: input should be a valid integer",
        ),
        ("POST", "/", 405, "Method Not Allowed"),
    ],
)
def test_every_error_is_a_page_of_the_viewer_never_json(
    client: TestClient, method: str, path: str, status: int, message: str
) -> None:
    answer = client.request(method, path)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-security-policy"]  # the viewer's own page, headers and all
    assert message in text_of(answer.text)
    assert "{" not in text_of(answer.text)  # no FastAPI JSON detail


def test_a_date_without_a_time_is_shown_as_the_day_alone(
    client: TestClient, replayed_archive: Archive
) -> None:
    """The source's own precision: a date-only value is no claim of midnight UTC."""
    shown = 0
    for article in replayed_archive.list_articles():
        given = replayed_archive.snapshot(article.url).meta["extraction"]["published"]
        page = text_of(client.get(f"/outlets/{article.outlet}").text)
        if len(given) == 10:  # the page said only the day
            assert given in page and f"{given} 00:00:00" not in page, article.url
        else:
            assert article.published is not None
            assert f"{article.published:%Y-%m-%d %H:%M:%S} UTC" in page, article.url
        shown += 1
    assert shown >= 5


def test_an_articles_captures_download_as_a_valid_wacz_and_warc(
    client: TestClient, replayed_archive: Archive, tmp_path: Path
) -> None:
    import subprocess
    import sys
    import zipfile

    from warcio.archiveiterator import ArchiveIterator

    (article,) = replayed_archive.list_articles(outlet=UPDATED_OUTLET)
    served = {c.final_url for c in replayed_archive.captures(article.url)}
    page = client.get("/article", params={"url": article.url}).text
    links = dict(re.findall(r'id="download-(wacz|warc)" href="([^"]+)"', page))
    wacz = client.get(html.unescape(links["wacz"]))
    assert wacz.status_code == 200
    assert wacz.headers["content-disposition"].startswith("attachment; filename=")
    package = tmp_path / "article.wacz"
    package.write_bytes(wacz.content)
    checked = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(package)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout
    with zipfile.ZipFile(package) as opened:
        pages = [json.loads(line) for line in opened.read("pages/pages.jsonl").splitlines()[1:]]
    assert pages and {entry["url"] for entry in pages} <= served  # this article, no other

    warc = client.get(html.unescape(links["warc"]))
    assert warc.status_code == 200
    (tmp_path / "article.warc.gz").write_bytes(warc.content)
    with (tmp_path / "article.warc.gz").open("rb") as stream:
        responses = {
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(stream)
            if r.rec_type == "response"
            and not r.rec_headers.get_header("WARC-Target-URI").endswith(".css")
        }
    assert served <= responses


def test_a_capture_page_shows_its_http_exchange_and_offers_its_bytes(
    client: TestClient, replayed_archive: Archive
) -> None:
    (article,) = replayed_archive.list_articles(outlet=UPDATED_OUTLET)
    first = replayed_archive.captures(article.url)[0]
    page = client.get(f"/capture/{memento_stamp(first.fetched_at)}/{article.url}").text
    shown = text_of(page)
    for name, value in first.response_headers:
        assert f"{name} {' '.join(value.split())}" in shown, name
    link = re.search(r'id="download-bytes" href="([^"]+)"', page)
    assert link is not None
    download = client.get(html.unescape(link[1]))
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.content == replayed_archive.capture_snapshot(article.url, first).raw


def test_a_downloaded_package_says_who_crawled_it(
    replayed_archive: Archive, tmp_path: Path
) -> None:
    from warcio.archiveiterator import ArchiveIterator

    operator = "Example Library <archive@example.org>"
    app = create_app(replayed_archive, provenance=(("operator", operator),))
    (article,) = replayed_archive.list_articles(outlet=UPDATED_OUTLET)
    with TestClient(app, base_url="http://localhost") as viewer:
        answer = viewer.get("/download/article", params={"url": article.url, "format": "warc.gz"})
    (tmp_path / "a.warc.gz").write_bytes(answer.content)
    with (tmp_path / "a.warc.gz").open("rb") as stream:
        info = next(r for r in ArchiveIterator(stream) if r.rec_type == "warcinfo")
        assert f"operator: {operator}" in info.content_stream().read().decode()


def test_recent_changes_list_the_updated_and_the_gone_as_a_page_and_a_feed(
    client: TestClient, replayed_archive: Archive
) -> None:
    from xml.etree import ElementTree

    updated, gone = set(), set()  # what the catalog says, article by article
    for article in replayed_archive.list_articles():
        if len(replayed_archive.history(article.url)) > 1:
            updated.add(article.url)
        if replayed_archive.captures(article.url)[-1].gone:
            gone.add(article.url)
    assert updated and gone

    page = client.get("/changes", params={"days": 7}).text
    targets = [html.unescape(href) for href in re.findall(r'class="change" href="([^"]+)"', page)]
    assert len(targets) == len(updated | gone)
    for href in targets:
        assert client.get(href).status_code == 200, href  # each diff or capture page opens
    assert {t for t in targets if t.startswith("/diff?")} == {
        f"/diff?url={quote(url, safe='')}&a={len(replayed_archive.history(url)) - 1}"
        f"&b={len(replayed_archive.history(url))}"
        for url in updated
    }
    assert "gone, HTTP 410" in text_of(page)

    feed = client.get("/changes.atom", params={"days": 7})
    assert feed.headers["content-type"].startswith("application/atom+xml")
    atom = "{http://www.w3.org/2005/Atom}"
    root = ElementTree.fromstring(feed.content)
    assert root.tag == f"{atom}feed" and root.find(f"{atom}updated") is not None
    entries = root.findall(f"{atom}entry")
    ids = [entry.findtext(f"{atom}id") for entry in entries]
    assert len(ids) == len(set(ids)) == len(updated | gone)
    links = {entry.find(f"{atom}link").get("href") for entry in entries}  # type: ignore[union-attr]
    assert links == {f"http://localhost{t}" for t in targets}
    assert client.get("/changes", params={"days": 0}).status_code == 400

    import feedparser  # what feed readers parse feeds with

    read = feedparser.parse(feed.content)
    assert not read.bozo, read.get("bozo_exception")  # well-formed, valid as Atom 1.0
    assert read.version == "atom10"
    assert {entry.link for entry in read.entries} == links
    assert all(entry.updated_parsed for entry in read.entries)


def test_a_diff_shows_the_title_byline_and_dates_of_both_versions(
    client: TestClient, replayed_archive: Archive
) -> None:
    (article,) = replayed_archive.list_articles(outlet=UPDATED_OUTLET)
    first, second = replayed_archive.history(article.url)
    page = client.get("/diff", params={"url": article.url, "a": 1, "b": 2}).text
    table = text_of(page.split('id="fields"', 1)[1].split("</table>", 1)[0])
    for version in (first, second):
        meta = replayed_archive.snapshot(article.url, at=version.fetched_at).meta["extraction"]
        for field in ("title", "author", "published"):
            assert str(meta[field] or "—") in table, field


def test_the_json_api_pages_through_articles_captures_versions_and_search(
    client: TestClient, replayed_archive: Archive
) -> None:
    def every_item(path: str, **params: object) -> list[dict]:
        items: list[dict] = []
        answer = client.get(path, params={**params, "per_page": 2}).json()
        while True:
            assert len(answer["items"]) <= 2 and answer["per_page"] == 2
            items += answer["items"]
            if answer["next"] is None:
                return items
            answer = client.get(answer["next"]).json()

    listed = list(replayed_archive.list_articles())
    articles = every_item("/api/articles")
    assert [a["url"] for a in articles] == [a.url for a in listed]
    assert {"url", "outlet", "title", "published", "first_seen", "versions"} <= set(articles[0])
    one = every_item("/api/articles", outlet=UPDATED_OUTLET)
    assert [a["outlet"] for a in one] == [UPDATED_OUTLET]

    url = one[0]["url"]
    captures = every_item("/api/captures", url=url)
    assert [c["fetched_at"] for c in captures] == [
        c.fetched_at.isoformat() for c in replayed_archive.captures(url)
    ]
    assert all(isinstance(c["response_headers"], list) for c in captures)
    versions = every_item("/api/versions", url=url)
    assert [v["version"] for v in versions] == [1, 2]
    hits = every_item("/api/search", q="Kim")
    assert [h["url"] for h in hits] == [h.url for h in replayed_archive.search("Kim", limit=1000)]

    missing = client.get("/api/captures", params={"url": "https://nowhere.example/x"})
    assert missing.status_code == 404 and "nowhere.example" in missing.json()["error"]
    bad = client.get("/api/articles", params={"since": "last week"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("since:")
    assert client.get("/api/articles", params={"per_page": 501}).status_code == 400
