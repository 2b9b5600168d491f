"""Is this value normal? A robust seasonal baseline per KPI, learned from its own history.

Each value is judged against what its history *before it* predicted, as a live alert would have seen it:

1. Seasonal shape: a robust STL of the last year of history (weekly seasonality for daily KPIs, yearly
   for weekly, monthly and quarterly ones), refitted every four weeks of daily data (every period
   otherwise): seasonal shapes move slowly. Yearly events of a daily KPI (a holiday) are learned once they
   recur: when both previous years deviated on the same side 52 and 104 weeks earlier, the smaller of
   the two deviations is added. The slow yearly swing is followed by the level. (MSTL with a 365-day
   season would cost seconds per fit.)
2. Level: the trimmed mean of the last two weeks (four weeks, three months) of deseasonalized history,
   moved on by the slope between it and the same two spans earlier.
3. Normal range: expected ± k · scale, where scale is 1.4826 · MAD (median absolute deviation) of the
   recent one-step prediction errors of normal values, so it measures how well the baseline actually
   predicts, not how well it fits. k is the sensitivity (3.5 by default). Values are judged once the
   baseline has made MIN_ERRORS predictions.
4. A value outside the range is an anomaly, and the history keeps the expected value in its place:
   earlier anomalies never become part of "normal". Only when most of the last few values are outside on
   the same side (a level shift: 5 of 7 days) is the new level accepted, by moving the older history by
   the shift's size.

    ranges = detect_anomalies(values=dau, start=date(2024, 1, 1), grain="daily")
    [r for r in ranges if r.anomalous]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from kpi_core.config.models import Grain
from kpi_core.periods import shift_period

Side = Literal["above", "below"]
SENSITIVITY: dict[str, float] = {"low": 4.5, "medium": 3.5, "high": 2.75}
MIN_HISTORY: dict[str, int] = {"daily": 28, "weekly": 16, "monthly": 12, "quarterly": 8}
# A level shift is accepted as the new normal when ACCEPT_NEEDS of the last ACCEPT_AFTER values were
# outside the range on the same side.
ACCEPT_AFTER: dict[str, int] = {"daily": 7, "weekly": 3, "monthly": 2, "quarterly": 2}
ACCEPT_NEEDS: dict[str, int] = {"daily": 5, "weekly": 3, "monthly": 2, "quarterly": 2}
LEVEL_SPAN: dict[str, int] = {"daily": 14, "weekly": 4, "monthly": 3, "quarterly": 2}
REFIT_EVERY: dict[str, int] = {"daily": 28, "weekly": 1, "monthly": 1, "quarterly": 1}
WINDOW: dict[str, int] = {"daily": 364, "weekly": 3 * 52, "monthly": 48, "quarterly": 24}
SEASON: dict[str, int] = {"daily": 7, "weekly": 52, "monthly": 12, "quarterly": 4}
YEAR_BACK = (364, 728)  # 52 and 104 weeks: the same weekday one and two years earlier
ERROR_MEMORY = 182  # prediction errors the scale is measured on
# Values are judged once this many prediction errors show how well the baseline predicts.
MIN_ERRORS: dict[str, int] = {"daily": 28, "weekly": 12, "monthly": 8, "quarterly": 6}
# STL smoothers (odd lengths): for daily data a weekly shape averaged over about 51 weeks (a steadier shape
# cut the prediction error by a tenth in the benchmark) and a trend over about six weeks.
STL_WINDOWS: dict[str, tuple[int, int]] = {  # (seasonal, trend)
    "daily": (51, 43),
    "weekly": (7, 79),
    "monthly": (7, 19),
    "quarterly": (7, 9),
}
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class ExpectedRange:
    """One period: its value, what was expected and the normal range, and whether it fell outside."""

    period: date
    value: float | None
    expected: float
    low: float
    high: float
    anomalous: bool
    side: Side | None  # above or below the range, when anomalous
    score: float  # (value - expected) / scale: a robust z-score


def detect_anomalies(
    *, values: Sequence[float | None], start: date, grain: Grain, sensitivity: float = SENSITIVITY["medium"]
) -> tuple[ExpectedRange, ...]:
    """Judge each value once the baseline has history and a record of its errors.

    `values[i]` belongs to the period `i` after `start`; the result holds one range per judged period.
    """
    y = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    clean = y.copy()
    deviation = np.full(len(y), np.nan)  # value - expected, for yearly recurrences
    out: list[ExpectedRange] = []
    errors: list[float] = []
    recent: list[tuple[int, Side | None]] = []  # the last judged values, for level shifts
    profile: _Profile | None = None
    for t in range(MIN_HISTORY[grain], len(y)):
        if profile is None or t - profile.origin >= REFIT_EVERY[grain]:
            profile = _fit_profile(clean[:t], grain=grain)
        expected = _expected(clean, t=t, profile=profile, grain=grain)
        if grain == "daily":
            expected += _recurring(deviation, t)
        value = y[t]
        if np.isnan(value):
            clean[t] = expected
            continue
        deviation[t] = value - expected
        if len(errors) < MIN_ERRORS[grain]:  # still learning how well the baseline predicts
            errors.append(value - expected)
            continue
        scale = _scale(errors, expected=expected)
        low, high = expected - sensitivity * scale, expected + sensitivity * scale
        side: Side | None = "above" if value > high else "below" if value < low else None
        out.append(
            _range(start, grain, t, value, expected, low, high, side=side, score=(value - expected) / scale)
        )
        recent = [*recent, (t, side)][-ACCEPT_AFTER[grain] :]
        if side is None:
            errors.append(value - expected)
            continue
        clean[t] = expected  # an anomaly never becomes part of "normal"
        if sum(s == side for _, s in recent) >= ACCEPT_NEEDS[grain]:  # a level shift: the new normal
            _rebase(clean, y=y, deviation=deviation, indexes=[i for i, _ in recent])
            recent, profile = [], None
    return tuple(out)


def _range(
    start: date,
    grain: Grain,
    t: int,
    value: float | None,
    expected: float,
    low: float,
    high: float,
    **kw: object,
) -> ExpectedRange:
    return ExpectedRange(
        period=shift_period(start, grain, t),
        value=value,
        expected=float(expected),
        low=float(low),
        high=float(high),
        anomalous=kw["side"] is not None,
        side=kw["side"],  # type: ignore[arg-type]
        score=float(kw["score"]),  # type: ignore[arg-type]
    )


def _rebase(
    clean: NDArray[np.float64], *, y: NDArray[np.float64], deviation: NDArray[np.float64], indexes: list[int]
) -> None:
    """Accept a level shift: move the history before it by the shift's median size, keep its values.

    The baseline then sees one level with its trend and seasonal shape intact, instead of a step that
    its level would take weeks to climb.
    """
    offset = float(np.nanmedian(deviation[indexes]))
    clean[: indexes[0]] += offset
    clean[indexes] = y[indexes]


def _scale(errors: list[float], *, expected: float) -> float:
    """1.4826 * MAD of the recent prediction errors: a standard deviation that outliers cannot inflate."""
    recent = np.asarray(errors[-ERROR_MEMORY:])
    scale = MAD_TO_SIGMA * float(np.median(np.abs(recent - np.median(recent))))
    return max(scale, 1e-9 * max(1.0, abs(expected)))


@dataclass(frozen=True)
class _Profile:
    """The seasonal shape: `shape[i % period]` is the seasonal effect at index i."""

    origin: int  # the index of the first value it was not fitted on
    period: int
    shape: NDArray[np.float64]

    def at(self, indexes: NDArray[np.int64]) -> NDArray[np.float64]:
        return self.shape[indexes % self.period]


def _fit_profile(history: NDArray[np.float64], *, grain: Grain) -> _Profile:
    """The last cycle of a robust STL's seasonal component, or no shape when two cycles are not there yet."""
    h = _filled(history[-WINDOW[grain] :])
    period = SEASON[grain]
    if len(h) < 2 * period + 1:
        return _Profile(origin=len(history), period=1, shape=np.zeros(1))
    from statsmodels.tsa.seasonal import STL

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seasonal, trend_window = STL_WINDOWS[grain]
        result = STL(h, period=period, seasonal=seasonal, trend=trend_window, robust=True).fit()
    last = np.asarray(result.seasonal)[-period:]
    first_index = len(history) - period
    shape = np.empty(period)
    shape[(first_index + np.arange(period)) % period] = last
    return _Profile(origin=len(history), period=period, shape=shape)


