"""The viewer in headless Chromium: an archivist's clicks, screenshots, and a hostile capture.

The archive is the replayed one (day 1, then day 2's update and copy) plus
one page crawled from a loopback site whose script tries to rewrite the
viewer around it, navigate the top window and call home.  The page must
show, sandboxed, and none of that may happen.  Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
import uvicorn
from chromium import chromium, screenshot
from selenium import webdriver
from selenium.webdriver.common.by import By

from newsarchive.archiving.fleet import poll
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.replay.server import LoopbackServer
from newsarchive.replay.site import GONE_OUTLET, UPDATE_SENTENCE, UPDATED_OUTLET
from newsarchive.spiders.outlets import Outlet
from newsarchive.spiders.settings import CrawlOptions
from newsarchive.storage import Archive
from newsarchive.web import create_app

pytestmark = pytest.mark.browser

HOSTILE = """<!doctype html><html><head><title>Council approves budget</title></head><body>
<script>
try {{ parent.document.body.innerHTML = '<h1 id="pwned">PWNED</h1>'; }} catch (e) {{}}
try {{ top.location = '{home}/navigated'; }} catch (e) {{}}
try {{ fetch('{home}/called-home?via=fetch'); }} catch (e) {{}}
try {{ navigator.sendBeacon('{home}/called-home?via=beacon'); }} catch (e) {{}}
document.body.setAttribute('data-script-ran', 'yes');
</script>
<img src="{home}/called-home?via=img" alt="">
<article><h1>Council approves budget</h1>
{paragraphs}
</article></body></html>"""
PARAGRAPH = "<p>The city council approved the annual budget on Tuesday after a long debate.</p>"


@pytest.fixture(scope="module")
def driver() -> Iterator[webdriver.Chrome]:
    with chromium("viewer") as browser:
        yield browser


@pytest.fixture(scope="module")
def hostile_site() -> Iterator[LoopbackServer]:
    """A site whose one article tries everything a script in a capture should never do."""
    with LoopbackServer() as site:
        page = HOSTILE.format(home=site.origin, paragraphs=PARAGRAPH * 12)
        site.page("/robots.txt", "User-agent: *\n", "text/plain")
        item = f"<item><link>{site.url('/news/budget/')}</link></item>"
        site.page(
            "/feed.xml",
            f'<rss version="2.0"><channel>{item}</channel></rss>',
            "application/rss+xml",
        )
        site.page("/news/budget/", page)
        yield site


@pytest.fixture(scope="module")
def viewer(
    replayed_home: Path, hostile_site: LoopbackServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The viewer, on a loopback port, over the replayed archive plus the hostile capture."""
    home = tmp_path_factory.mktemp("viewer") / "archive"
    shutil.copytree(replayed_home, home)
    settings = Settings(home=home)
    outlet = Outlet.model_validate(
        {"name": "hostile", "kind": "feed", "start_urls": [hostile_site.url("/feed.xml")],
         "allowed_domains": ["127.0.0.1"], "download_delay": 0}
    )  # fmt: skip
    dead = outlet.model_copy(update={"name": "dead", "start_urls": (hostile_site.url("/gone"),)})
    with Archive.open(settings.database_url, settings.store_url) as archive:
        asyncio.run(archive_outlets([outlet], archive, CrawlOptions.from_settings(settings)))
        asyncio.run(poll(archive, [dead], CrawlOptions.from_settings(settings), settings))
        server = uvicorn.Server(uvicorn.Config(create_app(archive), port=0, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=30)


def shot(driver: webdriver.Chrome, name: str) -> Path:
    return screenshot(driver, f"viewer-{name}")


def test_from_outlet_to_article_to_version_diff(driver: webdriver.Chrome, viewer: str) -> None:
    driver.get(viewer + "/")
    outlets = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "a.outlet")]
    assert {"joongang", "kcnawatch", "sputnik", "vanguard", "hostile"} <= set(outlets)
    shot(driver, "1-outlets")

    driver.find_element(By.LINK_TEXT, UPDATED_OUTLET).click()
    assert driver.find_element(By.TAG_NAME, "h1").text == UPDATED_OUTLET
    shot(driver, "2-outlet")

    driver.find_element(By.CSS_SELECTOR, "a.article").click()
    versions = driver.find_elements(By.CSS_SELECTOR, "#versions tbody tr")
    assert len(versions) == 2
    shot(driver, "3-article")

    driver.find_element(By.CSS_SELECTOR, "a.diff-link").click()
    inserted = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "#diff ins"))
    assert inserted.split() == UPDATE_SENTENCE.split()
    assert not driver.find_elements(By.CSS_SELECTOR, "#diff del")
    shot(driver, "4-diff")


