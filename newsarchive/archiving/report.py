"""What one run did for one outlet: how every discovered URL ended, and whether the outlet failed.

The ledger (:class:`OutletReport`) is keyed by the URL that was requested,
so that each URL a discovery document listed ends in exactly one column:
archived (new, updated, unchanged, duplicate), skipped on purpose, or
failed.  It keeps the crawl's own numbers as the spiders reported them
(:class:`~newsarchive.spiders.stats.CrawlStats`), never copies of them.  A
retried task adds its attempts to the same ledger, where the first ending
of a URL stands unless it was a failure a later attempt repaired, so the
summary says what the run did rather than what its last attempt did.

When the run is over, the ledger is summed up once as an :class:`OutletRun`:
the typed summary a crawl flow returns, the command line prints and the
artifacts show.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from newsarchive.errors import NewsarchiveError
from newsarchive.records import ArchiveOutcome, DocumentCheck, RunCounts
from newsarchive.spiders.stats import KNOWN, CrawlStats

SUMMARY_COLUMNS = RunCounts.columns()
TOP_REASONS = 3


@dataclass(frozen=True, slots=True)
class Ending:
    """How one requested URL ended, under which URL it was archived, and why (if not archived)."""

    outcome: ArchiveOutcome
    url: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class OutletRun:
    """The typed summary of one outlet's run: its counts, whether it failed and why, and the
    pages behind the failed and skipped columns."""

    outlet: str
    counts: RunCounts
    reason: str | None  # why the outlet could not be crawled at all; None when it did its work
    failures: tuple[tuple[str, str], ...]  # (URL, reason) of each URL that went wrong
    skipped: tuple[tuple[str, int], ...]  # (reason, URLs) of the skips, most common first
    documents: tuple[tuple[str, str], ...] = ()  # (URL, reason): discovery documents that
    # failed or listed nothing
    warning: str | None = None  # it did its work, but not all of it: why (see the ledger)

    @property
    def failed(self) -> bool:
        return self.reason is not None

    @property
    def status(self) -> str:
        return "failed" if self.failed else "warning" if self.warning else "completed"

    def row(self) -> dict[str, Any]:
        """The summary row in the column order of the CLI and the Prefect artifact."""
        return {"outlet": self.outlet, **asdict(self.counts)}

    def as_json(self) -> dict[str, Any]:
        """What ``crawl --json`` prints for the outlet: the row, its status, the pages."""
        return {
            **self.row(),
            "status": self.status,
            "reason": self.reason,
            "warning": self.warning,
            "failures": [{"url": url, "reason": reason} for url, reason in self.failures],
            "skipped_reasons": dict(self.skipped),
            "documents": [{"url": url, "reason": reason} for url, reason in self.documents],
        }


@dataclass
class OutletReport:
    """The ledger of one outlet's run: every URL's ending, and the crawl's own numbers."""

    outlet: str
    crawl: CrawlStats | None = None  # None: no crawl ran (``reextract`` files stored pages)
    fetched: int = 0  # pages received whose rows were written
    endings: dict[str, Ending] = field(default_factory=dict)  # requested URL -> ending
    extraction_failures: int = 0
    crawl_error: str | None = None  # the whole crawl broke off: why

    def add(
        self, requested: str, outcome: ArchiveOutcome, reason: str | None = None, *, url: str = ""
    ) -> None:
        """Record how ``requested`` ended; a later ending replaces only a failure."""
        earlier = self.endings.get(requested)
        if earlier is None or earlier.outcome is ArchiveOutcome.FAILED:
            self.endings[requested] = Ending(outcome, url or requested, reason)

    def absorb(self, later: OutletReport) -> None:
        """Add a later attempt of the same run (a task retry) to this report."""
        for requested, ending in later.endings.items():
            self.add(requested, ending.outcome, ending.reason, url=ending.url)
        self.crawl = _both(self.crawl, later.crawl)
        self.fetched += later.fetched
        self.extraction_failures += later.extraction_failures
        self.crawl_error = later.crawl_error

    # -- the columns --------------------------------------------------------------

    def count(self, outcome: ArchiveOutcome) -> int:
        return sum(1 for ending in self.endings.values() if ending.outcome is outcome)

    def counts(self) -> RunCounts:
        unrequested = sum(self.crawl.skipped.values()) if self.crawl else 0
        return RunCounts(
            discovered=self.crawl.discovered if self.crawl else 0,
            fetched=self.fetched,
            new=self.count(ArchiveOutcome.NEW),
            updated=self.count(ArchiveOutcome.UPDATED),
            unchanged=self.count(ArchiveOutcome.UNCHANGED),
            duplicate=self.count(ArchiveOutcome.DUPLICATE),
            skipped=self.count(ArchiveOutcome.SKIPPED) + unrequested,
            failed=self.count(ArchiveOutcome.FAILED),
        )

    def urls(self, outcome: ArchiveOutcome) -> list[str]:
        """The archived URLs that ended so, in the order they ended."""
        return [e.url for e in self.endings.values() if e.outcome is outcome]

    @property
    def failures(self) -> list[tuple[str, str]]:
        """(URL, reason) of every URL that went wrong."""
        return [
            (e.url, e.reason or "failed")
            for e in self.endings.values()
            if e.outcome is ArchiveOutcome.FAILED
        ]

    def skip_reasons(self) -> Counter[str]:
        """Skip reason -> URLs, requested (robots.txt, not HTML ...) or not (over budget ...)."""
        reasons = Counter(
            (e.reason or "skipped").split(":", 1)[0]
            for e in self.endings.values()
            if e.outcome is ArchiveOutcome.SKIPPED
        )
        reasons.update(self.crawl.skipped if self.crawl else {})
        return reasons

    # -- the outlet as a whole ---------------------------------------------------------

    def failure(self) -> str | None:
        """Why the outlet could not be crawled at all; None when the run did its work.

        Pages that fail one by one do not fail the outlet; an outlet fails when
        its crawl broke off, when not one discovery document could be read, or
        when none of the articles it listed could be archived (a poll's known
        articles, not due again, are archived already).
        """
        if self.crawl_error:
            return self.crawl_error
        if self.crawl is None:  # only stored pages were filed: nothing was there to discover
            return None
        if not self.crawl.documents_read:
            found = self.crawl.document_error or "none found"
            return f"no discovery document could be read ({found})"
        counts = self.counts()
        archived = counts.new + counts.updated + counts.unchanged + counts.duplicate
        known = self.crawl.skipped.get(KNOWN, 0)  # archived before, not due again: as planned
        if counts.discovered and not archived and not known:
            why = Counter(reason.split(":", 1)[0] for _, reason in self.failures)
            why.update(self.skip_reasons())
            top = ", ".join(f"{n} {reason}" for reason, n in why.most_common(TOP_REASONS))
            return f"none of the {counts.discovered} discovered articles was archived ({top})"
        return None

    def did_its_work(self) -> bool:
        """Whether the crawl ended having done all it set out to: it did not fail, and the
        deadline cut none of it."""
        cut = self.crawl.cut_by_deadline if self.crawl else 0
        return self.failure() is None and not cut

    def document_problems(self) -> list[tuple[str, str]]:
        """(URL, reason) of each discovery document that failed, or was read and listed nothing."""
        checks = self.crawl.documents if self.crawl else ()
        return [(check.url, _problem(check)) for check in checks if check.failure or check.empty]

    def warning(self) -> str | None:
        """Why an outlet that did its work still needs a look; None when nothing does.

        A crawl the deadline cut leaves its remaining requests for the next
        run.  A discovery document that failed while another could be read, or
        one that listed nothing, leaves articles unfound as surely as a failed
        outlet does, only more quietly; so does an outlet whose documents, read
        afresh, listed no article at all (a feed emptied by a site's redesign).
        """
        if self.crawl is None or self.failure() is not None:
            return None
        if self.crawl.cut_by_deadline:
            return (
                f"cut by the crawl deadline (NEWSARCHIVE_CRAWL_DEADLINE):"
                f" {self.crawl.cut_by_deadline} request(s) left unsent"
            )
        read = [check for check in self.crawl.documents if check.entries is not None]
        if read and not self.crawl.discovered:
            return f"its {len(read)} discovery document(s) read listed no article"
        problems = self.document_problems()
        if problems:
            total = len(self.crawl.documents)
            return f"{len(problems)} of {total} discovery documents failed or listed nothing"
        return None

    def summary(self) -> OutletRun:
        """The run summed up: counts, whether the outlet failed and why, the pages behind."""
        return OutletRun(
            outlet=self.outlet,
            counts=self.counts(),
            reason=self.failure(),
            failures=tuple(self.failures),
            skipped=tuple(self.skip_reasons().most_common()),
            documents=tuple(self.document_problems()),
            warning=self.warning(),
        )

    @property
    def filed(self) -> int:
        """Captures this report counted under an outcome."""
        return len(self.endings)

    @property
    def extraction_failure_rate(self) -> float:
        """Share of fetched pages whose text could not be extracted (a layout-change signal)."""
        return self.extraction_failures / self.fetched if self.fetched else 0.0


def _problem(check: DocumentCheck) -> str:
    if check.failure is None:
        return "listed nothing"
    return check.reason or check.failure.value


def _both(earlier: CrawlStats | None, later: CrawlStats | None) -> CrawlStats | None:
    """Two attempts' crawls of one outlet as one: every document read and robots.txt
    downloaded, the first error."""
    if earlier is None or later is None:
        return later or earlier
    return replace(
        later,
        discovered=max(earlier.discovered, later.discovered),
        skipped=later.skipped or earlier.skipped,
        documents_read=earlier.documents_read + later.documents_read,
        document_error=earlier.document_error or later.document_error,
        robots=(*earlier.robots, *later.robots),
    )


def why(doing: str, error: BaseException) -> str:
    """A one-line reason: the project's own errors say it, others are named by their type."""
    first = str(error).splitlines()[0] if str(error) else ""
    if isinstance(error, NewsarchiveError):
        return f"{doing}: {first}"
    return f"{doing}: {type(error).__name__}: {first}".rstrip(": ")
