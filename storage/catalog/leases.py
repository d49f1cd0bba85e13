"""Site leases in the catalog: one holder per site at a time, and no lease outlives its holder.

Every worker shares the catalog, so it is where runs agree on who crawls a
site.  A lease is taken for all of a run's sites at once (or none), renewed
while the run lives, and released when it ends.  A lease whose holder stopped
renewing it expires; one whose holder is a process of this machine that is
gone (a SIGKILL leaves no time to release) is taken over at once.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from newsarchive.storage.catalog.models import SiteLeaseRow
from newsarchive.storage.catalog.statements import insert_ignoring_conflicts


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a lease: this machine, this process, and a token for this holding."""

    host: str
    pid: int
    token: str

    @classmethod
    def this_process(cls) -> Holder:
        return cls(socket.gethostname(), os.getpid(), uuid.uuid4().hex[:12])

    def __str__(self) -> str:
        return f"{self.host}/{self.pid}/{self.token}"

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        host, _, rest = text.partition("/")
        pid, _, token = rest.partition("/")
        return cls(host, int(pid), token) if pid.isdigit() else None

    def is_gone(self) -> bool:
        """Known dead: a process of this machine that no longer exists."""
        if self.host != socket.gethostname():
            return False  # another machine's process: only expiry tells
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False  # alive, someone else's
        return False


@dataclass(frozen=True, slots=True)
class Busy:
    """A lease another live holder has, and until when at the latest."""

    name: str
    holder: str
    expires_at: datetime


def _lapsed(row: SiteLeaseRow, now: datetime) -> bool:
    holder = Holder.parse(row.holder)
    return row.expires_at <= now or (holder is not None and holder.is_gone())


def try_acquire(
    session: Session, names: Sequence[str], holder: Holder, ttl: timedelta
) -> Busy | None:
    """Take every named lease for ``holder``, or none; the first one held by another if not."""
    now = datetime.now(UTC)
    wanted = sorted(set(names))
    rows = [
        {"name": name, "holder": str(holder), "acquired_at": now, "expires_at": now + ttl}
        for name in wanted
    ]
    attempt = session.begin_nested()  # all or none: a busy site undoes the rest
    try:
        insert_ignoring_conflicts(session, SiteLeaseRow, rows, ["name"])
        held = session.scalars(
            select(SiteLeaseRow)
            .where(SiteLeaseRow.name.in_(wanted))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        for row in held:
            if row.holder != str(holder) and not _lapsed(row, now):
                attempt.rollback()
                return Busy(row.name, row.holder, row.expires_at)
        for row in held:
            if row.holder != str(holder):
                row.holder, row.acquired_at = str(holder), now
            row.expires_at = now + ttl
        attempt.commit()
    except BaseException:
        attempt.rollback()
        raise
    return None


def renew(session: Session, names: Sequence[str], holder: Holder, ttl: timedelta) -> int:
    """Push the holder's leases ``ttl`` into the future; how many it still holds."""
    result = session.execute(
        update(SiteLeaseRow)
        .where(SiteLeaseRow.name.in_(list(names)), SiteLeaseRow.holder == str(holder))
        .values(expires_at=datetime.now(UTC) + ttl)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release(session: Session, names: Sequence[str], holder: Holder) -> None:
    session.execute(
        delete(SiteLeaseRow).where(
            SiteLeaseRow.name.in_(list(names)), SiteLeaseRow.holder == str(holder)
        )
    )
