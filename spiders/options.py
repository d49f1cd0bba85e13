"""What every crawl of a run shares: the options a run hands the crawl room.

Kept apart from the Scrapy settings they become, so that a run can be
planned (and a command can refuse a bad request) without loading Scrapy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsarchive.config import CrawlMode, Settings


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """What every crawl of a run shares; normally built from ``Settings``.

    ``reroute`` maps live hosts to the base URL of a stand-in server that
    answers for them (see :mod:`newsarchive.spiders.connections`); empty on a
    live crawl.  ``polling`` makes each outlet's crawl a poll, as the fleet
    runs them (see :class:`~newsarchive.spiders.base.ArticleSpider`).
    ``deadline`` is the seconds after which the crawl stops sending requests
    (:mod:`newsarchive.spiders.deadline`); 0 for none.
    """

    user_agent: str
    max_response_size: int
    download_timeout: int
    mode: CrawlMode = CrawlMode.INPROCESS
    reroute: dict[str, str] = field(default_factory=dict)
    polling: bool = False
    deadline: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, mode: CrawlMode | None = None) -> CrawlOptions:
        """The options of a run; ``mode`` overrides the configured crawl mode."""
        return cls(
            user_agent=settings.user_agent,
            max_response_size=settings.max_response_size,
            download_timeout=settings.download_timeout,
            mode=mode or settings.crawl_mode,
            deadline=settings.crawl_deadline.total_seconds(),
        )
