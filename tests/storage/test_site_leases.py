"""Site leases: one holder per site, all or none, and none outliving its holder."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from newsarchive.storage import Archive
from newsarchive.storage.catalog.leases import Holder

TTL = timedelta(seconds=60)


def test_a_held_site_is_busy_for_others_until_released(archive: Archive) -> None:
    first, second = Holder.this_process(), Holder.this_process()
    assert archive.try_lease(["site:a", "site:b"], first, TTL) is None
    busy = archive.try_lease(["site:b", "site:c"], second, TTL)
    assert busy is not None and busy.name == "site:b" and busy.holder == str(first)
    # all or none: the free site:c was not taken by the attempt that failed
    assert archive.try_lease(["site:c"], first, TTL) is None
    archive.release_lease(["site:a", "site:b", "site:c"], first)
    assert archive.try_lease(["site:b", "site:c"], second, TTL) is None


def test_an_expired_lease_is_taken_over(archive: Archive) -> None:
    gone_quiet, next_run = Holder("elsewhere.example", 1, "x"), Holder.this_process()
    assert archive.try_lease(["site:a"], gone_quiet, timedelta(seconds=-1)) is None
    assert archive.try_lease(["site:a"], next_run, TTL) is None


def test_a_lease_of_a_dead_process_on_this_machine_is_taken_over_at_once(
    archive: Archive,
) -> None:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead = Holder(Holder.this_process().host, int(child.stdout), "killed")
    assert archive.try_lease(["site:a"], dead, TTL) is None
    assert archive.try_lease(["site:a"], Holder.this_process(), TTL) is None


def test_a_live_holder_on_another_machine_keeps_its_lease_until_it_expires(
    archive: Archive,
) -> None:
    remote = Holder("worker-7.example", 1, "r")
    assert archive.try_lease(["site:a"], remote, TTL) is None
    assert archive.try_lease(["site:a"], Holder.this_process(), TTL) is not None


def test_renewing_keeps_only_what_the_holder_still_holds(archive: Archive) -> None:
    holder = Holder.this_process()
    assert archive.try_lease(["site:a", "site:b"], holder, TTL) is None
    assert archive.renew_lease(["site:a", "site:b"], holder, TTL) == 2
    archive.release_lease(["site:b"], holder)
    assert archive.renew_lease(["site:a", "site:b"], holder, TTL) == 1
    assert Holder.parse(str(holder)) == holder
