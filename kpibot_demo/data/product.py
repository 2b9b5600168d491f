"""The product side of the demo: the customers' users, their invitations and how they use the product.

Every user gets an engagement profile (power, regular, casual, dormant) with a daily probability of
using the product on a weekday. The daily export (`daily_usage`) and the monthly per-user export
(`user_activity_monthly`) are both drawn from those probabilities, so DAU, MAU, feature adoption and
the north star agree with each other and with the customer base.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from kpibot_demo.data.business import Customer
from kpibot_demo.data.timeline import USAGE_WEEKDAY, Row, Timeline, usage_factor
from kpi_core.periods import period_end

# (name, weekday probability of being active, share of users)
PROFILES = (("power", 0.8, 0.17), ("regular", 0.5, 0.40), ("casual", 0.17, 0.31), ("dormant", 0.04, 0.12))
PROFILE_FEATURES = (1.35, 1.0, 0.7, 0.45)  # how much more (or less) each profile explores the product
# (feature, monthly propensity to use it at the start and at the end of the history, actions per active day)
FEATURES = (
    ("dashboards_created", 0.80, 0.86, 0.4),
    ("sources_connected", 0.45, 0.52, 0.08),
    ("reports_generated", 0.65, 0.74, 0.8),
    ("collaborations", 0.50, 0.66, 1.0),
    ("advanced_analyses", 0.22, 0.40, 0.5),
    ("api_days", 0.10, 0.20, 0.6),
)
AVERAGE_WEEK = sum(USAGE_WEEKDAY) / 7


@dataclass
class User:
    id: int
    customer_id: int
    created: date
    profile: int
    role: str = "member"
    removed: date | None = None

    def exists_on(self, day: date) -> bool:
        return self.created <= day and (self.removed is None or self.removed > day)


def engagement(timeline: Timeline, day: date) -> float:
    """The product gets stickier over time; the planted page-load incident costs a little."""
    slow = 0.95 if day >= timeline.plan.slow_pages_from else 1.0
    return (0.93 + 0.12 * timeline.progress(day)) * slow


def session_length(timeline: Timeline, day: date) -> float:
    """Average session minutes on `day`: longer as the product matures, shorter on weekends."""
    minutes = 8.7 + 2.5 * timeline.progress(day)
    if day.weekday() >= 5:
        minutes *= 0.86
    if day >= timeline.plan.slow_pages_from:
        minutes *= 0.88
    return minutes


def build_users(
    timeline: Timeline, rng: random.Random, customers: list[Customer]
) -> tuple[list[User], list[Row]]:
    """Users follow their account's seats; returns the users and the `invitations` rows."""
    users: list[User] = []
    invitations: list[Row] = []
    for customer in customers:
        fill = rng.uniform(0.75, 0.92)
        mine: list[User] = []
        for index, (day, _plan, seats, change) in enumerate(customer.changes):
            alive = [u for u in mine if u.removed is None]
            target = max(1, round(seats * fill))
            if change == "contraction":
                for user in rng.sample(alive[1:], max(0, min(len(alive) - 1, len(alive) - target))):
                    user.removed = day
                continue
            for position in range(target - len(alive)):
                admin = index == 0 and position == 0
                created = day if admin else day + timedelta(days=rng.randint(1 if index == 0 else 0, 30))
                if created > timeline.end or (customer.churned and created >= customer.churned):
                    continue
                if index + 1 < len(customer.changes) and created >= customer.changes[index + 1][0]:
                    created = customer.changes[index + 1][0] - timedelta(days=1)
                weights = (50, 35, 10, 5) if admin else tuple(share for _, _, share in PROFILES)
                profile = rng.choices(range(len(PROFILES)), weights=weights)[0]
                user = User(len(users) + 1, customer.id, created, profile, "admin" if admin else "member")
                users.append(user)
                mine.append(user)
                if not admin and rng.random() < 0.45 + 0.2 * timeline.progress(created):
                    invitations.extend(_invitation(rng, invitations, mine, user, customer.since))
        if customer.churned is not None:
            for user in mine:
                if user.removed is None:
                    user.removed = customer.churned
    return users, invitations


def _invitation(rng: random.Random, sent: list[Row], mine: list[User], user: User, since: date) -> list[Row]:
    earlier = [other for other in mine[1:-1] if other.created <= user.created]
    inviter = mine[0] if rng.random() < 0.6 or not earlier else rng.choice(earlier)
    sent_on = max(since, inviter.created, user.created - timedelta(days=rng.randint(0, 2)))
    rows: list[Row] = [(len(sent) + 1, inviter.id, sent_on, user.created, user.id)]
    if rng.random() < 0.3:  # someone else was invited too and never came
        rows.append((len(sent) + 2, inviter.id, sent_on, None, None))
    return rows


