"""Account health in the demo: each customer's engagement month by month, the monthly account snapshots
the churn model learns from, and the first use of each feature (for adoption cohorts).

Engagement is a latent 0..1 level per customer that drifts (AR(1)) around the customer's own base.
`business.py` weights each month's churn by the level at the end of the month before, and the
snapshots are drawn from that same level, so the features really predict churn (the demo model has a
signal to find), while no feature is computed from the outcome.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from kpibot_demo.data.timeline import Row, Timeline
from kpi_core.periods import period_end

if TYPE_CHECKING:  # business.py imports this module
    from kpibot_demo.data.business import Customer
    from kpibot_demo.data.product import User

FEATURE_NAMES = {  # the product analytics export's names for the columns of user_activity_monthly
    "dashboards_created": "Dashboard Builder",
    "sources_connected": "Data Connections",
    "reports_generated": "Automated Reports",
    "advanced_analyses": "Advanced Analytics",
    "api_days": "API Usage",
    "collaborations": "Team Collaboration",
}
CHURN_SENSITIVITY = 8.0  # how strongly low engagement raises the odds of churning


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


class Engagement:
    """A customer's engagement level in a month (as at its end), deterministic per (seed, customer)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._paths: dict[int, tuple[int, float, list[float]]] = {}

    def base(self, customer_id: int, since: date) -> float:
        return self._path(customer_id, since)[1]

    def level(self, customer_id: int, since: date, month: date) -> float:
        first, base, path = self._path(customer_id, since)
        steps = _month_index(month) - first
        if steps < 0:
            return base
        rng = random.Random(f"{self.seed}:engagement:{customer_id}:{len(path)}")
        while len(path) <= steps:
            drift = 0.8 * path[-1] + 0.2 * base + rng.gauss(0, 0.1)
            path.append(min(0.98, max(0.02, drift)))
        return path[steps]

    def churn_weight(self, customer_id: int, since: date, month: date) -> float:
        """How much more (or less) likely than average this customer is to churn in `month`."""
        before = date.fromordinal(month.toordinal() - 1).replace(day=1)
        return math.exp(CHURN_SENSITIVITY * (0.5 - self.level(customer_id, since, before)))

    def _path(self, customer_id: int, since: date) -> tuple[int, float, list[float]]:
        if customer_id not in self._paths:
            rng = random.Random(f"{self.seed}:engagement:{customer_id}")
            base = rng.betavariate(2.4, 1.8)
            self._paths[customer_id] = (_month_index(since), base, [base])
        return self._paths[customer_id]


def snapshot_days(timeline: Timeline) -> list[date]:
    """The last day of every month with data, and the last day with data."""
    days = [min(period_end(month, "monthly"), timeline.end) for month in timeline.month_starts]
    return sorted(set(days))


def account_rows(
    timeline: Timeline,
    rng: random.Random,
    customers: list[Customer],
    engagement: Engagement,
) -> list[Row]:
    """`account_snapshots`: one row per active customer and snapshot day, drawn from its engagement."""
    from kpibot_demo.data.business import PLANS

    rows: list[Row] = []
    for as_of in snapshot_days(timeline):
        for customer in customers:
            if not (customer.since <= as_of and (customer.churned is None or customer.churned > as_of)):
                continue
            level = engagement.level(customer.id, customer.since, as_of.replace(day=1))
            plan, seats = _plan_on(customer, as_of)
            quiet = 1.0 - level
            login = min((as_of - customer.since).days, round(rng.expovariate(1 / (1.0 + 28 * quiet**2))))
            views = round(rng.gammavariate(2.0, max(0.1, seats * 2.2 * level)))
            tickets = _poisson(rng, 0.6 + 5.0 * quiet**2)
            adopted = sum(1 for _ in range(6) if rng.random() < 0.15 + 0.75 * level)
            users = max(1, min(seats, round(seats * (0.3 + 0.65 * level + rng.gauss(0, 0.08)))))
            nps = None
            if rng.random() < 0.45:
                nps = min(10, max(0, round(rng.gauss(3.5 + 6.5 * level, 1.6))))
            base = engagement.base(customer.id, customer.since)
            first_value = round(rng.gammavariate(2.0, 1.0 + 6.0 * (1.0 - base)), 1)
            mrr = round(seats * PLANS[plan][1], 2)
            rows.append((as_of, customer.id, login, views, tickets, adopted, users, mrr, nps, first_value))
    return rows


def _plan_on(customer: Customer, day: date) -> tuple[str, int]:
    plan, seats = customer.changes[0][1], customer.changes[0][2]
    for changed, new_plan, new_seats, _kind in customer.changes:
        if changed <= day:
            plan, seats = new_plan, new_seats
    return plan, seats


def _poisson(rng: random.Random, mean: float) -> int:
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def first_use_rows(
    timeline: Timeline, rng: random.Random, users: list[User], activity: list[Row]
) -> list[Row]:
    """`feature_first_use`: the day each user first used each feature, inside the first month in which
    the monthly export shows the feature (so the two exports agree)."""
    columns = list(FEATURE_NAMES)
    by_id = {user.id: user for user in users}
    first: dict[tuple[int, str], date] = {}
    for row in sorted(activity, key=lambda r: (r[0], r[1])):  # (month_start, user_id, ..., counts)
        month, user_id, counts = row[0], row[1], row[5:]
        for column, count in zip(columns, counts, strict=True):
            if count and (user_id, column) not in first:
                assert isinstance(month, date) and isinstance(user_id, int)
                first[(user_id, column)] = month
    rows: list[Row] = []
    for (user_id, column), month in sorted(first.items()):
        user = by_id[user_id]
        begin = max(user.created, month)
        last = min(period_end(month, "monthly"), timeline.end)
        if user.removed is not None:
            last = min(last, user.removed - timedelta(days=1))
        span = max(0, (last - begin).days)
        day = begin + timedelta(days=min(span, int(rng.expovariate(1 / max(1.0, span / 3)))))
        rows.append((user_id, FEATURE_NAMES[column], day))
    return rows
