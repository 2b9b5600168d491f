"""The alert outbox: every notification is a row with an idempotency key, claimed by one sender at a time.

Enqueueing is `INSERT ... ON CONFLICT DO NOTHING` on the key (incident, reason, sequence,
destination), so the same decision taken by two evaluators is stored once. Claiming is one
statement: on PostgreSQL `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`, on
SQLite the same UPDATE, which SQLite runs under its single write lock. A row is not claimed while an
earlier row for the same incident and destination is unfinished, so a resolve never overtakes its post.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from kpi_core.alerts.config import Severity
from kpi_core.alerts.destinations import DIGEST
from kpi_core.storage.alert_models import IncidentEventRow, IncidentMessageRow, OutboxRow
from kpi_core.storage.db import Database

DEFAULT_LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class Notification:
    """A notification to enqueue."""

    incident_id: int
    reason: str
    sequence: int
    destination: str
    route: str
    kind: str
    severity: Severity
    payload: dict[str, Any] = field(default_factory=dict)
    not_before: datetime | None = None
    fallback_for: str | None = None  # the destination that failed, for a fallback copy

    @property
    def key(self) -> str:
        key = f"{self.incident_id}:{self.reason}:{self.sequence}:{self.destination}"
        return f"{key}<{self.fallback_for}" if self.fallback_for else key


@dataclass(frozen=True)
class OutboxItem:
    """A row of the outbox, as a claimed sender sees it."""

    id: int
    key: str
    incident_id: int
    reason: str
    sequence: int
    destination: str
    route: str
    kind: str
    severity: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None


def _item(row: Any) -> OutboxItem:
    return OutboxItem(**{name: getattr(row, name) for name in OutboxItem.__dataclass_fields__})


def insert_notifications(session: Session, notifications: Sequence[Notification], *, now: datetime) -> int:
    """Insert each notification unless its key exists; returns how many were new."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, OutboxRow.__table__)
    added = 0
    for notification in notifications:
        statement = insert(table).values(**outbox_values(notification, now=now))
        inserted = session.execute(
            statement.on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
        ).first()
        added += inserted is not None  # RETURNING gives no row when the key existed
    return added


def outbox_values(notification: Notification, *, now: datetime) -> dict[str, Any]:
    """The columns of a new outbox row for `notification`."""
    return {
        "key": notification.key,
        "incident_id": notification.incident_id,
        "reason": notification.reason,
        "sequence": notification.sequence,
        "destination": notification.destination,
        "route": notification.route,
        "kind": notification.kind,
        "severity": notification.severity,
        "payload": notification.payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": notification.not_before or now,
        "created_at": now,
    }


def next_backoff(
    attempts: int, *, base: timedelta = timedelta(seconds=5), cap: timedelta = timedelta(minutes=15)
) -> timedelta:
    """Exponential backoff for 5xx and timeouts: 5 s, 10 s, 20 s ... capped at 15 minutes."""
    return min(cap, base * (2 ** max(attempts - 1, 0)))


