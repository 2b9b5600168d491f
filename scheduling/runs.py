"""The plain records of the digest run ledger: claims, per-destination progress, run rows as data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from kpi_core.storage.digest_models import DigestRun

RunStatus = Literal["claimed", "posting", "posted", "skipped", "failed"]
ACTIVE: tuple[str, ...] = ("claimed", "posting")
FINISHED: tuple[str, ...] = ("posted", "skipped")


class ClaimLostError(RuntimeError):
    """Another worker took this run over (our lease had run out): stop without posting more."""


@dataclass(frozen=True)
class PostProgress:
    """How far one destination got: the message ts once posted, the chart files uploaded into its thread
    (section index -> file id) and whether the message shows them, thread parts posted after it, done.

    `attempt` is the run's attempt (not stored: the claim knows it). Past the first, an earlier attempt
    may have been cut off mid-call, so the poster looks in Slack before posting anything again.
    """

    channel: str
    ts: str | None = None
    thread_parts: int = 0
    done: bool = False
    channel_id: str | None = None
    charts: tuple[tuple[int, str], ...] = ()
    charts_attached: bool = False
    attempt: int = 1
    since: datetime | None = None  # when the run's first attempt began (not stored): look back to here


@dataclass(frozen=True)
class Claim:
    """The right to post one run. `posts` is what earlier attempts already posted (resume from there)."""

    run_id: int
    digest: str
    period_key: str
    token: str
    worker: str
    attempt: int
    late: bool
    resumed: bool
    posts: Mapping[str, PostProgress] = field(default_factory=dict)
    started_at: datetime | None = None  # the run's first claim


@dataclass(frozen=True)
class RunRecord:
    """A ledger row as plain data (for `kpibot digest status`, tests and the catch-up logic)."""

    id: int
    digest: str
    period_key: str
    status: RunStatus
    scheduled_for: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    lease_expires_at: datetime | None
    attempts: int
    late: bool
    posted_at: datetime | None
    error: str | None
    posts: tuple[PostProgress, ...]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def stuck(self, now: datetime) -> bool:
        """Claimed or posting, with a lease that ran out: its worker is gone."""
        return self.status in ACTIVE and self.lease_expires_at is not None and self.lease_expires_at <= now


def record_of(row: DigestRun, posts: tuple[PostProgress, ...]) -> RunRecord:
    return RunRecord(
        id=row.id,
        digest=row.digest,
        period_key=row.period_key,
        status=row.status,  # type: ignore[arg-type]
        scheduled_for=utc(row.scheduled_for),
        claimed_by=row.claimed_by,
        claimed_at=maybe_utc(row.claimed_at),
        lease_expires_at=maybe_utc(row.lease_expires_at),
        attempts=row.attempts,
        late=bool(row.late),
        posted_at=maybe_utc(row.posted_at),
        error=row.error,
        posts=posts,
    )


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for DateTime(timezone=True): they were stored as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)
