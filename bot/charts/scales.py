"""Axis arithmetic: period positions and labels on x, value ranges, ticks and labels on y.

Positions on x are proleptic ordinals of period starts (plain floats, cheaper than matplotlib.dates).
Labels are built here rather than with strftime so they do not depend on the machine's locale.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import date

from matplotlib.ticker import MaxNLocator

from kpi_core.config.models import Grain
from kpi_core.format import format_value
from kpi_core.periods import period_start, periods_between, shift_period

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_STEPS: dict[str, tuple[int, ...]] = {
    "daily": (1, 2, 3, 7, 14, 28),
    "weekly": (1, 2, 4, 8, 13, 26, 52),
    "monthly": (1, 2, 3, 4, 6, 12, 24),
    "quarterly": (1, 2, 4, 8, 12),
}
_NOMINAL_DAYS: dict[str, float] = {"daily": 1.0, "weekly": 7.0, "monthly": 30.44, "quarterly": 91.31}
# A daily series longer than this is labelled by month ("Mar '26") rather than by day.
_DAILY_BY_MONTH_AFTER_DAYS = 62
# The target (or a progression) joins the y range only while the data keeps >= 40 % of the height.
_MIN_DATA_SHARE = 0.4


def x_of(day: date) -> float:
    return float(day.toordinal())


def period_width(start: date, grain: Grain) -> float:
    """Length of the period starting at `start`, in days (the x unit)."""
    return float((shift_period(start, grain, 1) - start).days)


def tick_label(day: date, grain: Grain, *, with_year: bool) -> str:
    """A short axis label: "Jan '26", "Q3 '26", "W12" ("W12 '26"), "Mar 3" ("Mar 3 '26")."""
    year = f" '{day.year % 100:02d}"
    if grain == "monthly":
        return f"{MONTHS[day.month - 1]}{year}"
    if grain == "quarterly":
        return f"Q{(day.month - 1) // 3 + 1}{year}"
    if grain == "weekly":
        iso = day.isocalendar()
        return f"W{iso.week:02d}" + (f" '{iso.year % 100:02d}" if with_year else "")
    return f"{MONTHS[day.month - 1]} {day.day}" + (year if with_year else "")


def long_label(day: date, grain: Grain) -> str:
    """A period spelled out for alt text: "Dec 2025", "Q3 2026", "W12 2026", "Mar 3, 2026"."""
    if grain == "monthly":
        return f"{MONTHS[day.month - 1]} {day.year}"
    if grain == "quarterly":
        return f"Q{(day.month - 1) // 3 + 1} {day.year}"
    if grain == "weekly":
        iso = day.isocalendar()
        return f"W{iso.week:02d} {iso.year}"
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def x_limits(first: date, last: date, grain: Grain) -> tuple[float, float]:
    """The x range: half a period of room either side, so bars and end points are not cut."""
    return (
        x_of(first) - period_width(first, grain) / 2,
        x_of(last) + period_width(last, grain) / 2,
    )


def x_ticks(first: date, last: date, grain: Grain, *, min_spacing_days: float) -> list[tuple[float, str]]:
    """Evenly stepped labels at least `min_spacing_days` apart, always including the latest period."""
    label_grain: Grain = grain
    if grain == "daily" and (last - first).days > _DAILY_BY_MONTH_AFTER_DAYS:
        label_grain = "monthly"
        start = period_start(first, "monthly")
        candidates = periods_between(
            start if start >= first else shift_period(start, "monthly", 1), last, "monthly"
        )
    else:
        candidates = periods_between(first, last, grain)
    if not candidates:
        candidates = [first]
    nominal = _NOMINAL_DAYS[label_grain]
    step = next(
        (s for s in _STEPS[label_grain] if s * nominal >= min_spacing_days),
        max(1, math.ceil(min_spacing_days / nominal)),
    )
    chosen = candidates[::-1][::step][::-1]
    out: list[tuple[float, str]] = []
    previous_year: int | None = None
    for day in chosen:
        year = day.isocalendar().year if label_grain == "weekly" else day.year
        # Weeks need the year on the first label; any label where the year turns gets it too.
        with_year = (previous_year is None and label_grain == "weekly") or (
            previous_year is not None and year != previous_year
        )
        out.append((x_of(day), tick_label(day, label_grain, with_year=with_year)))
        previous_year = year
    return out


def widest_tick_label(grain: Grain, first: date, last: date) -> str:
    """A representative widest label, for measuring how many fit."""
    if grain == "daily" and (last - first).days > _DAILY_BY_MONTH_AFTER_DAYS:
        return "Mar '26"
    return {"monthly": "May '26", "quarterly": "Q4 '26", "weekly": "W48 '26", "daily": "Mar 28"}[grain]


def value_range(
    values: Sequence[float], *, extras: Sequence[float] = (), from_zero: bool = False, headroom: float = 0.14
) -> tuple[float, float, list[float], list[float]]:
    """(low, high, ticks, extras kept in view) for values plus optional reference lines.

    A line starts at zero when its minimum is under half its maximum (so shapes are not exaggerated);
    bars always start at zero. Extras that would squeeze the data below 40 % of the height are left out.
    """
    lo, hi = min(values), max(values)
    data_span = hi - lo if hi > lo else max(abs(hi), 1.0) * 0.2
    kept: list[float] = []
    for extra in extras:
        new_lo, new_hi = min(lo, extra), max(hi, extra)
        if data_span / max(new_hi - new_lo, data_span) >= _MIN_DATA_SHARE:
            lo, hi = new_lo, new_hi
            kept.append(extra)
    if from_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    elif lo >= 0 and lo <= 0.5 * hi:
        lo = 0.0
    if hi == lo:
        lo, hi = lo - data_span / 2, hi + data_span / 2
        if min(values) >= 0:
            lo = max(lo, 0.0)
    span = hi - lo
    if not (from_zero and hi == 0):  # bars that all hang below zero need no room above it
        hi += headroom * span
    if lo != 0:
        lo -= 0.06 * span
        if min(values) >= 0 and lo < 0:
            lo = 0.0
    ticks = [float(t) for t in MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)]
    # The ends snap out to a tick only when it is close: a range of 0-305 ends at 305 with a 300 gridline,
    # and 299K-534K stays there rather than dropping to 200K and wasting a third of the height.
    below = max((t for t in ticks if t <= lo + 1e-9 * span), default=lo)
    low = below if lo - below <= 0.06 * (hi - lo) else lo
    above = min((t for t in ticks if t >= hi - 1e-9 * span), default=hi)
    high = above if above - hi <= 0.06 * (hi - low) else hi
    inside = [t for t in ticks if low - 1e-9 * span <= t <= high + 1e-9 * span]
    return low, high, inside, kept


# Units whose formatted value carries a word or a denominator ("45 days", "4.5/5"): on an axis that is
# repeated on every tick, so ticks show the bare number; the last-value label and the header keep the unit.
_BARE_TICK_UNITS = frozenset({"days", "hours", "minutes", "score"})


def value_labels(ticks: Sequence[float], unit: str, *, scale: float | None = None) -> list[str]:
    """Compact labels ("$1.2M", "3.2%", "45K") through kpi_core.format, all with the same decimals."""
    if unit in _BARE_TICK_UNITS:
        unit, scale = "count", None
    decimals: int | None = None
    if any(not float(t).is_integer() for t in ticks):
        step = min((b - a for a, b in itertools.pairwise(ticks)), default=1.0) or 1.0
        decimals = _places(step)
        if _is_currency(unit):
            decimals = 2  # money below 1 shows cents, not "$0.5"
    labels: list[str] = []
    for extra in (0, 1, 2):
        places = None if decimals is None and extra == 0 else (decimals or 0) + extra
        labels = [format_value(_clean(t), unit, scale=scale, decimals=places, compact=True) for t in ticks]
        if len(set(labels)) == len(labels):
            return labels
    return labels


def _places(step: float) -> int:
    for places in range(6):
        if abs(round(step * 10**places) - step * 10**places) < 1e-6 * 10**places:
            return places
    return 6


def _is_currency(unit: str) -> bool:
    return len(unit) == 3 and unit.isupper()


def _clean(value: float) -> float:
    # MaxNLocator can return -0.0 or 0.30000000000000004; keep labels tidy.
    rounded = round(value, 9)
    return 0.0 if rounded == 0 else rounded
