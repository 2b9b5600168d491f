"""Alerts: incidents, incident_messages, incident_events and the alert_outbox.

Revision ID: 0003_alerts
Revises: 0002_digests
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_alerts"
down_revision = "0002_digests"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg,unused-ignore]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rule_key", sa.String(200), nullable=False),
        sa.Column("rule_name", sa.String(300), nullable=False),
        sa.Column("kpi_key", sa.String(100), nullable=False),
        sa.Column("labels_key", sa.String(500), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("open_key", sa.String(900), nullable=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        _when("opened_at"),
        _when("fired_at", nullable=True),
        _when("updated_at"),
        _when("evaluated_at"),
        sa.Column("last_value", sa.Float, nullable=True),
        sa.Column("peak_value", sa.Float, nullable=True),
        sa.Column("threshold", sa.Float, nullable=True),
        sa.Column("period", sa.Date, nullable=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("acked_by", sa.String(100), nullable=True),
        _when("acked_at", nullable=True),
        sa.Column("snoozed_by", sa.String(100), nullable=True),
        _when("snoozed_until", nullable=True),
        sa.Column("snooze_until_worse", sa.Boolean, nullable=False),
        sa.Column("snooze_value", sa.Float, nullable=True),
        sa.Column("snooze_severity", sa.String(10), nullable=True),
        _when("unsnoozed_at", nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        _when("resolved_at", nullable=True),
        sa.Column("resolution", sa.String(20), nullable=True),
        sa.Column("reopen_count", sa.Integer, nullable=False),
        sa.UniqueConstraint("open_key", name="uq_incidents_open_key"),
    )
    op.create_index("ix_incidents_key", "incidents", ["rule_key", "kpi_key", "labels_key"])
    op.create_index("ix_incidents_state", "incidents", ["state"])
    op.create_table(
        "incident_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("destination", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("ts", sa.String(50), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.UniqueConstraint("incident_id", "destination", name="uq_incident_messages_destination"),
    )
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        _when("at"),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_incident_events_incident", "incident_events", ["incident_id", "id"])
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column(
            "incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("destination", sa.String(200), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _when("next_attempt_at"),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        _when("claimed_until", nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        _when("created_at"),
        _when("sent_at", nullable=True),
        sa.UniqueConstraint("key", name="uq_alert_outbox_key"),
    )
    op.create_index("ix_alert_outbox_due", "alert_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_alert_outbox_incident", "alert_outbox", ["incident_id", "destination", "id"])


def downgrade() -> None:
    op.drop_index("ix_alert_outbox_incident", "alert_outbox")
    op.drop_index("ix_alert_outbox_due", "alert_outbox")
    op.drop_table("alert_outbox")
    op.drop_index("ix_incident_events_incident", "incident_events")
    op.drop_table("incident_events")
    op.drop_table("incident_messages")
    op.drop_index("ix_incidents_state", "incidents")
    op.drop_index("ix_incidents_key", "incidents")
    op.drop_table("incidents")
