"""Judging a KPI at a date: pure functions from a definition and its observations to a `KpiSnapshot`.

No I/O here: the service reads observations from the store and hands them in. The rules:

- progress respects direction: value/target when higher is better, target/value when lower is better
  (seed 000's `DashboardGenerator` uses current/target for every KPI, which rewards a rising churn);
- status uses the thresholds when any are set (seed 000's `KPIThreshold.check`, boundaries inclusive),
  else progress bands (>= 90 % on track, >= 70 % at risk, like `DashboardGenerator`), else on track;
- missing periods stay missing (None), never zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Literal

from kpi_core.config.models import Direction, Grain, KpiDefinition, Thresholds
from kpi_core.periods import (
    CHANGE_LABELS,
    max_age,
    period_end,
    period_start,
    periods_between,
    shift_period,
    year_earlier,
)
from kpi_core.snapshot import Change, KpiSnapshot, Point, Status
from kpi_core.windows import Window, default_window

ThresholdLevel = Literal["critical", "warning", "ok"]

ON_TRACK_FROM = 0.9
AT_RISK_FROM = 0.7
ROLLING_PERIODS: dict[str, int] = {"daily": 7, "weekly": 4, "monthly": 3, "quarterly": 3}
_LEVEL_STATUS = {"critical": Status.OFF_TRACK, "warning": Status.AT_RISK, "ok": Status.ON_TRACK}


def check_threshold(value: float, thresholds: Thresholds, direction: Direction) -> ThresholdLevel:
    """Seed 000's `KPIThreshold.check`: which threshold a value has reached. Boundaries count as reached.

    Higher is better: value <= critical is "critical", else value <= warning is "warning".
    Lower is better: value >= critical is "critical", else value >= warning is "warning".
    A threshold that is not set is never reached.

    >>> check_threshold(10_000, Thresholds(warning=10_000, critical=5_000), "higher")
    'warning'
    """
    critical, warning = thresholds.critical, thresholds.warning
    if direction == "higher":
        if critical is not None and value <= critical:
            return "critical"
        if warning is not None and value <= warning:
            return "warning"
    else:
        if critical is not None and value >= critical:
            return "critical"
        if warning is not None and value >= warning:
            return "warning"
    return "ok"


def compute_progress(value: float | None, target: float | None, direction: Direction) -> float | None:
    """How far a value is towards its target; 1.0 is on target and more than 1.0 is beyond it.

    Higher is better: value / target, never below 0. Lower is better: target / value, so churn of 3.2 %
    against a target of 2 % is 62.5 %, and CAC of 6,800 against 5,000 is 73.5 %. A lower-is-better value
    of zero or less has beaten a positive target: that counts as exactly 1.0 (the ratio has no meaning).
    A target of zero or less makes a ratio meaningless too: 1.0 when the value meets it, else 0.0.
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


def compute_status(kpi: KpiDefinition, value: float | None, progress: float | None) -> Status:
    """On track, at risk or off track: from thresholds when set, else from progress bands.

    No value is NO_DATA. With neither thresholds nor a target, a value is ON_TRACK (nothing says otherwise).
    """
    if value is None or not math.isfinite(value):
        return Status.NO_DATA
    thresholds = kpi.thresholds
    if thresholds.warning is not None or thresholds.critical is not None:
        return _LEVEL_STATUS[check_threshold(value, thresholds, kpi.direction)]
    if progress is None:
        return Status.ON_TRACK
    # Rounding keeps 4.5/5 on track even when the division lands a hair below 0.9.
    banded = round(progress, 9)
    if banded >= ON_TRACK_FROM:
        return Status.ON_TRACK
    if banded >= AT_RISK_FROM:
        return Status.AT_RISK
    return Status.OFF_TRACK


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
    window: Window | None = None,
    recorded_at: datetime | None = None,
    source_error: str | None = None,
) -> KpiSnapshot:
    """Everything kpibot says about a KPI at `at`, from its (period, value) observations.

    - Observations may be unsorted and carry any date in a period: each is filed under its period's
      start. Two in the same period: the later date wins (equal dates: the later in the sequence).
      NaN and infinite values count as missing. Observations after `at`'s period are ignored.
    - value: the newest period at or before `at`. It may be old; `stale` says so.
    - previous/change: the period immediately before the value's period, labelled by grain
      (DoD, WoW, MoM, QoQ). If that period is missing, previous and change are None: comparing with
      an older period under a "MoM" label would be wrong.
    - year_over_year: against the same period a year earlier (`periods.year_earlier`) when present.
      Pass at least a year more history than the window for it.
    - target: `kpi.target_at(at)`; progress and status as `compute_progress` / `compute_status`.
    - series: every period of the window up to `at`'s period, None where nothing was recorded.
    - rolling_average: mean of the recorded values among the last `ROLLING_PERIODS[grain]` periods
      up to `at`'s period (7 daily, 4 weekly, 3 monthly or quarterly); None if none was recorded.
    - stale: see `is_stale`.

    >>> kpi = KpiDefinition(key="churn", name="Churn", unit="percent", direction="lower", target=2)
    >>> snap = compute_snapshot(kpi, [(date(2026, 10, 1), 3.2)], at=date(2026, 10, 20),
    ...                         now=datetime(2026, 10, 20, tzinfo=UTC))
    >>> round(snap.progress, 3), snap.status.value
    (0.625, 'off_track')
    """
    _utc(now)  # fail fast on a naive datetime, whatever the data
    grain = kpi.grain
    current_period = period_start(at, grain)
    history = _history(observations, grain, until=current_period)

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

    target = kpi.target_at(at)
    progress = compute_progress(value, target, kpi.direction)
    window = window or default_window(grain)
    first = window.start(at, grain)
    if first is None:
        first = min(history) if history else current_period
    series = tuple(Point(p, history.get(p)) for p in periods_between(first, current_period, grain))

    recent = periods_between(shift_period(current_period, grain, 1 - ROLLING_PERIODS[grain]), at, grain)
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
        target=target,
        progress=progress,
        status=compute_status(kpi, value, progress),
        series=series,
        rolling_average=rolling,
        stale=is_stale(period, grain, at=at, now=now),
        recorded_at=recorded_at,
        source_error=source_error,
    )


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