def test_the_nearest_capture_form_takes_a_time_or_a_wayback_timestamp(
    driver: webdriver.Chrome, viewer: str
) -> None:
    driver.get(f"{viewer}/outlets/{UPDATED_OUTLET}")
    driver.find_element(By.CSS_SELECTOR, "a.article").click()
    article = driver.current_url
    captures = driver.find_elements(By.CSS_SELECTOR, "a.capture")
    stamps = [re.search(r"/capture/(\d{14})/", a.get_attribute("href") or "") for a in captures]
    first, second = (stamp[1] for stamp in stamps if stamp)
    second_time = datetime.strptime(second, "%Y%m%d%H%M%S")
    for typed, expected in [
        (f"{second_time:%Y-%m-%d %H:%M:%S}", second),  # a date and a time, in UTC
        (first, first),  # a 14-digit timestamp copied from a Wayback URL
    ]:
        driver.get(article)
        field = driver.find_element(By.CSS_SELECTOR, "form.pick input[name=at]")
        field.send_keys(typed)
        field.submit()
        assert f"/capture/{expected}/" in driver.current_url, (typed, driver.current_url)
    shot(driver, "5-nearest")


def test_any_url_opens_its_article_from_the_box_on_every_page(
    driver: webdriver.Chrome, viewer: str, replayed_home: Path
) -> None:
    with read_archive(replayed_home) as archive:
        (article,) = archive.list_articles(outlet=UPDATED_OUTLET)
    pasted = article.url.replace("https://", "http://") + "?utm_source=newsletter&utm_medium=x"
    for start in ("/", "/health", f"/outlets/{UPDATED_OUTLET}"):
        driver.get(viewer + start)
        box = driver.find_element(By.CSS_SELECTOR, "form.lookup input[name=url]")
        box.send_keys(pasted)
        box.submit()
        assert "/article?" in driver.current_url, (start, driver.current_url)
        assert article.url in driver.find_element(By.TAG_NAME, "main").text
    driver.get(viewer + "/")
    box = driver.find_element(By.CSS_SELECTOR, "form.lookup input[name=url]")
    box.send_keys("https://nowhere.example/2026/02/never-archived/")
    box.submit()
    assert "not archived: https://nowhere.example/2026/02/never-archived/" in driver.page_source
    shot(driver, "6-not-archived")


def test_search_across_outlets_and_long_lists_come_in_pages(
    driver: webdriver.Chrome, viewer: str, replayed_home: Path
) -> None:
    with read_archive(replayed_home) as archive:
        expected_hits = [hit.url for hit in archive.search("Kim", limit=1000)]
        expected_listing = [a.url for a in archive.list_articles(outlet=GONE_OUTLET)]
    assert len({url.split("/")[2] for url in expected_hits}) > 1  # more than one outlet's
    assert len(expected_listing) > 1

    def every_page(start: str, links: str) -> list[str]:
        driver.get(viewer + start)
        seen: list[str] = []
        while True:
            seen += [
                a.get_attribute("href") or "" for a in driver.find_elements(By.CSS_SELECTOR, links)
            ]
            following = driver.find_elements(By.CSS_SELECTOR, "nav.pager a[rel=next]")
            if not following:
                return [unquote(href.split("url=", 1)[1]) for href in seen]
            following[0].click()

    assert every_page("/search?q=Kim&per_page=2", "#results a.article") == expected_hits
    assert every_page(f"/outlets/{GONE_OUTLET}?per_page=1", "#articles a.article") == (
        expected_listing
    )
    shot(driver, "7-pages")


