"""The forecast cache: one fitted forecast per (KPI, last complete period), keyed by what it was fitted on.

`fingerprint` hashes the model version and the values the model saw: when data for a past period is
corrected, the fingerprint changes and the forecast is fitted again; otherwise a card reads it as is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kpi_core.storage.models import Base


class ForecastRow(Base):
    __tablename__ = "forecasts"
    __table_args__ = (UniqueConstraint("kpi_key", "through_period", name="uq_forecasts_kpi_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_key: Mapped[str] = mapped_column(String(100))
    through_period: Mapped[date] = mapped_column(Date)
    grain: Mapped[str] = mapped_column(String(10))
    fingerprint: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(30))
    level: Mapped[float] = mapped_column()
    history: Mapped[int] = mapped_column(Integer)
    points: Mapped[list[Any]] = mapped_column(JSON)  # [[period ISO, value, low, high], ...]
    fitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
