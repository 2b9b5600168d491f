"""The plain, frozen facts about a KPI at a date. Everything that shows a KPI reads one of these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from kpi_core.config.models import KpiDefinition


class Status(StrEnum):
    """Where a KPI stands. `critical`/`warning` thresholds map to off/at risk (seed 000's check)."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Point:
    """One period of a series. `value` is None for a missing period: never zero-filled."""

    period: date
    value: float | None


@dataclass(frozen=True)
class Change:
    """A value against a reference. `improved` respects direction; None when there was no move."""

    reference: float
    absolute: float
    percent: float | None  # None when the reference is 0
    label: str  # "MoM", "WoW", "DoD", "QoQ", "YoY"
    improved: bool | None


@dataclass(frozen=True)
class KpiSnapshot:
    """A KPI at a date: value, change, target, progress, status, series and freshness."""

    kpi: KpiDefinition
    at: date
    period: date | None  # start of the period the current value belongs to
    value: float | None
    previous: float | None
    change: Change | None
    year_over_year: Change | None
    target: float | None
    progress: float | None  # 1.0 == at target; direction-aware; may exceed 1
    status: Status
    series: tuple[Point, ...] = ()
    rolling_average: float | None = None
    stale: bool = False
    recorded_at: datetime | None = None
    source_error: str | None = None  # the last refresh of this KPI's source failed
    extra: dict[str, float] = field(default_factory=dict)
