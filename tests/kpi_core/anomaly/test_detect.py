from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from kpi_core.anomaly.detect import MIN_ERRORS, MIN_HISTORY, SENSITIVITY, detect_anomalies

START = date(2025, 1, 6)  # a Monday


def daily_kpi(days: int, *, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    weekend = np.where(t % 7 >= 5, -250.0, 0.0)
    return 1_200 + 0.4 * t + weekend + 60 * np.sin(2 * np.pi * t / 365) + rng.normal(0, 20, days)


def flagged(values: np.ndarray, **kw: object) -> dict[date, str]:
    ranges = detect_anomalies(values=values.tolist(), start=START, grain="daily", **kw)  # type: ignore[arg-type]
    return {r.period: str(r.side) for r in ranges if r.anomalous}


def test_a_quiet_year_raises_nothing_and_weekends_are_normal() -> None:
    values = daily_kpi(400)
    assert len(flagged(values)) <= 1


def test_a_tuesday_low_for_a_tuesday_is_caught_with_its_expected_range() -> None:
    values = daily_kpi(200)
    day = 176  # a Tuesday
    assert (START + timedelta(days=day)).weekday() == 1
    values[day] -= 150  # still above any weekend value: a fixed threshold would not see it
    ranges = detect_anomalies(values=values.tolist(), start=START, grain="daily")
    hit = next(r for r in ranges if r.period == START + timedelta(days=day))
    assert hit.anomalous and hit.side == "below" and hit.score < -SENSITIVITY["medium"]
    assert hit.low <= hit.expected <= hit.high
    assert hit.value is not None and hit.value < hit.low
    assert hit.low - hit.value > 0 and hit.expected == pytest.approx(values[day] + 150, abs=80)
    weekend = next(r for r in ranges if r.period == START + timedelta(days=day + 4))
    assert not weekend.anomalous and weekend.expected < hit.expected - 150


def test_earlier_anomalies_do_not_become_normal() -> None:
    values = daily_kpi(260)
    for day in (150, 157, 164, 171, 178, 185, 192, 199):  # one odd Monday a week for two months
        values[day] += 400
    found = flagged(values)
    assert all(START + timedelta(days=d) in found for d in (150, 157, 164, 171, 178, 185, 192, 199))


def test_a_level_shift_is_flagged_then_accepted() -> None:
    values = daily_kpi(300)
    values[200:] += 300
    found = sorted(flagged(values))
    assert START + timedelta(days=200) in found
    assert all(day <= START + timedelta(days=210) for day in found if day >= START + timedelta(days=190))


def test_missing_values_are_skipped_and_too_little_history_judges_nothing() -> None:
    values: list[float | None] = [*daily_kpi(120).tolist()]
    values[100] = None
    ranges = detect_anomalies(values=values, start=START, grain="daily")
    assert START + timedelta(days=100) not in {r.period for r in ranges}
    assert ranges[0].period == START + timedelta(days=MIN_HISTORY["daily"] + MIN_ERRORS["daily"])
    assert detect_anomalies(values=values[:20], start=START, grain="daily") == ()


def test_monthly_kpis_use_their_own_grain() -> None:
    rng = np.random.default_rng(5)
    values = 100 + np.arange(48) * 2 + 15 * np.sin(2 * np.pi * np.arange(48) / 12) + rng.normal(0, 2, 48)
    values[44] -= 40
    ranges = detect_anomalies(values=values.tolist(), start=date(2023, 1, 1), grain="monthly")
    assert [r.period for r in ranges if r.anomalous] == [date(2026, 9, 1)]


def test_a_constant_series_flags_any_move() -> None:
    values = [50.0] * 80 + [51.0]
    ranges = detect_anomalies(values=values, start=START, grain="daily")
    assert ranges[-1].anomalous and ranges[-1].side == "above"
    assert not any(r.anomalous for r in ranges[:-1])
