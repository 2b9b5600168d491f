"""The digest run ledger: one row per (digest, period), the unique key that makes posting exactly-once.

`digest_runs.status` moves claimed -> posting -> posted, or to skipped / failed. A claim carries a lease;
a run whose lease ran out (its process died) can be claimed again and resumes where it stopped, because
every destination's progress is written to `digest_posts` right after Slack accepted it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kpi_core.storage.models import Base

RUN_STATUSES = ("claimed", "posting", "posted", "skipped", "failed")


class DigestRun(Base):
    """One digest for one period (`period_key`: 2026-11-16, 2026-W46, 2026-10)."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("digest", "period_key", name="uq_digest_run_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(100))
    period_key: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16))
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(40), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DigestPost(Base):
    """One destination of a run: the message's ts once posted, its chart files, whether the message was
    edited to show them, and how many thread parts followed it."""

    __tablename__ = "digest_posts"
    __table_args__ = (UniqueConstraint("run_id", "channel", name="uq_digest_post_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("digest_runs.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(100))
    channel_id: Mapped[str | None] = mapped_column(String(40), nullable=True)  # resolved id, when known
    ts: Mapped[str | None] = mapped_column(String(40), nullable=True)
    thread_parts: Mapped[int] = mapped_column(Integer, default=0)
    # chart section index (as a string) -> file id, once each upload is known to have worked
    charts: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    charts_attached: Mapped[bool] = mapped_column(Boolean, default=False)  # the message shows them
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
