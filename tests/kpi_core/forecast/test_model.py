from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_core.forecast.model import MIN_ETS_POINTS, fit_forecast, seasonal_strength


def test_short_series_use_drift_with_a_widening_interval() -> None:
    fit = fit_forecast([10.0, 12.0, 13.0, 15.0, 16.0], horizon=4)
    assert fit.method == "drift"
    assert fit.mean == pytest.approx([17.5, 19.0, 20.5, 22.0])
    widths = [h - lo for lo, h in zip(fit.low, fit.high, strict=True)]
    assert all(later > earlier for earlier, later in itertools.pairwise(widths))


def test_a_flat_series_forecasts_itself_with_no_spread() -> None:
    fit = fit_forecast([5.0] * 30, horizon=3)
    assert fit.mean == pytest.approx([5.0, 5.0, 5.0])
    assert fit.low == pytest.approx(fit.high)


def test_a_trend_is_damped_not_extrapolated_forever() -> None:
    values = [100.0 + 10 * i + (3 if i % 2 else -3) for i in range(36)]
    fit = fit_forecast(values, horizon=60, season_length=12)
    assert fit.method.startswith("ets_damped")
    steps = np.diff(fit.mean)
    assert steps[0] > 5  # the trend continues at first
    assert steps[-1] < steps[0] * 0.5  # and is damped later on
    assert fit.mean[-1] < values[-1] + 10 * 60  # well below the straight line


def test_seasonality_is_used_when_two_seasons_show_it() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(48)
    values = 1000 + 5 * t + 200 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 10, 48)
    fit = fit_forecast(values.tolist(), horizon=12, season_length=12)
    assert fit.method == "ets_damped_seasonal"
    truth = 1000 + 5 * (t + 48)[:12] + 200 * np.sin(2 * np.pi * (t + 48)[:12] / 12)
    assert np.mean(np.abs(np.array(fit.mean) - truth)) < 40
    inside = np.mean((np.array(fit.low) <= truth) & (truth <= np.array(fit.high)))
    assert inside >= 0.6


def test_no_seasonality_on_noise() -> None:
    rng = np.random.default_rng(2)
    values = (500 + rng.normal(0, 20, 400)).tolist()
    assert seasonal_strength(np.array(values), season_length=7) < 0.3
    assert fit_forecast(values, horizon=7, season_length=7).method == "ets_damped"


def test_interval_covers_about_80_percent_of_random_walk_steps() -> None:
    rng = np.random.default_rng(3)
    hits = 0
    trials = 60
    for _ in range(trials):
        walk = np.cumsum(rng.normal(0, 1, 61)) + 100
        fit = fit_forecast(walk[:60].tolist(), horizon=1)
        hits += fit.low[0] <= walk[60] <= fit.high[0]
    assert 0.65 <= hits / trials <= 0.95


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        fit_forecast([1.0, 2.0], horizon=1)
    with pytest.raises(ValueError, match="horizon"):
        fit_forecast([1.0, 2.0, 3.0], horizon=0)
    with pytest.raises(ValueError, match="finite"):
        fit_forecast([1.0, math.nan, 3.0], horizon=1)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=3, max_size=MIN_ETS_POINTS + 30
    ),
    horizon=st.integers(min_value=1, max_value=24),
)
def test_any_finite_series_gives_an_ordered_finite_forecast(values: list[float], horizon: int) -> None:
    fit = fit_forecast(values, horizon=horizon, season_length=4)
    assert len(fit.mean) == len(fit.low) == len(fit.high) == horizon
    for low, mean, high in zip(fit.low, fit.mean, fit.high, strict=True):
        assert math.isfinite(low) and math.isfinite(high)
        assert low <= mean + 1e-6 * max(1.0, abs(mean)) and mean <= high + 1e-6 * max(1.0, abs(mean))
