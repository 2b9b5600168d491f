"""A KPI's forecast read from the store: its complete history, the (cached) forecast, and the target outlook.

result = forecast_kpi(kpi=kpi, store=store, cache=ForecastCache(db, clock=clock), today=today)
result.latest, result.forecast.points[:3], result.outlook.on_pace
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from kpi_core.config.models import KpiDefinition
from kpi_core.forecast.cache import ForecastCache
from kpi_core.forecast.outlook import TargetOutlook, target_outlook
from kpi_core.forecast.series import DEFAULT_HORIZON, HISTORY_LIMIT, MAX_HORIZON, Forecast, complete_history
from kpi_core.periods import period_start, shift_period
from kpi_core.snapshot import Point
from kpi_core.storage.observations import ObservationStore


@dataclass(frozen=True)
class KpiForecast:
    """What a forecast card or `kpibot forecast` shows."""

    kpi: KpiDefinition
    today: date
    latest: tuple[date, float] | None  # the last complete period and its value
    forecast: Forecast | None  # None: fewer than three complete periods
    outlook: TargetOutlook | None  # None: no target, or no forecast
    horizon: int  # the periods shown


def forecast_kpi(
    *,
    kpi: KpiDefinition,
    store: ObservationStore,
    cache: ForecastCache,
    today: date,
    horizon: int | None = None,
) -> KpiForecast:
    """Forecast `kpi` from its stored complete periods; the outlook reads the longest cached horizon."""
    start = shift_period(period_start(today, kpi.grain), kpi.grain, -HISTORY_LIMIT[kpi.grain])
    rows = store.series([kpi.key], start=start, end=today).get(kpi.key, [])
    points = [Point(period, value) for period, value in rows]
    history = complete_history(points=points, grain=kpi.grain, today=today)
    latest = history[-1] if history else None
    full = cache.forecast(kpi=kpi, points=points, today=today, horizon=MAX_HORIZON[kpi.grain])
    outlook = None
    if full is not None:
        outlook = target_outlook(kpi=kpi, forecast=full, latest=latest[1] if latest else None, today=today)
    steps = min(horizon or DEFAULT_HORIZON[kpi.grain], MAX_HORIZON[kpi.grain])
    shown = None if full is None else replace(full, points=full.points[:steps])
    return KpiForecast(kpi=kpi, today=today, latest=latest, forecast=shown, outlook=outlook, horizon=steps)
