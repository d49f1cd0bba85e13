"""What one run did for one outlet: the counts of its summary row and the lists behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newsarchive.records import ArchiveOutcome, RunCounts

SUMMARY_COLUMNS = RunCounts.columns()


@dataclass
class OutletReport:
    """The summary row of one outlet, plus the URLs behind its columns."""

    outlet: str
    discovered: int = 0
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0
    failed: int = 0
    new_urls: list[str] = field(default_factory=list)
    updated_urls: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    extraction_failures: int = 0

    def add(self, url: str, outcome: ArchiveOutcome, reason: str | None = None) -> None:
        """Count one filed capture under its outcome column."""
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)
        if outcome is ArchiveOutcome.NEW:
            self.new_urls.append(url)
        elif outcome is ArchiveOutcome.UPDATED:
            self.updated_urls.append(url)
        elif outcome is ArchiveOutcome.FAILED:
            self.failures.append((url, reason or "failed"))

    def counts(self) -> RunCounts:
        return RunCounts(**{name: getattr(self, name) for name in SUMMARY_COLUMNS})

    def row(self) -> dict[str, int | str]:
        """The summary row in the column order of the CLI and the Prefect artifact."""
        return {"outlet": self.outlet, **{name: getattr(self, name) for name in SUMMARY_COLUMNS}}

    def summary(self) -> dict[str, Any]:
        """The row plus the failures behind it: what ``newsarchive crawl`` prints."""
        failures = [{"url": url, "reason": reason} for url, reason in self.failures]
        return {**self.row(), "failures": failures}

    @property
    def filed(self) -> int:
        """Captures this report counted under an outcome."""
        return self.new + self.updated + self.unchanged + self.duplicate + self.failed

    @property
    def extraction_failure_rate(self) -> float:
        """Share of fetched pages whose text could not be extracted (a layout-change signal)."""
        return self.extraction_failures / self.fetched if self.fetched else 0.0
