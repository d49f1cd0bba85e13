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
from replayed_archive import expected_captures
from replaywebpage_tool import FIND_PAGE, embedding_page, replay_site
from selenium import webdriver

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
    captures = expected_captures(replayed_home)
    assert any(c.own for c in captures), "no capture's version differs from another's"
    work = tmp_path / "site"
    work.mkdir()
    for number, c in enumerate(captures):
        (work / f"capture-{number}.html").write_text(embedding_page(wacz.name, c.url, c.stamp))
    with replay_site(wacz, work) as base, chromium("replaywebpage") as browser:
        for number, c in enumerate(captures):
            browser.get(f"{base}/capture-{number}.html")
            page = shown(browser, c.url, c.stamp)
            text = " ".join(page["text"].split())
            assert not text.startswith("{"), (c.url, c.stamp)  # never the JSON
            if c.kind == "gone":  # what was served instead of the article
                assert "This article has been removed" in page["title"] + text, c.stamp
            else:  # this capture's own version, told apart from the article's others
                assert page["title"][:25] == c.title[:25] or c.title[:25] in text, c.stamp
                assert all(paragraph in text for paragraph in c.own), (c.url, c.stamp)
                assert not any(paragraph in text for paragraph in c.foreign), (c.url, c.stamp)
            if number == 0:
                screenshot(browser, "replaywebpage-wacz")
