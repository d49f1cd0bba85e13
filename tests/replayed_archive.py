"""An archive filled the way users fill theirs: crawls of the replay site, day 1 then day 2."""

from __future__ import annotations

import asyncio
from pathlib import Path

from newsarchive.archiving.fleet import settle
from newsarchive.archiving.plan import plan_outlets
from newsarchive.archiving.run import archive_outlets
from newsarchive.config import Settings
from newsarchive.replay import replayed
from newsarchive.spiders.settings import CrawlOptions
from newsarchive.storage import Archive


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
