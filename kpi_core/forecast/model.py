"""Fitting one series: damped-trend exponential smoothing (ETS) with a drift fallback, and 80% intervals.

Why this model: business KPIs are short (24 months is a lot), trend-dominated and often seasonal. A damped
additive trend is the standard robust default for such series (Gardner & McKenzie; the M3 and M4
competitions), it never extrapolates a trend forever, and it fits in milliseconds. statsmodels'
`ExponentialSmoothing` fits it by least squares (no brute-force start grid, which is 20x slower); the
prediction interval is the analytic one of the equivalent ETS(A,Ad,A) state-space model (Hyndman et al.,
"Forecasting with exponential smoothing", class 1), so no simulation is needed. Seasonality is used only
when the history holds at least two full seasons and it lowers the AICc. Series too short for ETS use the
drift method (the line through the first and last values) with its textbook interval.

    fit = fit_forecast([1.0, 2.0, 3.5, 4.0, 5.2], horizon=3)
    fit.method, fit.mean, fit.low, fit.high
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

Method = Literal["ets_damped_seasonal", "ets_damped", "drift"]
MIN_POINTS = 3  # fewer than this and nothing honest can be said about the future
MIN_ETS_POINTS = 10  # below this a damped trend's four parameters cannot be estimated
DAMPING_BOUNDS = (0.8, 0.98)  # Hyndman's recommended range: damped, never flat or explosive
LONG_SERIES = 150  # above this, choose seasonality by its strength instead of fitting both models
STRONG_SEASONALITY = 0.3  # Wang, Smith & Hyndman's strength of seasonality, 0 (none) to 1


@dataclass(frozen=True)
class ForecastFit:
    """Point forecasts and an interval for the `horizon` steps after the last value."""

    method: Method
    level: float  # 0.8 for an 80% interval
    mean: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    season_length: int | None = None  # set when the seasonal model was chosen


def fit_forecast(
    values: Sequence[float], *, horizon: int, season_length: int | None = None, level: float = 0.8
) -> ForecastFit:
    """Forecast `horizon` steps after `values` (evenly spaced, no gaps, oldest first).

    Raises ValueError for fewer than MIN_POINTS values, a non-positive horizon or non-finite values.
    """
    y = np.asarray(values, dtype=float)
    if len(y) < MIN_POINTS:
        raise ValueError(f"a forecast needs at least {MIN_POINTS} values, got {len(y)}")
    if horizon < 1:
        raise ValueError("the horizon must be at least one period")
    if not np.all(np.isfinite(y)):
        raise ValueError("values must be finite")
    z = float(norm.ppf(0.5 + level / 2))
    if len(y) >= MIN_ETS_POINTS and np.ptp(y) > 0:
        fitted = _best_ets(y, horizon=horizon, season_length=season_length, z=z)
        if fitted is not None:
            return replace(fitted, level=level)
    mean, spread = _drift(y, horizon=horizon)
    return ForecastFit(
        method="drift",
        level=level,
        mean=tuple(mean.tolist()),
        low=tuple((mean - z * spread).tolist()),
        high=tuple((mean + z * spread).tolist()),
    )


def _drift(y: NDArray[np.float64], *, horizon: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = len(y)
    slope = (y[-1] - y[0]) / (n - 1)
    steps = np.arange(1, horizon + 1, dtype=float)
    residuals = np.diff(y) - slope
    sigma = math.sqrt(float(residuals @ residuals) / max(n - 2, 1))
    return y[-1] + slope * steps, sigma * np.sqrt(steps * (1 + steps / (n - 1)))


def _best_ets(
    y: NDArray[np.float64], *, horizon: int, season_length: int | None, z: float
) -> ForecastFit | None:
    candidates: list[int | None] = [None]
    if season_length and season_length > 1 and len(y) >= 2 * season_length + 2:
        candidates.append(season_length)
        if len(y) > LONG_SERIES:  # long series: one fit, chosen by how strong the seasonal pattern is
            strong = seasonal_strength(y, season_length=season_length) >= STRONG_SEASONALITY
            candidates = [season_length if strong else None]
    best: tuple[float, ForecastFit] | None = None
    for m in candidates:
        result = _fit_ets(y, horizon=horizon, season_length=m, z=z)
        if result is not None and (best is None or result[0] < best[0]):
            best = result
    return None if best is None else best[1]


def _fit_ets(
    y: NDArray[np.float64], *, horizon: int, season_length: int | None, z: float
) -> tuple[float, ForecastFit] | None:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing  # imported on first use: ~0.5 s

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            model = ExponentialSmoothing(
                y,
                trend="add",
                damped_trend=True,
                seasonal="add" if season_length else None,
                seasonal_periods=season_length,
                initialization_method="heuristic" if season_length else "estimated",
                bounds={"damping_trend": DAMPING_BOUNDS},
            )
            result = model.fit(method="ls", use_brute=False)
        except (ValueError, np.linalg.LinAlgError):
            return None
    mean = np.asarray(result.forecast(horizon), dtype=float)
    params = result.params
    n_params = 4 + (season_length or 0) + (1 if season_length else 0)
    sse = float(result.sse)
    if not (np.all(np.isfinite(mean)) and math.isfinite(sse)):
        return None
    sigma = math.sqrt(sse / max(len(y) - n_params, 1))
    spread = sigma * _ets_spread(
        alpha=float(params["smoothing_level"]),
        beta=float(params["smoothing_trend"]),
        gamma=float(params["smoothing_seasonal"]) if season_length else 0.0,
        phi=float(params["damping_trend"]),
        season_length=season_length,
        horizon=horizon,
    )
    aicc = float(result.aicc) if math.isfinite(result.aicc) else float(result.aic)
    return aicc, ForecastFit(
        method="ets_damped_seasonal" if season_length else "ets_damped",
        level=0.0,  # set by the caller
        mean=tuple(mean.tolist()),
        low=tuple((mean - z * spread).tolist()),
        high=tuple((mean + z * spread).tolist()),
        season_length=season_length,
    )


def _ets_spread(
    *, alpha: float, beta: float, gamma: float, phi: float, season_length: int | None, horizon: int
) -> NDArray[np.float64]:
    """sqrt(1 + sum c_j^2) per step: the h-step standard deviation in units of the one-step sigma.

    For ETS(A,Ad,A): c_j = alpha * (1 + beta * (phi + ... + phi^j)) + gamma * [j is a multiple of m],
    where beta is the trend smoothing of the component form (statsmodels' `smoothing_trend`).
    """
    j = np.arange(1, horizon, dtype=float)
    phi_j = phi * (1 - phi**j) / (1 - phi) if phi < 1 else j
    c = alpha * (1 + beta * phi_j)
    if season_length:
        c = c + gamma * (np.arange(1, horizon) % season_length == 0)
    return np.sqrt(1 + np.concatenate(([0.0], np.cumsum(c**2))))


def seasonal_strength(y: NDArray[np.float64], *, season_length: int) -> float:
    """Strength of seasonality, 1 - Var(remainder) / Var(seasonal + remainder) (classical decomposition).

    The trend is a centred moving average over one season; 0 means no seasonal pattern, 1 a pure one.
    """
    m = season_length
    if len(y) < 2 * m + 1:
        return 0.0
    weights = np.full(m + 1 if m % 2 == 0 else m, 1.0 / m)
    if m % 2 == 0:
        weights[0] = weights[-1] = 0.5 / m
    half = len(weights) // 2
    trend = np.convolve(y, weights, mode="valid")
    detrended = y[half : half + len(trend)] - trend
    phase = (np.arange(len(detrended)) + half) % m
    profile = np.array([detrended[phase == k].mean() for k in range(m)])
    seasonal = profile[phase] - profile.mean()
    remainder = detrended - seasonal
    total = float(np.var(detrended))
    return 0.0 if total == 0 else max(0.0, 1 - float(np.var(remainder)) / total)
