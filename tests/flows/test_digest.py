"""The daily digest lists what still needs someone, the most urgent first."""

from __future__ import annotations

from newsarchive.flows.digest import digest_text
from newsarchive.records import OutletState, OutletStatus


def test_the_digest_lists_failing_then_disabled_then_stale() -> None:
    states = [
        OutletState("b", status=OutletStatus.FAILING, reason="HTTP 503"),
        OutletState("a", status=OutletStatus.FAILING, reason="HTTP 404"),
    ]
    assert digest_text(states) == "- b: failing (HTTP 503)\n- a: failing (HTTP 404)"
    many = [OutletState(f"o{n}", status=OutletStatus.STALE, reason="quiet") for n in range(103)]
    assert digest_text(many).splitlines()[-1] == "- … 3 more"
