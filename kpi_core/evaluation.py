"""Judging a KPI at a date: pure functions from a definition and its observations to a `KpiSnapshot`.

No I/O here: the service reads observations from the store and hands them in. The rules:

- a flow's headline is its last complete period; the running one is `in_progress`, labelled, and
  compared only pro rata with the same point of the period before; a level's newest value is current;
- health (thresholds) and goal standing (target) are two separate judgements: `kpi_core.standing`;
- progress respects direction: value/target when higher is better, target/value when lower is better;
- missing periods stay missing (None), never zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from kpi_core.config.models import Direction, Grain, KpiDefinition
from kpi_core.periods import (
    CHANGE_LABELS,
    max_age,
    period_end,
    period_start,
    periods_between,
    shift_period,
    year_earlier,
)
from kpi_core.snapshot import Change, KpiSnapshot, PartialPeriod, Point
from kpi_core.standing import compute_goal, compute_health, compute_progress

__all__ = ["compute_change", "compute_progress", "compute_snapshot", "is_stale"]
from kpi_core.windows import Window, default_window

ROLLING_PERIODS: dict[str, int] = {"daily": 7, "weekly": 4, "monthly": 3, "quarterly": 3}


def compute_change(value: float, reference: float, *, direction: Direction, label: str) -> Change:
    """A value against a reference: absolute, percent of the reference's size, and whether it improved."""
    absolute = value - reference
    percent = absolute / abs(reference) * 100 if reference != 0 else None
    improved = None if absolute == 0 else (absolute > 0) == (direction == "higher")
    return Change(reference=reference, absolute=absolute, percent=percent, label=label, improved=improved)


def is_stale(newest_period: date | None, grain: Grain, *, at: date, now: datetime) -> bool:
    """Whether the newest data is older than the grain allows.

    Age is measured from the last day of the newest period to the reference day, which is `at` or
    today (`now` in UTC), whichever is earlier, so looking at a past date judges the data as it was then.
    Stale when the age exceeds `periods.max_age(grain)`: 2 days for daily KPIs, 10 for weekly, 36 for
    monthly, 102 for quarterly. In words: a whole period has closed after the newest one, plus some
    slack for late loads, and still nothing was recorded. No data at all is not stale, it is NO_DATA.
    """
    if newest_period is None:
        return False
    reference = min(at, _utc(now).date())
    return reference - period_end(newest_period, grain) > max_age(grain)