def user_rows(timeline: Timeline, rng: random.Random, users: list[User]) -> list[Row]:
    """The `users` rows, with the time each user took to reach first value (a shared dashboard)."""
    rows: list[Row] = []
    plan = timeline.plan
    for user in users:
        first_value_on, hours = None, None
        if rng.random() < 0.86 + 0.06 * timeline.progress(user.created):
            median = 19.0 - 6.0 * timeline.progress(user.created)
            if user.created >= plan.onboarding_break - timedelta(days=10):
                median *= 2.3  # the planted onboarding redesign that slows everyone down
            hours = round(median * math.exp(rng.gauss(0, 0.55)), 1)
            first_value_on = user.created + timedelta(days=int((rng.uniform(7, 19) + hours) // 24))
            if first_value_on > timeline.end or (user.removed and first_value_on >= user.removed):
                first_value_on, hours = None, None
        rows.append((user.id, user.customer_id, user.role, user.created, user.removed, first_value_on, hours))
    return rows


def daily_usage_rows(timeline: Timeline, rng: random.Random, users: list[User]) -> list[Row]:
    """`daily_usage`: DAU, returning users, new users, 7- and 30-day actives, sessions and minutes."""
    count = timeline.day_count
    deltas = [[0] * (count + 1) for _ in PROFILES]
    new_users = [0] * count
    for user in users:
        first = max(0, timeline.index(user.created))
        last = count if user.removed is None else min(count, timeline.index(user.removed))
        if first < last:
            deltas[user.profile][first] += 1
            deltas[user.profile][last] -= 1
        if 0 <= timeline.index(user.created) < count:
            new_users[timeline.index(user.created)] += 1
    days = timeline.days
    factors = [usage_factor(day) for day in days]
    rows: list[Row] = []
    alive = [0] * len(PROFILES)
    for position, day in enumerate(days):
        for profile in range(len(PROFILES)):
            alive[profile] += deltas[profile][position]
        lift = engagement(timeline, day)
        week = _trailing(factors, position, 7)
        month = _trailing(factors, position, 30)
        dau = returning = wau = mau = 0.0
        for profile, (_name, chance, _share) in enumerate(PROFILES):
            today = min(0.97, chance * lift * factors[position])
            active = alive[profile] * today
            dau += active
            returning += active * (1 - (1 - chance * lift * week) ** 7)
            wau += alive[profile] * (1 - (1 - chance * lift * week) ** 7)
            mau += alive[profile] * (1 - (1 - chance * lift * month) ** 30)
        noise = 1 + rng.gauss(0, 0.02)
        active_users = round(dau * noise + new_users[position] * 0.5)
        sessions = round(active_users * rng.uniform(1.52, 1.68))
        minutes = round(sessions * session_length(timeline, day) * rng.uniform(0.96, 1.04))
        rows.append(
            (
                day,
                active_users,
                min(active_users, round(returning * noise)),
                new_users[position],
                max(active_users, round(wau * (1 + rng.gauss(0, 0.01)))),
                max(active_users, round(mau * (1 + rng.gauss(0, 0.01)))),
                sessions,
                minutes,
            )
        )
    return rows


def _trailing(values: list[float], position: int, length: int) -> float:
    window = values[max(0, position - length + 1) : position + 1]
    return sum(window) / len(window)


def activity_rows(timeline: Timeline, rng: random.Random, users: list[User]) -> list[Row]:
    """`user_activity_monthly`: per active user and month, active days, sessions and value actions."""
    rows: list[Row] = []
    for month in timeline.month_starts:
        last = min(period_end(month, "monthly"), timeline.end)
        middle = month + (last - month) / 2
        lift = engagement(timeline, middle)
        minutes = session_length(timeline, middle)
        progress = timeline.progress(middle)
        propensities = [low + (high - low) * progress for _, low, high, _ in FEATURES]
        intensity = 0.8 + 0.5 * progress  # users do more with the product as it matures
        for user in users:
            begin = max(user.created, month)
            end = last if user.removed is None else min(last, user.removed - timedelta(days=1))
            present = (end - begin).days + 1
            if present <= 0:
                continue
            chance = PROFILES[user.profile][1]
            expected = present * min(0.97, chance * lift) * AVERAGE_WEEK
            days = round(rng.gauss(expected, math.sqrt(max(expected * (1 - chance), 0.25))))
            days = min(present, max(1 if begin == user.created else 0, days))
            if days == 0:
                continue
            sessions = max(days, round(days * rng.uniform(1.4, 1.8)))
            depth = PROFILE_FEATURES[user.profile] * (0.75 + 0.25 * min(1.0, days / 6))
            counts = []
            for (name, _low, _high, rate), propensity in zip(FEATURES, propensities, strict=True):
                if rng.random() >= min(0.97, propensity * depth):
                    counts.append(0)
                    continue
                extra = int(days * rate * intensity * rng.random())
                counts.append(min(days, 1 + extra) if name == "api_days" else 1 + extra)
            rows.append(
                (month, user.id, days, sessions, round(sessions * minutes * rng.uniform(0.8, 1.2)), *counts)
            )
    return rows
