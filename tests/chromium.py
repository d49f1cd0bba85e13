"""Headless Debian Chromium driven by Selenium through Debian's chromedriver.

Missing tools fail the test that needs them (never a skip): ``scripts/test``
installs both (``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,1000",
)  # fmt: skip


@contextmanager
def chromium(profile_name: str) -> Iterator[webdriver.Chrome]:
    """A fresh browser with a profile of its own under ``test-artifacts/``, quit afterwards."""
    for tool in (CHROMIUM, CHROMEDRIVER):
        assert tool.exists(), f"{tool} is missing: apt-get install chromium chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    profile = ARTIFACTS / f"profile-{profile_name}"
    shutil.rmtree(profile, ignore_errors=True)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    """Save what the browser shows as ``test-artifacts/NAME.png``, checked to be a PNG."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    assert driver.save_screenshot(str(target))
    assert target.read_bytes()[:8] == PNG_SIGNATURE, f"{target} is not a PNG"
    return target


def rendered(driver: webdriver.Chrome, url: str, *texts: str, timeout: float = 60.0) -> str:
    """Open ``url`` and return its DOM once every one of ``texts`` is in it.

    Single-page apps such as Prefect's UI fill the page from API calls after
    it loads; a one-shot ``--dump-dom`` raced them on a busy CI machine and
    caught an empty shell. Waiting for what the test is about, with a
    deadline, keeps the check strict without the race.
    """
    driver.get(url)
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.25).until(
            lambda d: all(text in d.page_source for text in texts)
        )
    except TimeoutException:
        missing = [text for text in texts if text not in driver.page_source]
        pytest.fail(f"{url} did not show {missing} within {timeout:.0f} s")
    return str(driver.page_source)
