"""The money side of the demo: the monthly ledger (revenue and costs), the cash balance and a raise.

Revenue is recognised from the subscriptions day by day; costs follow the plan (an S&M budget sized
for the expected new customers, hiring in R&D and G&A). The month of `end` is month to date.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from kpibot_demo.data.business import PLANS, Customer
from kpibot_demo.data.timeline import Row, Timeline
from kpi_core.periods import period_end, period_start, shift_period

OPENING_CASH = 6_000_000.0
SERIES_B = 12_000_000.0
COST_SPLITS = {
    "cogs": (("hosting", 0.55), ("support_team", 0.35), ("data_providers", 0.10)),
    "sales_marketing": (
        ("sales_payroll", 0.45),
        ("sales_commissions", 0.13),
        ("marketing_payroll", 0.30),
        ("marketing_programs", 0.12),
    ),
}


def series_b_day(timeline: Timeline) -> date:
    return shift_period(timeline.first_month, "monthly", min(11, timeline.months - 2)) + timedelta(days=14)


def daily_mrr(timeline: Timeline, customers: list[Customer]) -> list[float]:
    """MRR on each day with data, from every customer's subscription changes."""
    deltas = [0.0] * (timeline.day_count + 1)
    for customer in customers:
        ends = [day for day, *_ in customer.changes[1:]] + [customer.churned]
        for (started, plan, seats, _change), ended in zip(customer.changes, ends, strict=True):
            first = max(0, timeline.index(started))
            last = timeline.day_count if ended is None else min(timeline.day_count, timeline.index(ended))
            if first < last:
                mrr = round(seats * PLANS[plan][1], 2)
                deltas[first] += mrr
                deltas[last] -= mrr
    out, running = [], 0.0
    for delta in deltas[:-1]:
        running += delta
        out.append(running)
    return out


def ledger_rows(
    timeline: Timeline, rng: random.Random, *, customers: list[Customer], planned_new: dict[date, float]
) -> tuple[list[Row], list[Row]]:
    """The `ledger` and `cash_balances` rows."""
    mrr = daily_mrr(timeline, customers)
    ledger: list[Row] = []
    balances: list[Row] = []
    cash = OPENING_CASH
    raise_day = series_b_day(timeline)
    for number, month in enumerate(timeline.month_starts):
        days = timeline.month_days(month)
        length = (period_end(month, "monthly") - month).days + 1
        elapsed = len(days) / length
        posted = days[-1]
        progress = timeline.progress(month)
        revenue = sum(mrr[timeline.index(day)] for day in days) / length
        entries: list[tuple[str, str, float]] = [("subscriptions", "revenue", revenue)]
        cogs = revenue * (0.235 - 0.045 * progress + rng.gauss(0, 0.006))
        cac_plan = 10_500.0 - 1_800.0 * progress
        # planned_new already stops at `end`: the budget of the running month is month to date.
        selling = planned_new.get(month, 0.0) * cac_plan * rng.uniform(0.97, 1.03)
        for category, total in (("cogs", cogs), ("sales_marketing", selling)):
            entries += [(account, category, total * share) for account, share in COST_SPLITS[category]]
        engineering = 78_000.0 * math.exp(0.045 * number) * elapsed
        entries += [
            ("engineering_payroll", "rnd", engineering),
            ("product_design_payroll", "rnd", engineering * 0.25),
            ("gna_payroll", "gna", 30_000.0 * math.exp(0.035 * number) * elapsed),
            ("office_and_tools", "gna", 9_000.0 * math.exp(0.03 * number) * elapsed),
        ]
        if month <= raise_day <= posted:
            entries.append(("equity_financing", "financing", SERIES_B))
        for account, category, amount in entries:
            ledger.append((len(ledger) + 1, month, posted, account, category, round(amount, 2)))
            cash += amount if category in ("revenue", "financing") else -amount
        balances.append((posted, round(cash, 2)))
    return ledger, balances


def employee_satisfaction(timeline: Timeline, rng: random.Random) -> list[tuple[date, float]]:
    """The quarterly engagement survey (a push KPI: the HR tool is not in the warehouse)."""
    quarter = period_start(timeline.first_month, "quarterly")
    out = []
    while quarter <= timeline.end:
        value = 3.7 + 0.5 * timeline.progress(quarter) + rng.gauss(0, 0.05)
        out.append((quarter, round(value, 1)))
        quarter = shift_period(quarter, "quarterly", 1)
    return out
