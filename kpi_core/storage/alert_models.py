"""Alert tables: incidents, their messages and audit events, and the notification outbox.

`incidents.open_key` is the incident key while the incident is open and NULL once resolved: its
UNIQUE constraint is what stops two evaluators from opening the same incident twice. `version` is
bumped on every meaningful change; actions compare-and-set on it. The outbox's `key` is the
idempotency key (incident, reason, sequence, destination).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from kpi_core.storage.models import Base


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which keeps no offset) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: kpibot stores timezone-aware UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class IncidentRow(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("open_key", name="uq_incidents_open_key"),
        Index("ix_incidents_key", "rule_key", "kpi_key", "labels_key"),
        Index("ix_incidents_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_key: Mapped[str] = mapped_column(String(200))
    rule_name: Mapped[str] = mapped_column(String(300))
    kpi_key: Mapped[str] = mapped_column(String(100))
    labels_key: Mapped[str] = mapped_column(String(500))
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    open_key: Mapped[str | None] = mapped_column(String(900), nullable=True)
    mode: Mapped[str] = mapped_column(String(10))  # state | event
    state: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    evaluated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    peak_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    period: Mapped[date | None] = mapped_column(Date, nullable=True)
    summary: Mapped[str] = mapped_column(Text)
    acked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    snoozed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    snooze_until_worse: Mapped[bool] = mapped_column(Boolean, default=False)
    snooze_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    snooze_severity: Mapped[str | None] = mapped_column(String(10), nullable=True)
    unsnoozed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolution: Mapped[str | None] = mapped_column(
        String(20), nullable=True
    )  # auto|manual|no_data|event|rule_removed
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)


class IncidentMessageRow(Base):
    """One message per incident and destination, updated in place (`chat.update`)."""

    __tablename__ = "incident_messages"
    __table_args__ = (
        UniqueConstraint("incident_id", "destination", name="uq_incident_messages_destination"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    destination: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(50))
    ts: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IncidentEventRow(Base):
    """The audit trail: fired, sent, acknowledged, snoozed, resolved, escalated... with who and when."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(100))  # "kpibot" for the evaluator, else the user
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class OutboxRow(Base):
    """A notification to deliver, claimed atomically by one sender replica."""

    __tablename__ = "alert_outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_alert_outbox_key"),
        Index("ix_alert_outbox_due", "status", "next_attempt_at"),
        Index("ix_alert_outbox_incident", "incident_id", "destination", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(30))
    sequence: Mapped[int] = mapped_column(Integer)
    destination: Mapped[str] = mapped_column(String(200))
    route: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # post | thread | update | digest
    severity: Mapped[str] = mapped_column(String(10))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