def test_recent_changes_lead_to_the_diff_with_its_fields(
    driver: webdriver.Chrome, viewer: str
) -> None:
    driver.get(viewer + "/")
    driver.find_element(By.LINK_TEXT, "changes").click()
    driver.find_element(By.LINK_TEXT, "7 days").click()
    kinds = [
        li.get_attribute("class") for li in driver.find_elements(By.CSS_SELECTOR, "#changes li")
    ]
    assert {"updated", "gone"} <= set(kinds)
    shot(driver, "8-changes")
    driver.find_element(By.CSS_SELECTOR, "#changes li.updated a.change").click()
    rows = driver.find_elements(By.CSS_SELECTOR, "#fields tbody tr th")
    assert [row.text for row in rows] == ["title", "author", "published", "modified"]
    inserted = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "#diff ins"))
    assert inserted.split() == UPDATE_SENTENCE.split()


def test_a_hostile_capture_is_shown_but_its_script_never_runs(
    driver: webdriver.Chrome, viewer: str, hostile_site: LoopbackServer
) -> None:
    calls_before = len(hostile_site.requests)
    driver.get(viewer + "/outlets/hostile")
    driver.find_element(By.CSS_SELECTOR, "a.article").click()
    driver.find_element(By.CSS_SELECTOR, "a.capture").click()
    capture_page = driver.current_url
    frame = driver.find_element(By.ID, "capture")
    assert frame.get_attribute("sandbox") == ""
    time.sleep(2)  # time enough for any script, beacon or navigation to happen
    shot(driver, "5-hostile-capture")

    assert driver.current_url == capture_page  # the top window was not navigated
    assert not driver.find_elements(By.ID, "pwned")  # the viewer around it is untouched
    assert driver.find_element(By.ID, "captured-at").text
    driver.switch_to.frame(frame)
    try:
        assert "approved the annual budget" in driver.find_element(By.TAG_NAME, "body").text
        assert driver.find_element(By.TAG_NAME, "body").get_attribute("data-script-ran") is None
    finally:
        driver.switch_to.default_content()
    called = [r.path for r in hostile_site.requests[calls_before:]]
    assert called == [], called  # nothing called home, by script, beacon or image


def test_the_same_page_opened_live_does_run_its_script(
    driver: webdriver.Chrome, hostile_site: LoopbackServer
) -> None:
    """The control: without the viewer's sandbox the script acts, so the checks above can fail."""
    calls_before = len(hostile_site.requests)
    driver.get(hostile_site.url("/news/budget/"))
    deadline = time.monotonic() + 10
    while not any("/called-home" in r.path for r in hostile_site.requests[calls_before:]):
        assert time.monotonic() < deadline, "the live page never called home"
        time.sleep(0.1)
    assert driver.find_elements(By.ID, "pwned") or "navigated" in driver.current_url


def test_the_health_page_shows_the_failing_outlet_first(
    driver: webdriver.Chrome, viewer: str
) -> None:
    driver.get(viewer + "/")
    driver.find_element(By.LINK_TEXT, "health").click()
    rows = driver.find_elements(By.CSS_SELECTOR, "#health tbody tr")
    cells = [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]
    shot(driver, "5-health")
    assert cells[0][:2] == ["dead", "failing"]
    assert "answered HTTP 404" in cells[0][2]
    polled = {row[0]: row[1] for row in cells[1:]}
    assert polled == dict.fromkeys(["joongang", "kcnawatch", "sputnik", "vanguard"], "working")
    color = rows[0].find_element(By.CSS_SELECTOR, "td.status").value_of_css_property("color")
    assert color == "rgba(176, 0, 32, 1)"  # failing stands out


def read_archive(home: Path) -> Archive:
    """The archive the viewer shows, read for what a page must show (the viewer's is a copy)."""
    settings = Settings(home=home)
    return Archive.open(settings.database_url, settings.store_url)