def _expected(clean: NDArray[np.float64], *, t: int, profile: _Profile, grain: Grain) -> float:
    """The deseasonalized level of the last `span` values moved on by its slope, plus the season.

    Level: the 10%-trimmed mean of the last `span` deseasonalized values (anomalies were already replaced,
    the trimming guards against the ones not caught). Slope: that level against the same of the `span`
    values two spans earlier.
    """
    span = LEVEL_SPAN[grain]
    indexes = np.arange(max(0, t - 3 * span), t)
    adjusted = clean[indexes] - profile.at(indexes)
    known = ~np.isnan(adjusted)
    indexes, adjusted = indexes[known], adjusted[known]
    now = indexes >= t - span
    level = _trimmed_mean(adjusted[now] if now.any() else adjusted)
    before = indexes < t - 2 * span
    slope = (level - _trimmed_mean(adjusted[before])) / (2 * span) if before.any() and now.any() else 0.0
    return level + slope * (span + 1) / 2 + float(profile.shape[t % profile.period])


def _trimmed_mean(values: NDArray[np.float64]) -> float:
    from scipy.stats import trim_mean

    return float(trim_mean(values, 0.1))


def _recurring(deviation: NDArray[np.float64], t: int) -> float:
    """A yearly event seen on the same weekday in both previous years: the smaller of the two deviations."""
    if t < YEAR_BACK[-1]:
        return 0.0
    last, before = deviation[t - YEAR_BACK[0]], deviation[t - YEAR_BACK[1]]
    if np.isnan(last) or np.isnan(before) or np.sign(last) != np.sign(before):
        return 0.0
    return float(last if abs(last) < abs(before) else before)


def _filled(h: NDArray[np.float64]) -> NDArray[np.float64]:
    missing = np.isnan(h)
    if not missing.any():
        return h
    if missing.all():
        return np.zeros_like(h)
    idx = np.arange(len(h))
    return np.interp(idx, idx[~missing], h[~missing])
