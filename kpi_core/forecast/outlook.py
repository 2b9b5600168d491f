"""Where a KPI is heading relative to its target: on pace or not, the value expected on the target's
date, and when the target would be reached ("at this pace: $550K around Aug 2027, 80%: Jun–Nov 2027").

A dated target progression is used as it is: the milestone in force is the next one on or after today.
A fixed target has no date, so it has no "on pace"; it still has a reach date.

    outlook = target_outlook(kpi=kpi, forecast=forecast, latest=412_000.0, today=date(2026, 12, 2))
    outlook.on_pace, outlook.expected, outlook.reach, outlook.reach_early, outlook.reach_late
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kpi_core.config.models import Direction, KpiDefinition
from kpi_core.forecast.series import Forecast, ForecastPoint


@dataclass(frozen=True)
class TargetOutlook:
    """The forecast read against the target. Dates are period starts at the KPI's grain."""

    target: float
    due: date | None  # the milestone's date; None for a fixed target
    met: bool  # the latest complete value already meets the target
    expected: ForecastPoint | None  # the forecast for the period of `due` (None if undated or beyond)
    on_pace: bool | None  # the expected value at `due` meets the target; None when there is no due date
    reach: date | None  # the first forecast period whose expected value meets the target
    reach_early: date | None  # ... whose optimistic bound meets it
    reach_late: date | None  # ... whose pessimistic bound meets it; None: not within the horizon
    horizon_end: date  # the last period forecast, for "not before ..." wording


def meets(value: float, target: float, direction: Direction) -> bool:
    """Whether `value` is at or past `target`, read with the KPI's direction."""
    return value >= target if direction == "higher" else value <= target


def due_target(kpi: KpiDefinition, *, today: date) -> tuple[float, date | None] | None:
    """The target in force and its date: the next milestone on or after today, else the fixed target."""
    for milestone, value in kpi.target_progression:
        if milestone >= today:
            return value, milestone
    if kpi.target is not None:
        return kpi.target, None
    if kpi.target_progression:  # every milestone has passed: the last one still stands, undated
        return kpi.target_progression[-1][1], None
    return None


def target_outlook(
    *, kpi: KpiDefinition, forecast: Forecast, latest: float | None, today: date
) -> TargetOutlook | None:
    """Read `forecast` against the KPI's target in force on `today`; None when the KPI has no target."""
    due = due_target(kpi, today=today)
    if due is None or not forecast.points:
        return None
    target, when = due
    direction = kpi.direction

    def first(pick: str) -> date | None:
        for point in forecast.points:
            if meets(getattr(point, pick), target, direction):
                return point.period
        return None

    optimistic, pessimistic = ("high", "low") if direction == "higher" else ("low", "high")
    expected = forecast.at(when) if when is not None else None
    met = latest is not None and meets(latest, target, direction)
    on_pace: bool | None = None
    if when is not None:
        on_pace = met if expected is None and when <= forecast.through else None
        if expected is not None:
            on_pace = meets(expected.value, target, direction)
    return TargetOutlook(
        target=target,
        due=when,
        met=met,
        expected=expected,
        on_pace=on_pace,
        reach=first("value"),
        reach_early=first(optimistic),
        reach_late=first(pessimistic),
        horizon_end=forecast.points[-1].period,
    )
