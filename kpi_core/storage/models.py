"""ORM models. Each feature owns its tables; all of them share one declarative base and metadata."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Observation(Base):
    """The current value of a KPI for one period. Recording again replaces it (see ObservationHistory)."""

    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("kpi_key", "period_start", name="uq_observation_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_key: Mapped[str] = mapped_column(String(100), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))  # sql | formula | push | import
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ObservationHistory(Base):
    """The audit trail: every value that was replaced, with what replaced it and when."""

    __tablename__ = "observation_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_key: Mapped[str] = mapped_column(String(100), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    old_value: Mapped[float] = mapped_column(Float)
    old_source: Mapped[str] = mapped_column(String(20))
    old_recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    new_value: Mapped[float] = mapped_column(Float)
    new_source: Mapped[str] = mapped_column(String(20))
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SourceStatus(Base):
    """The outcome of the last refresh of each KPI's source, so a failed source shows as such."""

    __tablename__ = "source_status"

    kpi_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


# Feature tables live in their own modules; importing them here puts them on Base.metadata for Alembic.
from kpi_core.storage import alert_models as _alert_models  # noqa: E402, F401
from kpi_core.storage import digest_models as _digest_models  # noqa: E402, F401
from kpi_core.storage import forecast_models as _forecast_models  # noqa: E402, F401
