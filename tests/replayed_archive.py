"""An archive filled the way users fill theirs: crawls of the replay site, day 1 then day 2."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from newsarchive.archiving.fleet import settle
from newsarchive.archiving.plan import plan_outlets
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.replay import replayed
from newsarchive.spiders.settings import CrawlOptions
from newsarchive.storage import Archive
from newsarchive.storage.reading.captures import memento_stamp


def replay_into(home: Path, day: int) -> None:
    """Crawl the replica of the seed outlets as it stands on ``day`` into the archive."""
    settings = Settings(home=home)
    with (
        Archive.open(settings.database_url, settings.store_url) as archive,
        replayed(plan_outlets(settings), CrawlOptions.from_settings(settings), day=day) as (
            outlets,
            options,
        ),
    ):
        reports = asyncio.run(archive_outlets(outlets, archive, options))
        settle(archive, outlets, reports, settings)  # as the crawl flow keeps each outlet's run


@dataclass(frozen=True)
class ExpectedCapture:
    """What replaying one capture must show, taken from the catalog, never from a replay tool.

    ``own`` are paragraphs of this capture's text that another version of its
    article lacks, ``foreign`` those of the other versions that this capture's
    page does not hold (a paragraph that grew a sentence holds its shorter
    self): the replay of version 1 must show the first and none of the
    second, so a tool replaying the wrong version fails even where the titles
    agree.
    """

    url: str
    stamp: str  # the capture's 14-digit timestamp
    raw: bytes  # the page as served
    kind: str  # response, revisit or gone
    title: str  # this version's own title
    own: frozenset[str]
    foreign: frozenset[str]


def expected_captures(home: Path) -> list[ExpectedCapture]:
    """Every capture of every article in the archive at ``home``, oldest first per article."""
    settings = Settings(home=home)
    found = []
    with Archive.open(settings.database_url, settings.store_url) as archive:
        for article in archive.list_articles():
            shots = [
                archive.capture_snapshot(article.url, capture)
                for capture in archive.captures(article.url)
            ]
            texts = {shot.version: paragraphs(shot.text) for shot in shots}
            for shot in shots:
                capture = shot.capture
                assert capture is not None
                mine = texts[shot.version]
                others = set().union(*(t for v, t in texts.items() if v != shot.version))
                shown = page_text(shot.raw) if not capture.gone else ""
                kind = "gone" if capture.gone else "revisit" if capture.is_revisit else "response"
                found.append(
                    ExpectedCapture(
                        url=capture.final_url,
                        stamp=memento_stamp(capture.fetched_at),
                        raw=shot.raw,
                        kind=kind,
                        title=shot.meta["extraction"]["title"] or "",
                        own=frozenset(p for p in mine - others if p in shown),
                        foreign=frozenset(p for p in others - mine if p not in shown),
                    )
                )
    return found


def paragraphs(text: str) -> set[str]:
    return {" ".join(line.split()) for line in text.splitlines() if line.strip()}


def page_text(raw: bytes) -> str:
    """The words a page shows, spaces folded: what a replay of it must hold."""
    import lxml.html

    return " ".join(lxml.html.fromstring(raw).text_content().split())
