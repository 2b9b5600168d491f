"""The plain, frozen facts about a KPI at a date. Everything that shows a KPI reads one of these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from kpi_core.config.models import KpiDefinition
from kpi_core.standing import GoalStanding, Health


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
class PartialPeriod:
    """A flow's running period, never shown as complete: "December to date (2 of 31 days): 76,651".

    `previous` is the last complete period's value when it is the period just before. For sums, `share`
    is value / previous, `projected` the value at its pace to date (value x days / days elapsed; None
    at a daily grain, where the day's hours are unknown) and `like_for_like` the change against
    `previous` at the same point of its period, pro rata (x days elapsed / days in the running period).
    Rates are shown to date, with no share, pace or change.
    """

    period: date  # start of the running period
    value: float
    through: date  # the last day counted
    elapsed_days: int
    total_days: int
    previous: float | None = None
    share: float | None = None
    projected: float | None = None
    like_for_like: Change | None = None


@dataclass(frozen=True)
class KpiSnapshot:
    """A KPI at a date: value, change, target, goal standing, health, series and freshness.

    For a flow (`kpi.is_flow`), `period`/`value`/`change` are its last complete period and the running
    one is `in_progress`; for a level, the newest value is current. `health` and `goal` judge `value`.
    """

    kpi: KpiDefinition
    at: date
    period: date | None  # start of the period the headline value belongs to
    value: float | None
    previous: float | None
    change: Change | None
    year_over_year: Change | None
    target: float | None
    progress: float | None  # 1.0 == at target; direction-aware; may exceed 1
    health: Health
    goal: GoalStanding | None = None  # None without a value or a target
    in_progress: PartialPeriod | None = None  # flows only: the running period, to date
    series: tuple[Point, ...] = ()
    rolling_average: float | None = None
    stale: bool = False
    recorded_at: datetime | None = None
    source_error: str | None = None  # the last refresh of this KPI's source failed
    extra: dict[str, float] = field(default_factory=dict)
