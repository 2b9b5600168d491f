"""Digest posts remember each step: the chart files uploaded into the thread and whether the message was
edited to show them, so a run resumed after a crash neither uploads twice nor leaves the image out.

Revision ID: 0004_digest_steps
Revises: 0003_alerts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_digest_steps"
down_revision = "0003_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("digest_posts") as batch:
        batch.add_column(sa.Column("charts", sa.JSON, nullable=True))
        batch.add_column(sa.Column("charts_attached", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("digest_posts") as batch:
        batch.drop_column("charts_attached")
        batch.drop_column("charts")
