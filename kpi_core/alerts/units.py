"""Durations (`4h`, `90 minutes`) and unit conversion of condition values (`500 ms` for a KPI in seconds)."""

from __future__ import annotations

import re
from datetime import timedelta

from kpi_core.alerts.phrases import PhraseError

_TIME_SECONDS: dict[str, float] = {"ms": 0.001, "seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_DURATION_SECONDS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1}
_DURATION_SECONDS |= {w: 60 for w in ("m", "min", "mins", "minute", "minutes")}
_DURATION_SECONDS |= {w: 3600 for w in ("h", "hr", "hrs", "hour", "hours")}
_DURATION_SECONDS |= {w: 86400 for w in ("d", "day", "days")}
_DURATION_SECONDS |= {w: 604800 for w in ("w", "week", "weeks")}


MAX_DURATION = timedelta(days=366)


def parse_duration(value: int | float | str | timedelta, *, default_unit: str = "minutes") -> timedelta:
    """`"4h"`, `"1h30m"`, `"90 minutes"`, `"2d"`; a bare number is in `default_unit` (minutes).

    Between 0 and a year (MAX_DURATION); raises PhraseError otherwise.
    """
    try:
        duration = _read_duration(value, default_unit=default_unit)
    except (OverflowError, ValueError):  # inf, nan, 1e300 hours
        duration = None
    if duration is None or not timedelta(0) <= duration <= MAX_DURATION:
        raise PhraseError(f"{value!r} is not a duration between 0 and 366 days: write 30m, 4h, 1d")
    return duration


def _read_duration(value: int | float | str | timedelta, *, default_unit: str) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise PhraseError(f"{value!r} is not a duration: write 30m, 4h, 1d")
    if isinstance(value, int | float):
        return timedelta(seconds=float(value) * _DURATION_SECONDS[default_unit])
    text = " ".join(str(value).lower().split())
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return timedelta(seconds=float(text) * _DURATION_SECONDS[default_unit])
    parts = _DURATION_PART.findall(text)
    if (
        not parts
        or _DURATION_PART.sub("", text).strip(" ,and")
        or any(u not in _DURATION_SECONDS for _, u in parts)
    ):
        raise PhraseError(f"cannot read the duration {value!r}: write 30m, 4h, 1h30m, 2d or 90 minutes")
    return timedelta(seconds=sum(float(n) * _DURATION_SECONDS[u] for n, u in parts))


def convert_value(value: float, unit: str | None, kpi_unit: str) -> float:
    """Convert a condition's value into the KPI's unit: 500 ms for a `seconds` KPI is 0.5.

    Raises PhraseError when the units cannot be compared (a % against a count, $ against EUR).
    """
    if unit is None or unit == kpi_unit:
        return value
    if unit == "percent" and kpi_unit == "percent":
        return value
    if unit == "points" and kpi_unit in ("percent", "score", "count"):
        return value
    if unit in _TIME_SECONDS and kpi_unit in _TIME_SECONDS:
        return value * _TIME_SECONDS[unit] / _TIME_SECONDS[kpi_unit]
    written = {"percent": "a percentage", "points": "points", "ms": "a time"}.get(unit, unit)
    if unit in _TIME_SECONDS:
        written = "a time"
    raise PhraseError(f"the value is {written} but the KPI is measured in {kpi_unit}")
