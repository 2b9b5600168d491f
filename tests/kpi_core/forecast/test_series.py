from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kpi_core.clock import ManualClock
from kpi_core.config.models import KpiDefinition
from kpi_core.forecast.cache import ForecastCache
from kpi_core.forecast.outlook import due_target, target_outlook
from kpi_core.forecast.series import Forecast, ForecastPoint, complete_history, forecast_points
from kpi_core.periods import shift_period
from kpi_core.snapshot import Point
from kpi_core.storage.db import Database


def monthly(values: list[float | None], *, first: date = date(2025, 1, 1)) -> list[Point]:
    return [Point(shift_period(first, "monthly", i), v) for i, v in enumerate(values)]


def test_the_period_in_progress_is_not_a_data_point() -> None:
    points = monthly([100.0, 110.0, 120.0, 130.0, 5.0])  # May 2025 is two days old
    history = complete_history(points=points, grain="monthly", today=date(2025, 5, 2))
    assert [p for p, _ in history] == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
    forecast = forecast_points(key="mrr", points=points, grain="monthly", today=date(2025, 5, 2), horizon=3)
    assert forecast is not None and forecast.through == date(2025, 4, 1)
    assert forecast.points[0].period == date(2025, 5, 1)
    assert forecast.points[0].value == pytest.approx(140.0)  # the partial 5.0 was ignored


def test_gaps_are_interpolated_and_too_little_history_gives_none() -> None:
    history = complete_history(points=monthly([100.0, None, 120.0]), grain="monthly", today=date(2026, 1, 1))
    assert history == [(date(2025, 1, 1), 100.0), (date(2025, 2, 1), 110.0), (date(2025, 3, 1), 120.0)]
    assert forecast_points(points=monthly([1.0, 2.0]), grain="monthly", today=date(2026, 1, 1)) is None


def test_a_kpi_that_never_went_negative_is_not_forecast_below_zero() -> None:
    points = monthly([50.0, 40.0, 30.0, 20.0, 10.0])
    forecast = forecast_points(points=points, grain="monthly", today=date(2026, 1, 1), horizon=6)
    assert forecast is not None
    assert min(p.low for p in forecast.points) == 0.0
    assert forecast.points[-1].value == 0.0


def kpi(**fields: object) -> KpiDefinition:
    base: dict[str, object] = {"key": "mrr", "name": "MRR", "unit": "USD", "grain": "monthly"}
    return KpiDefinition(**{**base, **fields})


def straight(start: float, step: float, spread: float, *, through: date, n: int) -> Forecast:
    points = tuple(
        ForecastPoint(
            period=shift_period(through, "monthly", i + 1),
            value=start + step * (i + 1),
            low=start + step * (i + 1) - spread * (i + 1),
            high=start + step * (i + 1) + spread * (i + 1),
        )
        for i in range(n)
    )
    return Forecast(
        kpi_key="mrr",
        grain="monthly",
        method="ets_damped",
        level=0.8,
        through=through,
        history=24,
        points=points,
    )


def test_dated_progression_milestone_in_force_is_read_as_is() -> None:
    definition = kpi(target={date(2026, 6, 30): 450_000, date(2027, 3, 31): 550_000})
    assert due_target(definition, today=date(2026, 7, 1)) == (550_000, date(2027, 3, 31))
    forecast = straight(400_000, 10_000, 2_000, through=date(2026, 6, 1), n=24)
    outlook = target_outlook(kpi=definition, forecast=forecast, latest=400_000, today=date(2026, 7, 2))
    assert outlook is not None
    assert outlook.due == date(2027, 3, 31)
    assert outlook.expected is not None and outlook.expected.period == date(2027, 3, 1)
    assert outlook.expected.value == 490_000  # nine months at +10K
    assert outlook.on_pace is False
    assert outlook.reach == date(2027, 9, 1)  # 15 months at +10K
    assert outlook.reach_early is not None and outlook.reach_early < outlook.reach
    assert outlook.reach_late is not None and outlook.reach_late > outlook.reach


def test_fixed_target_has_a_reach_date_but_no_pace() -> None:
    forecast = straight(90.0, 1.0, 0.5, through=date(2026, 10, 1), n=6)
    outlook = target_outlook(kpi=kpi(target=95.0), forecast=forecast, latest=90.0, today=date(2026, 11, 2))
    assert outlook is not None and outlook.on_pace is None and outlook.due is None and not outlook.met
    assert outlook.reach == date(2027, 3, 1)  # 90 + 5 months at +1
    assert outlook.reach_early == date(2027, 2, 1)  # 94 + 4 * 0.5 = 96
    assert outlook.reach_late is None  # the pessimistic bound stays below 95 within the six months
    assert outlook.horizon_end == date(2027, 4, 1)


def test_lower_is_better_targets_are_read_with_their_direction() -> None:
    churn = kpi(key="churn", unit="percent", direction="lower", target={date(2027, 1, 31): 2.0})
    forecast = straight(3.0, -0.25, 0.1, through=date(2026, 10, 1), n=6)
    outlook = target_outlook(kpi=churn, forecast=forecast, latest=3.0, today=date(2026, 11, 2))
    assert outlook is not None and outlook.on_pace is False  # Jan 2027: 3.0 - 3 * 0.25 = 2.25
    assert outlook.reach == date(2027, 2, 1)
    assert target_outlook(kpi=kpi(), forecast=forecast, latest=3.0, today=date(2026, 11, 2)) is None


def test_forecasts_are_fitted_once_per_kpi_and_period(db: Database) -> None:
    clock = ManualClock(datetime(2026, 12, 2, 9, tzinfo=UTC))
    cache = ForecastCache(db, clock=clock)
    definition = kpi()
    points = monthly([100.0 + 7 * i + (i % 3) for i in range(23)], first=date(2025, 1, 1))
    first = cache.forecast(kpi=definition, points=points, today=date(2026, 12, 2), horizon=12)
    assert cache.refits == 1 and first is not None and len(first.points) == 12
    again = ForecastCache(db, clock=clock).forecast(kpi=definition, points=points, today=date(2026, 12, 2))
    assert again is not None and again.points == first.points  # read from the table, not fitted
    second = ForecastCache(db, clock=clock)
    longer = second.forecast(kpi=definition, points=points, today=date(2026, 12, 2), horizon=36)
    assert second.refits == 0 and longer is not None and len(longer.points) == 36
    corrected = [*points[:-1], Point(points[-1].period, 500.0)]
    refit = second.forecast(kpi=definition, points=corrected, today=date(2026, 12, 2), horizon=12)
    assert second.refits == 1 and refit is not None and refit.points != first.points
