"""The WACZ export judged by ReplayWeb.page in headless Chromium: every capture opens as its page.

ReplayWeb.page (Webrecorder's in-browser replay, from the npm registry) is
embedded the way its documentation shows, pointed at the WACZ of the
replayed archive (day 1, then day 2), and asked for each capture of each
article at its 14-digit timestamp; the page it replays must be the article
(its title and text), never the metadata or text record, or for the page
gone on day 2, the 410's own page.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import cast

import pytest
from chromium import chromium, screenshot
from replaywebpage_tool import FIND_PAGE, embedding_page, replay_site
from selenium import webdriver

from newsarchive.config import Settings
from newsarchive.storage import Archive
from newsarchive.storage.reading.captures import memento_stamp

pytestmark = pytest.mark.browser


def shown(browser: webdriver.Chrome, url: str, stamp: str) -> dict[str, str]:
    """The replayed page ReplayWeb.page shows for ``url`` at ``stamp``.

    Its service worker now and then stalls on a load that a reader would
    reload (seen once in CI); one reload is allowed, never a different page.
    """
    for attempt in range(2):
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            time.sleep(0.5)
            page = browser.execute_script(FIND_PAGE, f"/{stamp}mp_/{url}")
            if page is not None:
                return cast(dict[str, str], page)
        if attempt == 0:
            browser.refresh()
    raise AssertionError(f"ReplayWeb.page never showed {url} at {stamp}, reloaded once")


def test_every_capture_opens_in_replaywebpage(replayed_home: Path, tmp_path: Path) -> None:
    wacz = tmp_path / "news.wacz"
    env = {**os.environ, "NEWSARCHIVE_HOME": str(replayed_home)}
    subprocess.run(
        [sys.executable, "-m", "newsarchive", "export", str(wacz)],
        env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    settings = Settings(home=replayed_home)
    with Archive.open(settings.database_url, settings.store_url) as archive:
        captures = [  # a gone page shows what was served instead of the article
            (
                capture.final_url,
                memento_stamp(capture.fetched_at),
                "This article has been removed" if capture.gone else article.title or "",
            )
            for article in archive.list_articles()
            for capture in archive.captures(article.url)
        ]
    assert any(title.startswith("This article has been removed") for *_, title in captures)
    work = tmp_path / "site"
    work.mkdir()
    for number, (url, stamp, _title) in enumerate(captures):
        (work / f"capture-{number}.html").write_text(embedding_page(wacz.name, url, stamp))
    with replay_site(wacz, work) as base, chromium("replaywebpage") as browser:
        for number, (url, stamp, title) in enumerate(captures):
            browser.get(f"{base}/capture-{number}.html")
            page = shown(browser, url, stamp)
            assert page["title"][:25] == title[:25] or title[:25] in page["text"], (url, stamp)
            assert not page["text"].lstrip().startswith("{"), (url, stamp)  # never the JSON
            if number == 0:
                screenshot(browser, "replaywebpage-wacz")