class OutboxOps:
    """Outbox operations of IncidentStore (a mixin: the store's `db` is the database)."""

    db: Database

    def enqueue(self, notifications: Sequence[Notification], *, now: datetime) -> int:
        """Enqueue idempotently; returns how many rows were new."""
        with self.db.session() as session:
            return insert_notifications(session, notifications, now=now)

    def claim_due(
        self,
        *,
        now: datetime,
        worker_id: str,
        limit: int = 20,
        lease: timedelta = DEFAULT_LEASE,
        digest: bool = False,
    ) -> list[OutboxItem]:
        """Atomically claim up to `limit` due rows for `worker_id` (status -> sending, attempts + 1).

        Rows whose claim expired (a sender died) are due again. `digest=True` claims the rows queued
        for the next digest instead of the Slack ones.
        """
        earlier = aliased(OutboxRow)
        blocked = exists().where(
            earlier.incident_id == OutboxRow.incident_id,
            earlier.destination == OutboxRow.destination,
            earlier.id < OutboxRow.id,
            earlier.status.in_(("pending", "sending")),
        )
        due = or_(
            and_(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now),
            and_(OutboxRow.status == "sending", OutboxRow.claimed_until < now),
        )
        kind = OutboxRow.destination == DIGEST if digest else OutboxRow.destination != DIGEST
        candidates = select(OutboxRow.id).where(due, kind, ~blocked).order_by(OutboxRow.id).limit(limit)
        if self.db.dialect == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        statement = (
            update(OutboxRow)
            .where(OutboxRow.id.in_(candidates.scalar_subquery()))
            .values(
                status="sending",
                claimed_by=worker_id,
                claimed_until=now + lease,
                attempts=OutboxRow.attempts + 1,
            )
            .returning(*OutboxRow.__table__.c)
            .execution_options(synchronize_session=False)
        )
        with self.db.session() as session:
            rows = session.execute(statement).all()
        return sorted((_item(row) for row in rows), key=lambda item: item.id)

    def mark_sent(
        self,
        item_id: int,
        *,
        worker_id: str,
        now: datetime,
        channel: str | None = None,
        ts: str | None = None,
    ) -> bool:
        """Record a delivery (and the message's channel/ts, one per incident and destination). False when
        the claim was lost (expired and taken by another worker): the caller must not record anything."""
        with self.db.session() as session:
            row = self._claimed(session, item_id, worker_id)
            if row is None:
                return False
            row.status, row.sent_at, row.claimed_until, row.last_error = "sent", now, None, None
            if channel and ts:
                message = session.scalar(
                    select(IncidentMessageRow).where(
                        IncidentMessageRow.incident_id == row.incident_id,
                        IncidentMessageRow.destination == row.destination,
                    )
                )
                if message is None:
                    session.add(
                        IncidentMessageRow(
                            incident_id=row.incident_id,
                            destination=row.destination,
                            channel=channel,
                            ts=ts,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                else:
                    message.updated_at = now
            detail = {
                "reason": row.reason,
                "destination": row.destination,
                "kind": row.kind,
                "outbox_id": row.id,
            }
            session.add(
                IncidentEventRow(
                    incident_id=row.incident_id, kind="sent", actor=worker_id, at=now, detail=detail
                )
            )
            return True

    def mark_retry(
        self, item_id: int, *, worker_id: str, now: datetime, retry_after: timedelta, error: str
    ) -> bool:
        """Give the row back, due again after `retry_after` (Slack's Retry-After, or `next_backoff`)."""
        with self.db.session() as session:
            row = self._claimed(session, item_id, worker_id)
            if row is None:
                return False
            row.status, row.next_attempt_at, row.last_error = "pending", now + retry_after, error
            row.claimed_by, row.claimed_until = None, None
            return True

    def mark_failed(
        self, item_id: int, *, worker_id: str, now: datetime, error: str, fallback: str | None = None
    ) -> bool:
        """A permanent failure. With `fallback`, the same notification is enqueued to the fallback channel
        (its payload says which destination failed and why), so the alert is not lost."""
        with self.db.session() as session:
            row = self._claimed(session, item_id, worker_id)
            if row is None:
                return False
            row.status, row.last_error, row.claimed_until = "failed", error, None
            detail = {
                "reason": row.reason,
                "destination": row.destination,
                "error": error,
                "fallback": fallback,
            }
            session.add(
                IncidentEventRow(
                    incident_id=row.incident_id, kind="send_failed", actor=worker_id, at=now, detail=detail
                )
            )
            if fallback and fallback != row.destination:
                payload = {**row.payload, "fallback_for": row.destination, "error": error}
                notification = Notification(
                    incident_id=row.incident_id,
                    reason=row.reason,
                    sequence=row.sequence,
                    destination=fallback,
                    route="fallback",
                    kind=row.kind,
                    severity=cast(Severity, row.severity),
                    payload=payload,
                    fallback_for=row.destination,
                )
                insert_notifications(session, [notification], now=now)
            return True

    def outbox(self, *, incident_id: int | None = None, status: str | None = None) -> list[OutboxItem]:
        """Outbox rows, oldest first (for tests, the CLI and the sender's bookkeeping)."""
        query = select(OutboxRow).order_by(OutboxRow.id)
        if incident_id is not None:
            query = query.where(OutboxRow.incident_id == incident_id)
        if status is not None:
            query = query.where(OutboxRow.status == status)
        with self.db.session() as session:
            return [_item(row) for row in session.scalars(query)]

    @staticmethod
    def _claimed(session: Session, item_id: int, worker_id: str) -> OutboxRow | None:
        query = select(OutboxRow).where(
            OutboxRow.id == item_id, OutboxRow.claimed_by == worker_id, OutboxRow.status == "sending"
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        return session.scalar(query)
