"""Digest schedules: a 5-field cron expression or a readable shorthand, parsed without APScheduler.

The result holds APScheduler-ready `CronTrigger` fields (scheduling/triggers.py builds the trigger).
Day-of-week numbers follow standard cron (0 and 7 are Sunday) and are turned into day *names*,
because APScheduler's own `CronTrigger.from_crontab` reads 0 as Monday.

>>> parse_schedule("weekdays at 09:00").day_of_week
'mon,tue,wed,thu,fri'
>>> parse_schedule("0 9 * * 0").day_of_week
'sun'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

PeriodKind = Literal["daily", "weekly", "monthly", "quarterly"]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # APScheduler order: mon == 0
_CRON_DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_FULL_DAYS = {
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
SHORTHAND_HELP = (
    "use a 5-field cron expression (minute hour day month weekday, e.g. '0 9 * * 1-5') or one of: "
    "'daily at HH:MM', 'weekdays at HH:MM', 'weekly on monday at HH:MM', "
    "'monthly on 1 at HH:MM' (days 1-28), 'monthly on last at HH:MM'"
)


class ScheduleError(ValueError):
    """A schedule that cannot be read; the message says what is wrong and what is accepted."""


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: APScheduler cron fields (day names, not numbers) and the period it implies."""

    text: str
    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str
    period: PeriodKind

    def cron_fields(self) -> dict[str, str]:
        """Keyword arguments for `apscheduler.triggers.cron.CronTrigger` (add `timezone=`)."""
        return {
            "minute": self.minute,
            "hour": self.hour,
            "day": self.day,
            "month": self.month,
            "day_of_week": self.day_of_week,
        }


def parse_schedule(text: str) -> Schedule:
    """Read `daily at 09:00`, `weekdays at 09:00`, `weekly on monday at 09:00`, `monthly on 1 at 08:00`,
    `monthly on last at 17:00` or a 5-field cron expression. Raises ScheduleError.
    """
    if not isinstance(text, str) or not text.strip():
        raise ScheduleError(f"a schedule is required: {SHORTHAND_HELP}")
    cleaned = " ".join(text.strip().split())
    if len(cleaned.split(" ")) == 5 and (cleaned[0].isdigit() or cleaned[0] == "*"):
        return _parse_cron(cleaned)
    return _parse_shorthand(cleaned)


# -- shorthand ------------------------------------------------------------------------------------

_TIME = r"(?P<hh>\d{1,2}):(?P<mm>\d{2})"
_SHORTHANDS = (
    (re.compile(rf"(?:daily|every day) at {_TIME}"), "daily"),
    (re.compile(rf"(?:weekdays|every weekday|weekdays only) at {_TIME}"), "weekdays"),
    (re.compile(rf"(?:weekly on|every) (?P<dow>[a-z]+?)s? at {_TIME}"), "weekly"),
    (re.compile(rf"monthly on (?:the )?(?P<dom>\w+) at {_TIME}"), "monthly"),
)


def _parse_shorthand(text: str) -> Schedule:
    lowered = text.lower()
    for pattern, form in _SHORTHANDS:
        match = pattern.fullmatch(lowered)
        if match is None:
            continue
        hour, minute = _clock_time(match["hh"], match["mm"], text)
        fields = {"minute": str(minute), "hour": str(hour), "day": "*", "month": "*", "day_of_week": "*"}
        period: PeriodKind = "daily"
        if form == "weekdays":
            fields["day_of_week"] = ",".join(DAY_NAMES[:5])
        elif form == "weekly":
            fields["day_of_week"] = _day_name(match["dow"], text)
            period = "weekly"
        elif form == "monthly":
            fields["day"] = _day_of_month(match["dom"], text)
            period = "monthly"
        return Schedule(text=text, period=period, **fields)
    raise ScheduleError(f"{text!r} is not a schedule: {SHORTHAND_HELP}")


def _clock_time(hh: str, mm: str, text: str) -> tuple[int, int]:
    hour, minute = int(hh), int(mm)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"{text!r}: {hh}:{mm} is not a time of day (use 24-hour HH:MM, 00:00-23:59)")
    return hour, minute


def _day_name(word: str, text: str) -> str:
    if word in _FULL_DAYS:
        return _FULL_DAYS[word]
    if word in _CRON_DAYS:
        return word
    raise ScheduleError(f"{text!r}: {word!r} is not a day of the week (monday ... sunday)")


def _day_of_month(word: str, text: str) -> str:
    if word == "last":
        return "last"
    number = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", word)
    if number is None:
        raise ScheduleError(f"{text!r}: {word!r} is not a day of the month (1-28 or last)")
    day = int(number[1])
    if 29 <= day <= 31:
        # Cron would silently skip the months that lack this day; say so instead of surprising anyone.
        raise ScheduleError(
            f"{text!r}: day {day} does not exist in every month; use 'monthly on last at ...' for the "
            "last day of each month, or a day from 1 to 28"
        )
    if not 1 <= day <= 28:
        raise ScheduleError(f"{text!r}: {day} is not a day of the month (1-28 or last)")
    return str(day)


