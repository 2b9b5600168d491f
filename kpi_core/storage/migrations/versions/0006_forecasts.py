"""Forecast cache: one fitted forecast per KPI and last complete period.

Revision ID: 0006_forecasts
Revises: 0003_alerts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_forecasts"
down_revision = "0004_digest_steps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kpi_key", sa.String(100), nullable=False),
        sa.Column("through_period", sa.Date, nullable=False),
        sa.Column("grain", sa.String(10), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("method", sa.String(30), nullable=False),
        sa.Column("level", sa.Float, nullable=False),
        sa.Column("history", sa.Integer, nullable=False),
        sa.Column("points", sa.JSON, nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kpi_key", "through_period", name="uq_forecasts_kpi_period"),
    )


def downgrade() -> None:
    op.drop_table("forecasts")
