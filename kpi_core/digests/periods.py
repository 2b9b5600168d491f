"""Which complete period a digest fired at a given moment reports, in the digest's own timezone.

A daily digest at 09:00 on Tuesday reports Monday against Sunday and against the Monday before; a weekly
digest the last complete ISO week against the week before; a monthly digest the last complete month.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from kpi_core.digests.schedule import PeriodKind
from kpi_core.periods import period_end, period_start, shift_period

if TYPE_CHECKING:
    from kpi_core.digests.config import DigestDefinition

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
CHANGE_LABELS: dict[str, str] = {"daily": "DoD", "weekly": "WoW", "monthly": "MoM", "quarterly": "QoQ"}


@dataclass(frozen=True)
class DigestPeriod:
    """The period a digest run reports. `key` identifies the run in the ledger (with the digest name)."""

    kind: PeriodKind
    start: date
    end: date  # inclusive
    compare_start: date  # the period before, inclusive
    compare_end: date
    same_day_last_week: date | None  # daily digests: the same weekday a week earlier
    key: str  # "2026-11-16", "2026-W46", "2026-10", "2026-Q3"
    label: str  # "Monday 16 Nov 2026 (Europe/Berlin)"
    timezone: str
    scheduled_for: datetime  # the fire time this period was derived from (UTC)

    @property
    def change_label(self) -> str:
        """How a change against the compare period is called: DoD, WoW, MoM, QoQ."""
        return CHANGE_LABELS[self.kind]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def digest_period(digest: DigestDefinition, fire_time: datetime) -> DigestPeriod:
    """The period a run of `digest` fired at `fire_time` reports: the last complete one, in its timezone."""
    return period_for(digest.period, fire_time, timezone=digest.timezone)


def period_for(kind: PeriodKind, fire_time: datetime, *, timezone: str, offset: int = 1) -> DigestPeriod:
    """The last complete `kind` period before `fire_time` (local to `timezone`).

    `offset=1` is the period before the one the fire time falls in; `offset=0` is the running one.

    >>> p = period_for("daily", datetime(2026, 11, 17, 8, tzinfo=UTC), timezone="Europe/Berlin")
    >>> p.key, p.label
    ('2026-11-16', 'Monday 16 Nov 2026 (Europe/Berlin)')
    """
    if fire_time.tzinfo is None:
        raise ValueError("fire_time must be timezone-aware")
    local_day = fire_time.astimezone(ZoneInfo(timezone)).date()
    start = shift_period(period_start(local_day, kind), kind, -offset)
    end = period_end(start, kind)
    compare_start = shift_period(start, kind, -1)
    return DigestPeriod(
        kind=kind,
        start=start,
        end=end,
        compare_start=compare_start,
        compare_end=period_end(compare_start, kind),
        same_day_last_week=start - timedelta(days=7) if kind == "daily" else None,
        key=period_key(kind, start),
        label=f"{period_label(kind, start, end)} ({timezone})",
        timezone=timezone,
        scheduled_for=fire_time.astimezone(UTC),
    )


def period_containing(digest: DigestDefinition, day: date, *, scheduled_for: datetime) -> DigestPeriod:
    """The period of `digest` that contains `day` (for `kpibot digest preview/send --date D`).

    >>> period_containing(digest, date(2026, 11, 11), scheduled_for=now).key   # doctest: +SKIP
    '2026-W46'
    """
    start = period_start(day, digest.period)
    after = datetime.combine(
        period_end(start, digest.period) + timedelta(days=1), time(), ZoneInfo(digest.timezone)
    )
    return replace(
        period_for(digest.period, after, timezone=digest.timezone),
        scheduled_for=scheduled_for.astimezone(UTC),
    )


def period_key(kind: PeriodKind, start: date) -> str:
    """The ledger key of the period starting at `start`: 2026-11-16, 2026-W46, 2026-10, 2026-Q3."""
    if kind == "daily":
        return start.isoformat()
    if kind == "weekly":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "monthly":
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def period_label(kind: PeriodKind, start: date, end: date) -> str:
    """A reader's name for the period: "Monday 16 Nov 2026", "Week 46 · 9–15 Nov 2026", "October 2026"."""
    if kind == "daily":
        return f"{_WEEKDAYS[start.weekday()]} {_day(start, year=True)}"
    if kind == "weekly":
        week = start.isocalendar()[1]
        return f"Week {week} · {_date_range(start, end)}"
    if kind == "monthly":
        return f"{_MONTHS[start.month - 1]} {start.year}"
    return f"Q{(start.month - 1) // 3 + 1} {start.year} · {_date_range(start, end)}"


def _date_range(start: date, end: date) -> str:
    if start.year != end.year:
        return f"{_day(start, year=True)} – {_day(end, year=True)}"
    if start.month != end.month:
        return f"{_day(start, year=False)} – {_day(end, year=True)}"
    return f"{start.day}–{_day(end, year=True)}"


def _day(day: date, *, year: bool) -> str:
    text = f"{day.day} {_MONTHS[day.month - 1][:3]}"
    return f"{text} {day.year}" if year else text