# -- cron -----------------------------------------------------------------------------------------

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("day of week", 0, 7))


def _parse_cron(text: str) -> Schedule:
    parts = text.split(" ")
    sets = [
        _expand(part, name, low, high, text) for part, (name, low, high) in zip(parts, _FIELDS, strict=True)
    ]
    minutes, hours, days, months, weekdays = sets
    weekdays = {0 if day == 7 else day for day in weekdays}
    day_restricted = days != set(range(1, 32))
    dow_restricted = weekdays != set(range(7))
    if day_restricted and dow_restricted:
        # Standard cron fires on *either* field, APScheduler only when *both* match: refuse the ambiguity.
        raise ScheduleError(
            f"{text!r}: restricting both the day of the month and the day of the week is ambiguous "
            "(cron fires on either, APScheduler on both); restrict only one of them"
        )
    day_of_week = "*"
    if dow_restricted:
        # Cron counts 0 (and 7) as Sunday; APScheduler names are unambiguous.
        names = {("sun", "mon", "tue", "wed", "thu", "fri", "sat")[d] for d in weekdays}
        day_of_week = ",".join(name for name in DAY_NAMES if name in names)
    period: PeriodKind = "daily"
    if day_restricted:
        period = "monthly"
    elif dow_restricted and len(weekdays) == 1:
        period = "weekly"
    return Schedule(
        text=text,
        minute=_render(minutes, 0, 59),
        hour=_render(hours, 0, 23),
        day=_render(days, 1, 31),
        month=_render(months, 1, 12),
        day_of_week=day_of_week,
        period=period,
    )


def _render(values: set[int], low: int, high: int) -> str:
    if values == set(range(low, high + 1)):
        return "*"
    return ",".join(str(v) for v in sorted(values))


def _expand(part: str, name: str, low: int, high: int, text: str) -> set[int]:
    """The values one cron field allows: `*`, `N`, `A-B`, `*/S`, `A-B/S`, `N/S` and comma lists."""
    values: set[int] = set()
    for item in part.lower().split(","):
        match = re.fullmatch(r"(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?", item)
        if match is None:
            raise ScheduleError(f"{text!r}: {item!r} is not a valid {name} field ({SHORTHAND_HELP})")
        span, step_text = match[1], match[2]
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ScheduleError(f"{text!r}: the step in {item!r} must be at least 1")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (_value(token, name, low, high, text) for token in span.split("-"))
            if first > last:
                raise ScheduleError(f"{text!r}: the range {span!r} in the {name} field runs backwards")
        else:
            first = _value(span, name, low, high, text)
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return values


def _value(token: str, name: str, low: int, high: int, text: str) -> int:
    if name == "month" and token[:3] in _MONTHS and token.isalpha():
        return _MONTHS[token[:3]]
    if name == "day of week" and token.isalpha():
        word = _FULL_DAYS.get(token, token)
        if word in _CRON_DAYS:
            return _CRON_DAYS[word]
    if not token.isdigit():
        raise ScheduleError(f"{text!r}: {token!r} is not a valid {name}")
    number = int(token)
    if not low <= number <= high:
        extra = " (0 and 7 are Sunday)" if name == "day of week" else ""
        raise ScheduleError(f"{text!r}: {name} {number} is out of range {low}-{high}{extra}")
    return number


# -- durations ------------------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str | int | float | timedelta) -> timedelta:
    """Read `6h`, `30m`, `90 minutes`, `1d`, `1h30m` (a bare number is seconds).

    >>> parse_duration("1h30m")
    datetime.timedelta(seconds=5400)
    """
    if isinstance(text, timedelta):
        return text
    if isinstance(text, int | float) and not isinstance(text, bool):
        try:
            return timedelta(seconds=text)
        except (OverflowError, ValueError):  # inf, nan, 1e300
            raise ValueError(f"{text!r} is not a duration (e.g. 6h, 30m, 1d)") from None
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a duration (e.g. 6h, 30m, 1d)")
    cleaned = text.strip().lower().replace(" ", "")
    parts = re.findall(r"(\d+)(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)", cleaned)
    if not parts or "".join(a + b for a, b in parts) != cleaned:
        raise ValueError(f"{text!r} is not a duration (e.g. 6h, 30m, 1d, 1h30m)")
    try:
        return timedelta(seconds=sum(int(n) * _UNITS[unit[0]] for n, unit in parts))
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration (e.g. 6h, 30m, 1d)") from None