def compute_snapshot(
    kpi: KpiDefinition,
    observations: Sequence[tuple[date, float]],
    *,
    at: date,
    now: datetime,
    today: date | None = None,
    window: Window | None = None,
    recorded_at: datetime | None = None,
    source_error: str | None = None,
) -> KpiSnapshot:
    """Everything kpibot says about a KPI at `at`, from its (period, value) observations.

    - Observations may be unsorted and carry any date in a period: each is filed under its period's
      start. Two in the same period: the later date wins (equal dates: the later in the sequence).
      NaN and infinite values count as missing. Observations after `at`'s period are ignored.
    - A period is complete once it has ended: its last day is before `at + 1 day` and before `today`
      (the local date of `now`; defaults to `now`'s UTC date). Looking at a past `at` reads it as of the
      end of that day; looking at today, today is still running.
    - value: for a level, the newest period at or before `at`; for a flow (`kpi.is_flow`), the newest
      complete one, and the running period, if it has a value, is `in_progress` (see `PartialPeriod`).
      A value may be old; `stale` says so.
    - previous/change: the period immediately before the value's period, labelled by grain
      (DoD, WoW, MoM, QoQ). If that period is missing, previous and change are None.
    - year_over_year: against the same period a year earlier (`periods.year_earlier`) when present.
    - health from the thresholds, goal from the target on the value's date (the end of its period, or
      `at` if sooner): `kpi_core.standing`. target/progress are the goal's.
    - series: every period of the window up to the value's period for a flow (a part-period is never
      drawn as a whole one), up to `at`'s period for a level; None where nothing was recorded.
    - rolling_average: mean of the recorded values among the last `ROLLING_PERIODS[grain]` periods
      of the series' end (7 daily, 4 weekly, 3 monthly or quarterly); None if none was recorded.

    >>> kpi = KpiDefinition(key="churn", name="Churn", unit="percent", direction="lower", target=2)
    >>> snap = compute_snapshot(kpi, [(date(2026, 9, 1), 3.2)], at=date(2026, 10, 20),
    ...                         now=datetime(2026, 10, 20, tzinfo=UTC))
    >>> round(snap.progress, 3), snap.goal.goal.value, snap.health.value
    (0.625, 'behind', 'not_set')
    """
    utc_now = _utc(now)  # fail fast on a naive datetime, whatever the data
    grain = kpi.grain
    running = period_start(at, grain)
    today = today or utc_now.date()
    cutoff = min(at + timedelta(days=1), today)
    complete = period_end(running, grain) < cutoff
    last = running if complete or not kpi.is_flow else shift_period(running, grain, -1)
    history = _history(observations, grain, until=running)
    partial = None
    if last != running and running in history:
        # a formula over a part-period mixes part and whole numbers (ARPU over churn to date): not shown
        if kpi.source.kind != "formula":
            partial = _partial(kpi, history, running, through=min(at, today))
        del history[running]

    period = max(history) if history else None
    value = history[period] if period is not None else None

    change = year_over_year = None
    previous = None
    if period is not None and value is not None:  # both or neither
        previous = history.get(shift_period(period, grain, -1))
        if previous is not None:
            change = compute_change(value, previous, direction=kpi.direction, label=CHANGE_LABELS[grain])
        year_ago = history.get(year_earlier(period, grain))
        if year_ago is not None:
            year_over_year = compute_change(value, year_ago, direction=kpi.direction, label="YoY")

    judged_on = min(period_end(period, grain), at) if period is not None else at
    goal = compute_goal(kpi, value, on=judged_on)
    window = window or default_window(grain)
    first = window.start(at, grain)
    if first is None:
        first = min(history) if history else last
    first = min(first, last)  # a window shorter than a period still shows the headline period
    series = tuple(Point(p, history.get(p)) for p in periods_between(first, last, grain))

    recent = periods_between(shift_period(last, grain, 1 - ROLLING_PERIODS[grain]), last, grain)
    recorded = [history[p] for p in recent if p in history]
    rolling = sum(recorded) / len(recorded) if recorded else None

    return KpiSnapshot(
        kpi=kpi,
        at=at,
        period=period,
        value=value,
        previous=previous,
        change=change,
        year_over_year=year_over_year,
        target=goal.target if goal else kpi.target_at(judged_on),
        progress=goal.progress if goal else None,
        health=compute_health(value, kpi.thresholds, kpi.direction),
        goal=goal,
        in_progress=partial,
        series=series,
        rolling_average=rolling,
        stale=is_stale(period, grain, at=at, now=now),
        recorded_at=recorded_at,
        source_error=source_error,
    )


def _partial(
    kpi: KpiDefinition, history: dict[date, float], running: date, *, through: date
) -> PartialPeriod:
    """The running period of a flow, to date, with its pro-rata comparison for sums."""
    grain = kpi.grain
    value = history[running]
    through = max(through, running)
    elapsed = (through - running).days + 1
    total = (period_end(running, grain) - running).days + 1
    previous = history.get(shift_period(running, grain, -1))
    if kpi.measured_as != "sum":
        return PartialPeriod(running, value, through, elapsed, total, previous=previous)
    share = value / previous if previous not in (None, 0) else None
    projected = value * total / elapsed if grain != "daily" else None
    like_for_like = None
    if previous is not None and grain != "daily":
        # the period before at the same share of its length (2 of 31 days of December: 2/31 of November)
        same_point = previous * elapsed / total
        like_for_like = compute_change(value, same_point, direction=kpi.direction, label="pro rata")
    return PartialPeriod(running, value, through, elapsed, total, previous, share, projected, like_for_like)


def _history(observations: Sequence[tuple[date, float]], grain: Grain, *, until: date) -> dict[date, float]:
    """Observations by period start, up to `until`; the latest-dated one wins within a period."""
    latest: dict[date, tuple[date, float]] = {}
    for when, raw in observations:
        day = when.date() if isinstance(when, datetime) else when
        value = float(raw)
        if not math.isfinite(value):
            continue
        start = period_start(day, grain)
        if start > until:
            continue
        seen = latest.get(start)
        if seen is None or day >= seen[0]:
            latest[start] = (day, value)
    return {start: value for start, (_, value) in latest.items()}


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC): use kpi_core.clock, never datetime.now()")
    return moment.astimezone(UTC)
