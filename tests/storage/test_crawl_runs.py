"""The history of crawl runs, kept with each run's outlet states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsarchive.records import OutletState, OutletStatus, RunCounts
from newsarchive.storage import Archive, Polled

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def counts(new: int, failed: int = 0) -> RunCounts:
    return RunCounts(
        discovered=9, fetched=8, new=new, updated=1, unchanged=2, duplicate=0, failed=failed
    )


def test_a_settled_run_keeps_its_counts_with_the_outlets_state(
    database_url: str, file_store_url: str
) -> None:
    due = T0 + timedelta(hours=1)
    with Archive.open(database_url, file_store_url) as archive:
        for n, new in enumerate((4, 0, 3)):
            state = OutletState("joongang", next_due=due, status=OutletStatus.STALE, reason="r")
            archive.save_polls(
                [state], Polled(counts={"joongang": counts(new)}), T0 + timedelta(minutes=n)
            )
    with Archive.open(database_url, file_store_url) as archive:
        (summary,) = archive.outlets()
        assert (summary.name, summary.last_run, summary.last_run_new) == (
            "joongang",
            T0 + timedelta(minutes=2),
            3,
        )
        state = archive.outlet_states(["joongang"])["joongang"]
        assert (state.next_due, state.status, state.reason) == (due, OutletStatus.STALE, "r")
