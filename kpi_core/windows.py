"""Time windows for series and charts: "30d", "12w", "6m", "4q", "1y", "ytd", "all".

A window of N units covers the N units that end on the snapshot date. It includes every period that
*starts* inside it, and always the period containing the date itself. So "6m" of a monthly KPI is six
points (this month and the five before it), "12w" of a weekly KPI twelve, "1y" of a quarterly KPI four;
a window shorter than one period (say "30d" of a quarterly KPI) still shows the current period.
"ytd" starts with the first period that starts on or after 1 January; "all" is all history.

>>> parse_window(" 6 M ").start(date(2026, 11, 19), "monthly")
datetime.date(2026, 6, 1)
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from kpi_core.config.models import Grain
from kpi_core.periods import period_start, shift_period

VALID_FORMS = "a number and a unit (30d, 12w, 6m, 4q, 1y), ytd or all"
_UNITS: dict[str, str] = {
    **dict.fromkeys(("d", "day", "days"), "d"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "w"),
    **dict.fromkeys(("m", "mo", "mos", "month", "months"), "m"),
    **dict.fromkeys(("q", "qtr", "qtrs", "quarter", "quarters"), "q"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "y"),
}
_WORDS: dict[str, str] = {
    "ytd": "ytd",
    "yeartodate": "ytd",
    "all": "all",
    "alltime": "all",
    "allhistory": "all",
}
_MAX_COUNT = {"d": 36_600, "w": 5_200, "m": 1_200, "q": 400, "y": 100}  # a century is plenty
_UNIT_NAMES = {"d": "day", "w": "week", "m": "month", "q": "quarter", "y": "year"}
_DEFAULTS: dict[str, str] = {"daily": "90d", "weekly": "26w", "monthly": "12m", "quarterly": "2y"}
_SPEC = re.compile(r"^(\d+)([a-z]+)$")


class WindowError(ValueError):
    """A window the user typed that is not one; str() says what would have worked."""


@dataclass(frozen=True)
class Window:
    """A parsed window; `spec` is canonical ("30d", "ytd", "all"). Build one with `parse_window`."""

    spec: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "spec", _canonical(self.spec))

    @property
    def label(self) -> str:
        """For people: "last 30 days", "year to date", "all history"."""
        if self.spec == "all":
            return "all history"
        if self.spec == "ytd":
            return "year to date"
        count, unit = _split(self.spec)
        name = _UNIT_NAMES[unit]
        return f"last {name}" if count == 1 else f"last {count} {name}s"

    def start(self, at: date, grain: Grain) -> date | None:
        """The start of the first period included at `at`, or None for all history."""
        if self.spec == "all":
            return None
        current = period_start(at, grain)
        if self.spec == "ytd":
            opens = date(at.year, 1, 1)
        else:
            count, unit = _split(self.spec)
            try:
                opens = _minus(at, count, unit) + timedelta(days=1)
            except (OverflowError, ValueError):  # before year 1: that is all history
                return None
        first = period_start(opens, grain)
        if first < opens:
            first = shift_period(first, grain, 1)
        return min(first, current)


def parse_window(text: str) -> Window:
    """Read a window the way people type it: "30d", "12 W", "6 months", "YTD", "all".

    Raises WindowError with the valid forms when the text is not a window.
    """
    return Window(text)


def default_window(grain: Grain) -> Window:
    """What a chart shows when nobody asked: 90 days, 26 weeks, 12 months or 2 years (8 quarters)."""
    return Window(_DEFAULTS[grain])


def _canonical(text: str) -> str:
    if not isinstance(text, str):
        raise WindowError(f"{text!r} is not a window: use {VALID_FORMS}")
    if not text.strip():
        raise WindowError(f"No window given: use {VALID_FORMS}")
    squeezed = re.sub(r"\s+", "", text.lower())
    word = re.sub(r"[_\-]+", "", squeezed)
    if word in _WORDS:
        return _WORDS[word]
    match = _SPEC.match(squeezed)
    if not match or match.group(2) not in _UNITS:
        raise WindowError(f"'{text.strip()}' is not a window: use {VALID_FORMS}")
    count, unit = int(match.group(1)), _UNITS[match.group(2)]
    if count == 0:
        raise WindowError(f"'{text.strip()}' is an empty window: the number must be at least 1, as in 30d")
    if count > _MAX_COUNT[unit]:
        raise WindowError(f"'{text.strip()}' is too long: use at most {_MAX_COUNT[unit]}{unit}, or all")
    return f"{count}{unit}"


def _split(spec: str) -> tuple[int, str]:
    return int(spec[:-1]), spec[-1]


def _minus(at: date, count: int, unit: str) -> date:
    """`at` moved back by count units; month arithmetic keeps the day, clamped to the month's end."""
    if unit == "d":
        return at - timedelta(days=count)
    if unit == "w":
        return at - timedelta(weeks=count)
    months = count * {"m": 1, "q": 3, "y": 12}[unit]
    index = at.year * 12 + at.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(at.day, calendar.monthrange(year, month)[1]))
