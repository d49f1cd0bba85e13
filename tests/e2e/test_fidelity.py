"""Page fidelity: with ``requisites = true`` the replay looks like the page.

The seed outlets are replayed on day 1 and day 2 with requisites switched
on.  Every stylesheet and image the fixture pages reference on the outlets'
hosts is fetched once a run and stored once by digest; the export carries
them (responses, then revisits), and pywb 2.10 replays an article in
headless Chromium with its stylesheet applied, where the same article
exported without requisites stays unstyled.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
from chromium import chromium, screenshot
from pywb_tool import add_to_collection, export, pywb_bin, wayback
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait
from warcio.archiveiterator import ArchiveIterator

from newsarchive.archiving.plan import plan_outlets
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.replay import DAYS, replayed
from newsarchive.replay.requisites import referenced
from newsarchive.replay.site import ReplaySite
from newsarchive.spiders.settings import CrawlOptions
from newsarchive.spiders.urls import on_site
from newsarchive.storage import Archive
from newsarchive.storage.reading.captures import memento_stamp

STYLED = "rgba(244, 239, 225, 1)"  # the replica stylesheet's paper colour


@pytest.fixture(scope="module")
def fidelity_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("fidelity") / "archive"
    settings = Settings(home=home)
    outlets = [o.model_copy(update={"requisites": True}) for o in plan_outlets(settings)]
    for day in (1, 2):
        with (
            Archive.open(settings.database_url, settings.store_url) as archive,
            replayed(outlets, CrawlOptions.from_settings(settings), day=day) as (live, options),
        ):
            asyncio.run(archive_outlets(live, archive, options))
    return home


def expected_requisites(home: Path) -> set[str]:
    """What the replica's pages on either day reference on their outlets' hosts.

    Day 2 adds a page (the republished copy) whose image sits in that day's
    upload folder, so the pages of both days count, not only the fixtures.
    """
    outlets = plan_outlets(Settings(home=home))
    domains = {o.name: o.allowed_domains for o in outlets}
    expected: set[str] = set()
    for day in DAYS:
        with ReplaySite(outlets, day=day) as site:
            expected |= {
                url
                for name, pages in site.pages.items()
                for page in pages
                for url in referenced(page.body, page.live_url)
                if on_site(url, domains[name])
            }
    return expected


def test_requisites_are_fetched_once_a_run_and_stored_once(fidelity_home: Path) -> None:
    settings = Settings(home=fidelity_home)
    with Archive.open(settings.database_url, settings.store_url) as archive:
        fetched = archive.requisites()
    urls = Counter(r.url for r in fetched)
    assert set(urls) == expected_requisites(fidelity_home)
    # Both KCNA Watch articles use one stylesheet: one fetch on day 1, none on day 2,
    # when both pages answered 304 (an unchanged page brings no requisite fetches).
    (shared,) = [u for u in urls if u.endswith("main.min.css?ver=3.2.7")]
    assert urls[shared] == 1
    # Day 2 brought new pages to Vanguard (the republished copy) and Sputnik (the
    # update): their requisites were fetched again, the same bytes, so revisits.
    again = {u for u, n in urls.items() if n == 2}
    assert again and max(urls.values()) == 2
    assert {r.url for r in fetched if r.is_revisit} == again
    digests = {r.raw_sha256 for r in fetched}
    stored = list((fidelity_home / "objects" / "requisites").rglob("*.gz"))
    assert len(stored) == len(digests) < len(fetched)  # one object per digest
    with Archive.open(settings.database_url, settings.store_url) as archive:
        report = archive.verify()
        assert report.ok
        intact = stored[0].read_bytes()
        stored[0].write_bytes(b"tampered")
        try:
            damaged = [key.rsplit("/", 1)[1] for key in archive.verify().corrupted]
        finally:
            stored[0].write_bytes(intact)
        assert damaged == [stored[0].name]  # verify re-reads requisites too


def test_the_export_replays_in_pywb_looking_like_the_page(
    fidelity_home: Path, replayed_home: Path, tmp_path: Path
) -> None:
    styled, plain = tmp_path / "styled.warc.gz", tmp_path / "plain.warc.gz"
    summary = export(fidelity_home, styled)
    assert " 0 requisite fetches" not in summary
    export(replayed_home, plain)
    with styled.open("rb") as stream:
        kinds = Counter(
            (
                r.rec_type,
                (r.http_headers.get_header("Content-Type") or "") if r.http_headers else "",
            )
            for r in ArchiveIterator(stream)
        )
    assert kinds[("response", "text/css; charset=utf-8")] >= 1
    assert kinds[("response", "image/png")] >= 1

    bin_dir = pywb_bin()
    root = tmp_path / "pywb"
    root.mkdir()
    add_to_collection(bin_dir, root, "styled", styled)
    add_to_collection(bin_dir, root, "plain", plain)
    with Archive.open(*_urls(fidelity_home)) as archive:
        (article,) = archive.list_articles(outlet="joongang")
        stamp = memento_stamp(archive.captures(article.url)[0].fetched_at)
    with Archive.open(*_urls(replayed_home)) as archive:
        (plain_article,) = archive.list_articles(outlet="joongang")
        plain_stamp = memento_stamp(archive.captures(plain_article.url)[0].fetched_at)
    with wayback(bin_dir, root) as base, chromium("pywb") as browser:
        replay = replayed_page(browser, f"{base}/styled/{stamp}/{article.url}")
        assert replay["title"].startswith(article.title[:30])
        assert replay["background"] == STYLED  # the archived stylesheet is applied
        assert replay["images"] >= 1  # and archived images load from the archive
        screenshot(browser, "pywb-with-requisites")

        control = replayed_page(browser, f"{base}/plain/{plain_stamp}/{plain_article.url}")
        assert control["title"] == replay["title"] and control["background"] != STYLED
        screenshot(browser, "pywb-without-requisites")


def replayed_page(browser: WebDriver, url: str) -> dict[str, str]:
    """Open ``url`` in pywb's standard framed replay; what the page inside the frame shows."""
    browser.get(url)
    frame = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "replay_iframe"))
    browser.switch_to.frame(frame)
    try:
        WebDriverWait(browser, 30).until(
            lambda b: b.execute_script("return document.readyState") == "complete"
        )
        loaded = "i => i.complete && i.naturalWidth > 0"
        return {
            "title": browser.execute_script("return document.title"),
            "background": browser.find_element(By.TAG_NAME, "body").value_of_css_property(
                "background-color"
            ),
            "images": browser.execute_script(
                f"return Array.from(document.images).filter({loaded}).length"
            ),
        }
    finally:
        browser.switch_to.default_content()


def _urls(home: Path) -> tuple[str, str]:
    settings = Settings(home=home)
    return settings.database_url, settings.store_url
