"""Calendar arithmetic for KPI grains: period starts, steps and change labels."""

from __future__ import annotations

from datetime import date, timedelta

from kpi_core.config.models import Grain

CHANGE_LABELS: dict[str, str] = {"daily": "DoD", "weekly": "WoW", "monthly": "MoM", "quarterly": "QoQ"}
PERIODS_PER_YEAR: dict[str, int] = {"daily": 365, "weekly": 52, "monthly": 12, "quarterly": 4}


def period_start(day: date, grain: Grain) -> date:
    """The first day of the period that contains `day` (ISO weeks start on Monday).

    >>> period_start(date(2026, 11, 19), "monthly")
    datetime.date(2026, 11, 1)
    """
    if grain == "daily":
        return day
    if grain == "weekly":
        return day - timedelta(days=day.weekday())
    if grain == "monthly":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def shift_period(start: date, grain: Grain, steps: int) -> date:
    """The start of the period `steps` periods after (or before, if negative) the one at `start`."""
    start = period_start(start, grain)
    if grain == "daily":
        return start + timedelta(days=steps)
    if grain == "weekly":
        return start + timedelta(weeks=steps)
    months = steps * (3 if grain == "quarterly" else 1)
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_end(start: date, grain: Grain) -> date:
    """The last day of the period that starts at `start`."""
    return shift_period(start, grain, 1) - timedelta(days=1)


def periods_between(first: date, last: date, grain: Grain) -> list[date]:
    """Every period start from the period of `first` to the period of `last`, inclusive."""
    out: list[date] = []
    current = period_start(first, grain)
    last = period_start(last, grain)
    while current <= last:
        out.append(current)
        current = shift_period(current, grain, 1)
    return out


def max_age(grain: Grain) -> timedelta:
    """How old the newest period may be before the data counts as stale: one full period plus slack."""
    return {
        "daily": timedelta(days=2),
        "weekly": timedelta(days=8 + 2),
        "monthly": timedelta(days=31 + 5),
        "quarterly": timedelta(days=92 + 10),
    }[grain]


def period_label(start: date, grain: Grain) -> str:
    """How people name a period: `Sat 21 Nov 2026`, `Week of 16 Nov 2026`, `Nov 2026`, `Q4 2026`."""
    if grain == "daily":
        return start.strftime("%a %-d %b %Y")
    if grain == "weekly":
        return "Week of " + start.strftime("%-d %b %Y")
    if grain == "monthly":
        return start.strftime("%b %Y")
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def year_earlier(start: date, grain: Grain) -> date:
    """The period a year before the one at `start`, for year-over-year comparisons.

    Daily: the same calendar date (29 February compares with 28 February). Weekly: 52 weeks earlier,
    so the weekday matches. Monthly and quarterly: the same month or quarter of the previous year.
    """
    start = period_start(start, grain)
    if grain == "daily":
        day = 28 if (start.month, start.day) == (2, 29) else start.day
        return date(start.year - 1, start.month, day)
    return shift_period(start, grain, -(52 if grain == "weekly" else PERIODS_PER_YEAR[grain]))
