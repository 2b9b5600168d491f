"""Forecasts cached per KPI and last complete period, so showing a card never fits a model twice.

A forecast is fitted once for its longest horizon and stored with a fingerprint of what it saw (the model
version, the grain, the interval level and every value of the history). Reading it again with the same
data returns the stored points; a corrected past value changes the fingerprint and the forecast is fitted
again. `refits` counts the fits this cache did, so tests can prove a second read fitted nothing.

    cache = ForecastCache(db, clock=clock)
    forecast = cache.forecast(kpi=kpi, points=snapshot.series, today=today, horizon=12)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from kpi_core.clock import Clock
from kpi_core.config.models import Grain, KpiDefinition
from kpi_core.forecast.series import (
    DEFAULT_HORIZON,
    MAX_HORIZON,
    Forecast,
    ForecastPoint,
    complete_history,
    forecast_history,
)
from kpi_core.snapshot import Point
from kpi_core.storage.db import Database
from kpi_core.storage.forecast_models import ForecastRow

MODEL_VERSION = "ets-damped-ls-1"


class ForecastCache:
    """Reads forecasts from the `forecasts` table, fitting and storing them when the data changed."""

    def __init__(self, db: Database, *, clock: Clock, level: float = 0.8) -> None:
        self._db = db
        self._clock = clock
        self._level = level
        self.refits = 0

    def forecast(
        self, *, kpi: KpiDefinition, points: Sequence[Point], today: date, horizon: int | None = None
    ) -> Forecast | None:
        """The forecast from the complete periods in `points`, `horizon` periods long (None: default)."""
        history = complete_history(points=points, grain=kpi.grain, today=today)
        if len(history) < 3:
            return None
        steps = min(horizon or DEFAULT_HORIZON[kpi.grain], MAX_HORIZON[kpi.grain])
        fingerprint = self._fingerprint(kpi.grain, history)
        through = history[-1][0]
        with self._db.session() as session:
            row = session.scalars(
                select(ForecastRow).where(
                    ForecastRow.kpi_key == kpi.key, ForecastRow.through_period == through
                )
            ).first()
            if row is not None and row.fingerprint == fingerprint:
                return _trimmed(_from_row(row, grain=kpi.grain), steps)
        fitted = forecast_history(
            key=kpi.key, grain=kpi.grain, history=history, horizon=MAX_HORIZON[kpi.grain], level=self._level
        )
        self.refits += 1
        if fitted is None:
            return None
        self._store(fitted, fingerprint)
        return _trimmed(fitted, steps)

    def _fingerprint(self, grain: Grain, history: Sequence[tuple[date, float]]) -> str:
        text = json.dumps([MODEL_VERSION, grain, self._level, [(p.isoformat(), v) for p, v in history]])
        return hashlib.sha256(text.encode()).hexdigest()

    def _store(self, forecast: Forecast, fingerprint: str) -> None:
        row = ForecastRow(
            kpi_key=forecast.kpi_key,
            through_period=forecast.through,
            grain=forecast.grain,
            fingerprint=fingerprint,
            method=forecast.method,
            level=forecast.level,
            history=forecast.history,
            points=[[p.period.isoformat(), p.value, p.low, p.high] for p in forecast.points],
            fitted_at=self._clock.now(),
        )
        try:
            with self._db.session() as session:
                session.execute(
                    delete(ForecastRow).where(
                        ForecastRow.kpi_key == forecast.kpi_key,
                        ForecastRow.through_period == forecast.through,
                    )
                )
                session.add(row)
        except IntegrityError:
            pass  # another process stored the same forecast a moment ago: theirs is as good as ours


def _from_row(row: ForecastRow, *, grain: Grain) -> Forecast:
    return Forecast(
        kpi_key=row.kpi_key,
        grain=grain,
        method=row.method,  # type: ignore[arg-type]
        level=row.level,
        through=row.through_period,
        history=row.history,
        points=tuple(
            ForecastPoint(period=date.fromisoformat(p), value=v, low=lo, high=hi)
            for p, v, lo, hi in row.points
        ),
    )


def _trimmed(forecast: Forecast, steps: int) -> Forecast:
    return replace(forecast, points=forecast.points[:steps])
