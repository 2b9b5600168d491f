"""The demo's time axis: which days have data, trend and seasonality factors, and the planted incidents.

Everything that depends on `end` is derived here, so the simulation modules only ask questions like
"how far into the history is this day" or "is this day inside the page-load incident".
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from kpi_core.periods import period_end, period_start, shift_period

Row = tuple[object, ...]

# B2B usage: busy weekdays, quiet weekends (Monday = 0).
USAGE_WEEKDAY = (1.0, 1.03, 1.03, 0.98, 0.88, 0.2, 0.17)
# Web visits and trial signups: weekends are quieter but not empty.
WEB_WEEKDAY = (1.1, 1.14, 1.12, 1.06, 0.95, 0.8, 0.83)
# Buying season by calendar month: summer and December are slow, January and September pick up.
YEARLY = {1: 1.06, 2: 1.03, 3: 1.04, 4: 1.0, 5: 0.99, 6: 0.96, 7: 0.92, 8: 0.88, 9: 1.06, 10: 1.05}
YEARLY |= {11: 1.02, 12: 0.86}


@dataclass(frozen=True)
class IncidentPlan:
    """The problems planted in the recent past, all relative to `end` (see WarehouseSummary.incidents)."""

    churn_spike_month: date  # two months before the month of `end`
    churn_after_month: date  # the month after the spike, still elevated
    spike_churn_rate: float = 6.5
    after_churn_rate: float = 5.0
    spike_ticket_rate: float = 44.0  # support tickets per 100 customers in the spike month
    spike_nps: float = 42.0
    after_nps: float = 41.0
    onboarding_break: date = date.min  # trials ending on/after this day convert badly, onboarding is slow
    broken_trial_conversion: float = 0.105
    outages: tuple[tuple[date, int], ...] = ()  # (day, minutes down)
    old_outage: tuple[date, int] = (date.min, 0)
    slow_pages_from: date = date.min  # page loads degrade from this day to `end`
    slow_page_factors: tuple[float, ...] = (1.5, 1.75, 1.9, 2.0, 2.05, 2.1)


@dataclass(frozen=True)
class Timeline:
    """Days with data: from the Monday on or before the first reported month to `end`, inclusive."""

    end: date
    months: int
    first_month: date
    start: date
    month_starts: tuple[date, ...]
    plan: IncidentPlan = field(compare=False)

    @classmethod
    def ending(cls, end: date, months: int) -> Timeline:
        if months < 6:
            raise ValueError(f"the demo warehouse needs at least 6 months of history, not {months}")
        last_month = period_start(end, "monthly")
        first_month = shift_period(last_month, "monthly", -(months - 1))
        month_starts = tuple(shift_period(first_month, "monthly", step) for step in range(months))
        plan = IncidentPlan(
            churn_spike_month=shift_period(last_month, "monthly", -2),
            churn_after_month=shift_period(last_month, "monthly", -1),
            onboarding_break=end - timedelta(days=30),
            outages=((end - timedelta(days=9), 118), (end, 26)),  # the second one is still open
            old_outage=(shift_period(first_month, "monthly", months // 3) + timedelta(days=10), 52),
            slow_pages_from=end - timedelta(days=5),
        )
        return cls(end, months, first_month, period_start(first_month, "weekly"), month_starts, plan)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.day_count)]

    @property
    def day_count(self) -> int:
        return (self.end - self.start).days + 1

    def index(self, day: date) -> int:
        """The position of `day` in `days` (negative before the data starts)."""
        return (day - self.start).days

    def progress(self, day: date) -> float:
        """0 at the first reported month, 1 at `end`: drives the slow trends (better onboarding...)."""
        span = (self.end - self.first_month).days or 1
        return min(1.0, max(0.0, (day - self.first_month).days / span))

    def months_in(self, day: date) -> float:
        """Months since the first reported month (fractional, negative before it)."""
        return (day - self.first_month).days / 30.44

    def month_days(self, month: date) -> list[date]:
        """The days of `month` that have data (all of them but for the month of `end`)."""
        last = min(period_end(month, "monthly"), self.end)
        return [month + timedelta(days=offset) for offset in range((last - month).days + 1)]

    def calendar_rows(self) -> list[Row]:
        return [
            (
                day,
                period_start(day, "weekly"),
                period_start(day, "monthly"),
                period_start(day, "quarterly"),
                day.isoweekday(),
            )
            for day in self.days
        ]

    def reporting_period_rows(self) -> list[Row]:
        rows: list[Row] = []
        weeks = [self.start + timedelta(weeks=step) for step in range((self.end - self.start).days // 7 + 1)]
        for grain, starts in (("monthly", self.month_starts), ("weekly", tuple(weeks))):
            for start in starts:
                last = period_end(start, grain)  # type: ignore[arg-type]
                length = (last - start).days + 1
                as_of = min(last, self.end)
                elapsed = (as_of - start).days + 1
                rows.append((grain, start, last, start, as_of, elapsed, length))  # running: to date
        return rows


def usage_factor(day: date) -> float:
    """How busy the product is on `day` relative to an ordinary Tuesday-ish weekday."""
    factor = USAGE_WEEKDAY[day.weekday()]
    if (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1):
        factor *= 0.45
    elif day.month == 8:
        factor *= 0.92
    return factor


def stochastic_round(rng: random.Random, value: float) -> int:
    """Round up with probability equal to the fractional part: unbiased counts from rates."""
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)


def company_name(rng: random.Random, number: int) -> str:
    first = ("Acme", "Blue", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper")
    second = ("Logistics", "Health", "Retail", "Labs", "Foods", "Energy", "Media", "Finance", "Travel")
    return f"{rng.choice(first)} {rng.choice(second)} #{number}"
