"""The digest run ledger: exactly one post per (digest, period), across restarts, replicas and double fires.

A run is *claimed* with `INSERT ... ON CONFLICT DO NOTHING` on the unique (digest, period_key): of two
replicas racing, one gets the row. The claim holds a lease; the holder renews it while it posts and
writes each destination's progress (message ts, thread parts) right after Slack accepts it. If the
holder dies, its lease runs out and the next claim takes the run over (one conditional UPDATE, so of
two workers only one can) and resumes: destinations already posted are skipped. A failed run may be
retried after `retry_delay`, up to `max_attempts`, unless the failure was permanent.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kpi_core.storage.db import Database
from kpi_core.storage.digest_models import DigestPost, DigestRun
from scheduling.runs import (
    ACTIVE,
    Claim,
    ClaimLostError,
    PostProgress,
    RunRecord,
    RunStatus,
    record_of,
    utc,
)

__all__ = ["Claim", "ClaimLostError", "DigestLedger", "PostProgress", "RunRecord", "RunStatus"]


class DigestLedger:
    """Claims, progress and outcomes of digest runs in the database (SQLite or PostgreSQL)."""

    def __init__(
        self,
        db: Database,
        *,
        lease: timedelta = timedelta(minutes=10),
        max_attempts: int = 3,
        retry_delay: timedelta = timedelta(minutes=5),
    ) -> None:
        self.db, self.lease, self.max_attempts, self.retry_delay = db, lease, max_attempts, retry_delay

    # -- claiming ---------------------------------------------------------------------------------

    def claim_run(
        self,
        digest: str,
        period_key: str,
        *,
        now: datetime,
        worker: str,
        scheduled_for: datetime | None = None,
        late: bool = False,
        lease: timedelta | None = None,
        force: bool = False,
    ) -> Claim | None:
        """Claim the run of `digest` for `period_key`, or None when it is done or someone else holds it.

        A new run is inserted atomically. An existing one is taken over when its lease ran out (a worker
        died mid-run), when it failed and may be retried, or with `force` (which also forgets what was
        posted, so everything is posted again).
        """
        now = utc(now)
        token = uuid.uuid4().hex
        until = now + (lease or self.lease)
        with self.db.session() as session:
            insert = _insert_for(session)(DigestRun).values(
                digest=digest,
                period_key=period_key,
                status="claimed",
                scheduled_for=utc(scheduled_for or now),
                claimed_by=worker,
                claim_token=token,
                claimed_at=now,
                lease_expires_at=until,
                attempts=1,
                late=late,
                created_at=now,
                updated_at=now,
            )
            inserted = session.execute(
                insert.on_conflict_do_nothing(index_elements=["digest", "period_key"]).returning(DigestRun.id)
            ).scalar_one_or_none()
        if inserted is not None:
            return Claim(inserted, digest, period_key, token, worker, 1, late, resumed=False, started_at=now)
        return self._take_over(
            digest, period_key, now=now, worker=worker, token=token, until=until, late=late, force=force
        )

    def _take_over(
        self,
        digest: str,
        period_key: str,
        *,
        now: datetime,
        worker: str,
        token: str,
        until: datetime,
        late: bool,
        force: bool,
    ) -> Claim | None:
        """One conditional UPDATE: of two workers taking over the same run, exactly one matches."""
        conditions = [DigestRun.digest == digest, DigestRun.period_key == period_key]
        if not force:
            expired = DigestRun.lease_expires_at <= now
            conditions.append(
                or_(
                    and_(DigestRun.status.in_(ACTIVE), expired),
                    and_(DigestRun.status == "failed", expired, DigestRun.attempts < self.max_attempts),
                )
            )
        with self.db.session() as session:
            row = session.execute(
                update(DigestRun)
                .where(*conditions)
                .values(
                    status="claimed",
                    claimed_by=worker,
                    claim_token=token,
                    claimed_at=now,
                    lease_expires_at=until,
                    attempts=DigestRun.attempts + 1,
                    **({"late": True} if late else {}),
                    updated_at=now,
                )
                .returning(DigestRun.id, DigestRun.attempts, DigestRun.late, DigestRun.created_at)
            ).one_or_none()
            if row is None:
                return None
            run_id, attempt, was_late, started = row
            if force:
                session.execute(delete(DigestPost).where(DigestPost.run_id == run_id))
            posts = {post.channel: post for post in self._posts(session, run_id)}
        return Claim(
            run_id, digest, period_key, token, worker, attempt, bool(was_late), True, posts, utc(started)
        )

    # -- progress and outcome (each checks the claim is still ours) --------------------------------

    def heartbeat(self, claim: Claim, *, now: datetime) -> None:
        """Renew the lease; raises ClaimLostError when another worker took the run over."""
        with self.db.session() as session:
            self._renew(session, claim, now=utc(now))

    def record_post(self, claim: Claim, progress: PostProgress, *, now: datetime) -> None:
        """Write one destination's progress (call it right after each successful Slack call)."""
        now = utc(now)
        with self.db.session() as session:
            self._renew(session, claim, now=now, status="posting")
            post = session.execute(
                select(DigestPost).where(
                    DigestPost.run_id == claim.run_id, DigestPost.channel == progress.channel
                )
            ).scalar_one_or_none()
            if post is None:
                post = DigestPost(run_id=claim.run_id, channel=progress.channel)
                session.add(post)
            post.ts = progress.ts or post.ts
            post.channel_id = progress.channel_id or post.channel_id
            post.thread_parts = max(progress.thread_parts, post.thread_parts or 0)
            if progress.charts:
                post.charts = {**(post.charts or {}), **{str(i): f for i, f in progress.charts}}
            post.charts_attached = progress.charts_attached or bool(post.charts_attached)
            post.done = progress.done or bool(post.done)
            post.updated_at = now

    def start_posting(self, claim: Claim, *, now: datetime) -> None:
        with self.db.session() as session:
            self._renew(session, claim, now=utc(now), status="posting")

    def finish(self, claim: Claim, *, now: datetime) -> None:
        """Posted everywhere."""
        self._close(claim, now=utc(now), status="posted", error=None, retry_at=None, posted=True)

    def skip(self, claim: Claim, *, now: datetime, reason: str) -> None:
        """Decided not to post (e.g. no new data): final for this period."""
        self._close(claim, now=utc(now), status="skipped", error=reason, retry_at=None, posted=False)

    def fail(self, claim: Claim, *, now: datetime, error: str, retryable: bool = True) -> None:
        """Failed; a retryable failure may be claimed again after `retry_delay` (up to `max_attempts`)."""
        now = utc(now)
        retry_at = now + self.retry_delay if retryable and claim.attempt < self.max_attempts else None
        self._close(claim, now=now, status="failed", error=error, retry_at=retry_at, posted=False)

    def record_skip(
        self, digest: str, period_key: str, *, now: datetime, scheduled_for: datetime, reason: str
    ) -> bool:
        """Record a run that will not happen (missed beyond the grace); False when the period has a row."""
        now = utc(now)
        with self.db.session() as session:
            insert = _insert_for(session)(DigestRun).values(
                digest=digest,
                period_key=period_key,
                status="skipped",
                scheduled_for=utc(scheduled_for),
                attempts=0,
                late=False,
                error=reason,
                created_at=now,
                updated_at=now,
            )
            inserted = session.execute(
                insert.on_conflict_do_nothing(index_elements=["digest", "period_key"]).returning(DigestRun.id)
            ).scalar_one_or_none()
            return inserted is not None

    def abandon(self, record: RunRecord, *, now: datetime, reason: str) -> bool:
        """Close a stuck run that must not be resumed (beyond the grace) as failed, for good."""
        now = utc(now)
        with self.db.session() as session:
            result: Any = session.execute(
                update(DigestRun)
                .where(DigestRun.id == record.id, DigestRun.attempts == record.attempts)
                .where(DigestRun.status.in_(ACTIVE), DigestRun.lease_expires_at <= now)
                .values(
                    status="failed", error=reason, lease_expires_at=None, claim_token=None, updated_at=now
                )
            )
            return bool(result.rowcount == 1)

    def _renew(self, session: Session, claim: Claim, *, now: datetime, status: str | None = None) -> None:
        values: dict[str, Any] = {"lease_expires_at": now + self.lease, "updated_at": now}
        if status:
            values["status"] = status
        _update_claimed(session, claim, values)

    def _close(
        self,
        claim: Claim,
        *,
        now: datetime,
        status: str,
        error: str | None,
        retry_at: datetime | None,
        posted: bool,
    ) -> None:
        values: dict[str, Any] = {
            "status": status,
            "error": error,
            "lease_expires_at": retry_at,
            "updated_at": now,
        }
        if posted:
            values["posted_at"] = now
        with self.db.session() as session:
            _update_claimed(session, claim, values)

    # -- reading ----------------------------------------------------------------------------------

    def get(self, digest: str, period_key: str) -> RunRecord | None:
        with self.db.session() as session:
            row = session.execute(
                select(DigestRun).where(DigestRun.digest == digest, DigestRun.period_key == period_key)
            ).scalar_one_or_none()
            return None if row is None else record_of(row, self._posts(session, row.id))

    def runs(self, *, digest: str | None = None, limit: int = 20) -> list[RunRecord]:
        """The most recently scheduled runs, newest first."""
        with self.db.session() as session:
            query = (
                select(DigestRun).order_by(DigestRun.scheduled_for.desc(), DigestRun.id.desc()).limit(limit)
            )
            if digest is not None:
                query = query.where(DigestRun.digest == digest)
            rows = session.execute(query).scalars().all()
            return [record_of(row, self._posts(session, row.id)) for row in rows]

    def last_posted_at(self, digest: str, *, excluding: str | None = None) -> datetime | None:
        """When this digest was last posted (any period but `excluding`), for "new data since"."""
        with self.db.session() as session:
            query = select(func.max(DigestRun.posted_at)).where(
                DigestRun.digest == digest, DigestRun.status == "posted"
            )
            if excluding is not None:
                query = query.where(DigestRun.period_key != excluding)
            latest = session.execute(query).scalar_one_or_none()
            return None if latest is None else utc(latest)

    @staticmethod
    def _posts(session: Session, run_id: int) -> tuple[PostProgress, ...]:
        rows = session.execute(select(DigestPost).where(DigestPost.run_id == run_id).order_by(DigestPost.id))
        return tuple(
            PostProgress(
                post.channel,
                post.ts,
                post.thread_parts,
                bool(post.done),
                post.channel_id,
                charts=tuple(sorted((int(i), f) for i, f in (post.charts or {}).items())),
                charts_attached=bool(post.charts_attached),
            )
            for post in rows.scalars()
        )


def _insert_for(session: Session) -> Any:
    """The dialect's INSERT with ON CONFLICT (SQLite and PostgreSQL both have it)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"the digest ledger supports SQLite and PostgreSQL, not {name}")


def _update_claimed(session: Session, claim: Claim, values: dict[str, Any]) -> None:
    """Update the run only while `claim` still holds it; ClaimLostError when another worker took over."""
    result: Any = session.execute(
        update(DigestRun)
        .where(DigestRun.id == claim.run_id, DigestRun.claim_token == claim.token)
        .where(DigestRun.status.in_(ACTIVE))
        .values(**values)
    )
    if result.rowcount != 1:
        raise ClaimLostError(f"digest {claim.digest} {claim.period_key}: the run was taken over or closed")
