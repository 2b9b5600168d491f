"""KPI observations, their audit trail and source status.

Revision ID: 0001_core
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kpi_key", sa.String(100), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kpi_key", "period_start", name="uq_observation_period"),
    )
    op.create_index("ix_observations_kpi_key", "observations", ["kpi_key"])
    op.create_table(
        "observation_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kpi_key", sa.String(100), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("old_value", sa.Float, nullable=False),
        sa.Column("old_source", sa.String(20), nullable=False),
        sa.Column("old_recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("new_value", sa.Float, nullable=False),
        sa.Column("new_source", sa.String(20), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_observation_history_kpi_key", "observation_history", ["kpi_key"])
    op.create_table(
        "source_status",
        sa.Column("kpi_key", sa.String(100), primary_key=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("source_status")
    op.drop_index("ix_observation_history_kpi_key", "observation_history")
    op.drop_table("observation_history")
    op.drop_index("ix_observations_kpi_key", "observations")
    op.drop_table("observations")
