"""The two things kpibot says about a KPI's value, and the words and symbols every surface uses for them.

- **Health** comes from the KPI's warning and critical thresholds (the alert levels): healthy, warning,
  critical. A KPI without thresholds has no health (`Health.NOT_SET`): it gets no coloured dot.
- **Goal standing** comes from its target or dated target progression: met, on pace or behind. With a
  progression, the expected value for a date is read off the straight line between the milestone before
  it and the next one; a value at or past that line is on pace, a value that meets the next milestone
  itself has met it. Before the first milestone there is no line to be on: met or behind that milestone.
  A fixed target is met or behind.

The two are independent: a KPI can be healthy and behind its target (Session Duration at 9.6 minutes
against 12, thresholds at 5 and 3), or past its warning threshold and ahead of its target. Colours
belong to health only (and to alert severities, with the same meaning); goal standing is written in
words behind its own marker, so a KPI behind its target can never look green. See docs/vocabulary.md.

>>> compute_health(4.2, Thresholds(warning=3.5, critical=4), "lower")
<Health.WARNING: 'warning'>
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kpi_core.config.models import Direction, KpiDefinition, Thresholds


class Health(StrEnum):
    """Where a value sits against the KPI's alert thresholds. Boundaries count as reached."""

    HEALTHY = "healthy"
    WARNING = "warning"
    CRITICAL = "critical"
    NOT_SET = "not_set"  # the KPI has no thresholds
    NO_DATA = "no_data"


class Goal(StrEnum):
    """Where a value sits against the KPI's target."""

    MET = "met"
    ON_PACE = "on_pace"
    BEHIND = "behind"


@dataclass(frozen=True)
class GoalStanding:
    """A value against its target on a date.

    `target` is the target in force (the next milestone of a progression, else the fixed target), `due` the
    milestone's date (None for a fixed target), `expected` the value expected on `on` along the progression
    (None for a fixed target and before the first milestone), `progress` value/target (direction-aware).
    """

    goal: Goal
    target: float
    on: date
    progress: float | None
    due: date | None = None
    expected: float | None = None


# -- the vocabulary: one definition of the words and symbols ------------------------------------------
SEVERITY_SYMBOL = {"critical": "🔴", "warning": "🟠", "info": "🔵"}  # alerts use the same colours
HEALTH_SYMBOL = {
    Health.HEALTHY: "🟢",
    Health.WARNING: SEVERITY_SYMBOL["warning"],
    Health.CRITICAL: SEVERITY_SYMBOL["critical"],
    Health.NOT_SET: "",
    Health.NO_DATA: "⚪",
}
HEALTH_WORD = {
    Health.HEALTHY: "healthy",
    Health.WARNING: "warning",
    Health.CRITICAL: "critical",
    Health.NOT_SET: "no thresholds",
    Health.NO_DATA: "no data",
}
GOAL_SYMBOL = "🎯"
GOAL_WORD = {Goal.MET: "target met", Goal.ON_PACE: "on pace", Goal.BEHIND: "behind target"}
NO_TARGET = "no target"
HEALTH_LEGEND = "🟢 healthy · 🟠 warning · 🔴 critical (alert thresholds; no dot: none set)"
GOAL_LEGEND = "🎯 target met, on pace or behind target"
LEGEND = f"Health: {HEALTH_LEGEND} · Goal: {GOAL_LEGEND}"


def check_threshold(value: float, thresholds: Thresholds, direction: Direction) -> Health:
    """Which threshold a value has reached (seed 000's `KPIThreshold.check`). Boundaries count as reached.

    Higher is better: value <= critical is critical, else value <= warning is warning.
    Lower is better: value >= critical is critical, else value >= warning is warning.
    A threshold that is not set is never reached; with neither set the answer is HEALTHY.
    """
    critical, warning = thresholds.critical, thresholds.warning
    if direction == "higher":
        if critical is not None and value <= critical:
            return Health.CRITICAL
        if warning is not None and value <= warning:
            return Health.WARNING
    else:
        if critical is not None and value >= critical:
            return Health.CRITICAL
        if warning is not None and value >= warning:
            return Health.WARNING
    return Health.HEALTHY


def compute_health(value: float | None, thresholds: Thresholds, direction: Direction) -> Health:
    """A value's health: NO_DATA without a value, NOT_SET without thresholds, else `check_threshold`."""
    if value is None or not math.isfinite(value):
        return Health.NO_DATA
    if thresholds.warning is None and thresholds.critical is None:
        return Health.NOT_SET
    return check_threshold(value, thresholds, direction)


def compute_progress(value: float | None, target: float | None, direction: Direction) -> float | None:
    """How far a value is towards its target; 1.0 is on target and more than 1.0 is beyond it.

    Higher is better: value / target, never below 0. Lower is better: target / value, so churn of 3.2 %
    against a target of 2 % is 62.5 %. A lower-is-better value of zero or less has beaten a positive
    target: exactly 1.0. A target of zero or less makes a ratio meaningless: 1.0 when met, else 0.0.
    None when the value or the target is missing.
    """
    if value is None or target is None or not math.isfinite(value) or not math.isfinite(target):
        return None
    if target <= 0:
        met = value >= target if direction == "higher" else value <= target
        return 1.0 if met else 0.0
    if direction == "higher":
        return max(value / target, 0.0)
    if value <= 0:
        return 1.0
    return target / value


def meets(value: float, target: float, direction: Direction) -> bool:
    """Whether a value meets a target, in the KPI's direction (rounded, so 4.5 meets 4.5 exactly)."""
    value, target = round(value, 9), round(target, 9)
    return value >= target if direction == "higher" else value <= target


def expected_on(kpi: KpiDefinition, on: date) -> tuple[float | None, date | None]:
    """(the value expected on `on` along the KPI's dated progression, the next milestone's date).

    Straight line from the milestone before `on` to the next one. (None, date) before the first
    milestone, (None, None) without a progression or past its last milestone (then a fixed target, or
    the last milestone, is simply met or not).

    >>> kpi = KpiDefinition(key="k", name="K", target={date(2026, 1, 1): 100, date(2026, 1, 11): 200})
    >>> expected_on(kpi, date(2026, 1, 6))
    (150.0, datetime.date(2026, 1, 11))
    """
    milestones = kpi.target_progression
    for index, (due, target) in enumerate(milestones):
        if on <= due:
            if index == 0:
                return None, due
            start, base = milestones[index - 1]
            share = (on - start).days / (due - start).days
            return base + (target - base) * share, due
    return None, None


def compute_goal(kpi: KpiDefinition, value: float | None, *, on: date) -> GoalStanding | None:
    """The goal standing of `value` on `on`; None without a value or a target.

    >>> kpi = KpiDefinition(key="k", name="K", target=12)
    >>> compute_goal(kpi, 9.6, on=date(2026, 12, 1)).goal
    <Goal.BEHIND: 'behind'>
    """
    target = kpi.target_at(on)
    if value is None or target is None or not math.isfinite(value) or not math.isfinite(target):
        return None
    expected, due = expected_on(kpi, on)
    if kpi.target_progression and due is None and kpi.target is None:
        due = kpi.target_progression[-1][0]  # past the last milestone: judged against it
    progress = compute_progress(value, target, kpi.direction)
    if meets(value, target, kpi.direction):
        goal = Goal.MET
    elif expected is not None and meets(value, expected, kpi.direction):
        goal = Goal.ON_PACE
    else:
        goal = Goal.BEHIND
    return GoalStanding(goal=goal, target=target, on=on, progress=progress, due=due, expected=expected)
