"""What a chart needs from a snapshot: every period in the range, with None where a value is missing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from kpi_core.config.models import Grain
from kpi_core.periods import period_start, periods_between
from kpi_core.snapshot import KpiSnapshot

# A series longer than this is cut to its latest periods (10 years of months; ~2 years of days).
MAX_PERIODS = 750


@dataclass(frozen=True)
class ChartSeries:
    """A snapshot's series on a complete run of periods: gaps are None, never zero-filled."""

    grain: Grain
    periods: tuple[date, ...]
    values: tuple[float | None, ...]

    @property
    def known(self) -> list[tuple[date, float]]:
        return [(p, v) for p, v in zip(self.periods, self.values, strict=True) if v is not None]

    @property
    def missing(self) -> int:
        return sum(1 for v in self.values if v is None)

    @property
    def last(self) -> tuple[date, float] | None:
        known = self.known
        return known[-1] if known else None


def chart_series(snapshot: KpiSnapshot) -> ChartSeries | None:
    """The snapshot's series with every period present, or None when there is no value at all.

    Periods absent from the series, and NaN or infinite values, count as missing, so the line breaks there.
    """
    grain = snapshot.kpi.grain
    by_period: dict[date, float | None] = {}
    for point in snapshot.series:
        value = point.value
        if value is not None and not math.isfinite(value):
            value = None
        by_period[period_start(point.period, grain)] = None if value is None else float(value)
    if not any(v is not None for v in by_period.values()):
        return None
    periods = periods_between(min(by_period), max(by_period), grain)[-MAX_PERIODS:]
    return ChartSeries(grain=grain, periods=tuple(periods), values=tuple(by_period.get(p) for p in periods))
