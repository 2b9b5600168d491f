"""A KPI's forecast at its grain: complete periods in, dated forecast points out.

Only complete periods are data points: the period that contains `today` is still filling up, and fitting
it would read a partial month as a collapse. Missing periods inside the history are interpolated (the
model needs an evenly spaced series); a KPI that never went below zero is never forecast below zero.

    forecast = forecast_points(points=snapshot.series, grain="monthly", today=date(2026, 12, 2), horizon=12)
    forecast.points[0].period, forecast.points[0].value, forecast.points[0].low
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from kpi_core.config.models import Grain
from kpi_core.forecast.model import MIN_POINTS, Method, fit_forecast
from kpi_core.periods import period_start, periods_between, shift_period
from kpi_core.snapshot import Point

SEASON_LENGTH: dict[str, int] = {"daily": 7, "weekly": 52, "monthly": 12, "quarterly": 4}
# How far back a fit looks. Daily KPIs use the last 26 weeks: a damped trend and a weekly pattern are
# local (26 weekly cycles are plenty), and fitting three years of days would cost six times as much.
HISTORY_LIMIT: dict[str, int] = {"daily": 182, "weekly": 260, "monthly": 120, "quarterly": 48}
DEFAULT_HORIZON: dict[str, int] = {"daily": 90, "weekly": 26, "monthly": 12, "quarterly": 8}
MAX_HORIZON: dict[str, int] = {"daily": 365, "weekly": 156, "monthly": 60, "quarterly": 20}


@dataclass(frozen=True)
class ForecastPoint:
    """The forecast for one period: the expected value and its interval."""

    period: date
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Forecast:
    """A KPI's forecast: fitted through `through` (its last complete period), `points` after it."""

    kpi_key: str
    grain: Grain
    method: Method
    level: float
    through: date
    history: int  # complete periods the model saw
    points: tuple[ForecastPoint, ...]

    def at(self, period: date) -> ForecastPoint | None:
        """The forecast for the period that contains `period`, if it is within the horizon."""
        start = period_start(period, self.grain)
        return next((p for p in self.points if p.period == start), None)


def complete_history(*, points: Sequence[Point], grain: Grain, today: date) -> list[tuple[date, float]]:
    """The (period, value) pairs of complete periods, oldest first, gaps interpolated, trimmed to the limit.

    A period is complete when it ended before `today`, i.e. it starts before the period of `today`.
    """
    current = period_start(today, grain)
    by_period: dict[date, float] = {}
    for point in points:
        start = point.period if grain == "daily" else period_start(point.period, grain)
        if point.value is not None and start < current and np.isfinite(point.value):
            by_period[start] = float(point.value)
    if not by_period:
        return []
    first, last = min(by_period), max(by_period)
    if grain == "daily":  # the common long case: plain date arithmetic instead of period helpers
        first = max(first, last - timedelta(days=HISTORY_LIMIT[grain] - 1))
        grid = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    else:
        grid = periods_between(first, last, grain)[-HISTORY_LIMIT[grain] :]
    index = {period: n for n, period in enumerate(grid)}
    xs, ys = zip(*sorted((index[p], v) for p, v in by_period.items() if p in index), strict=True)
    filled = np.interp(np.arange(len(grid)), xs, ys)
    return list(zip(grid, filled.tolist(), strict=True))


def forecast_points(
    *,
    key: str = "",
    points: Sequence[Point],
    grain: Grain,
    today: date,
    horizon: int | None = None,
    level: float = 0.8,
) -> Forecast | None:
    """Forecast a KPI from its series, or None when it has fewer than three complete periods."""
    history = complete_history(points=points, grain=grain, today=today)
    return forecast_history(key=key, grain=grain, history=history, horizon=horizon, level=level)


def forecast_history(
    *,
    key: str,
    grain: Grain,
    history: Sequence[tuple[date, float]],
    horizon: int | None = None,
    level: float = 0.8,
) -> Forecast | None:
    """Forecast from `complete_history` output; None when it is shorter than three periods."""
    if len(history) < MIN_POINTS:
        return None
    steps = min(horizon or DEFAULT_HORIZON[grain], MAX_HORIZON[grain])
    values = [v for _, v in history]
    fit = fit_forecast(values, horizon=steps, season_length=SEASON_LENGTH[grain], level=level)
    floor = 0.0 if min(values) >= 0 else -np.inf
    through = history[-1][0]
    out = tuple(
        ForecastPoint(
            period=shift_period(through, grain, step + 1),
            value=float(max(fit.mean[step], floor)),
            low=float(max(fit.low[step], floor)),
            high=float(max(fit.high[step], floor)),
        )
        for step in range(steps)
    )
    return Forecast(
        kpi_key=key,
        grain=grain,
        method=fit.method,
        level=level,
        through=through,
        history=len(history),
        points=out,
    )
