"""Service quality in the demo: support tickets with CSAT, NPS survey answers, outages and page loads."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta

from kpibot_demo.data.business import Customer
from kpibot_demo.data.product import User
from kpibot_demo.data.timeline import Row, Timeline

TICKET_WEEKDAY = (1.25, 1.2, 1.15, 1.1, 1.0, 0.35, 0.3)
CATEGORIES = ("how_to", "bug", "billing", "data_connection", "performance")
SERVICES = ("api", "dashboards", "ingestion", "auth")
PAGES = ("dashboard", "report", "explore", "home")


def _active_customers_by_day(timeline: Timeline, customers: list[Customer]) -> list[int]:
    deltas = [0] * (timeline.day_count + 1)
    for customer in customers:
        first = max(0, timeline.index(customer.since))
        last = timeline.day_count if customer.churned is None else timeline.index(customer.churned)
        if first < last:
            deltas[first] += 1
            deltas[min(last, timeline.day_count)] -= 1
    counts, running = [], 0
    for delta in deltas[:-1]:
        running += delta
        counts.append(running)
    return counts


def ticket_rows(timeline: Timeline, rng: random.Random, customers: list[Customer]) -> list[Row]:
    """`support_tickets`: volume per customer falls as the product matures, but spikes with the incident."""
    plan = timeline.plan
    active = _active_customers_by_day(timeline, customers)
    rows: list[Row] = []
    credit = rng.random()  # tickets arrive at the expected pace, so a small base is not all noise
    for position, day in enumerate(timeline.days):
        progress = timeline.progress(day)
        month = day.replace(day=1)
        per_100 = 31.0 - 9.0 * progress
        slower = 1.0
        if month == plan.churn_spike_month:
            per_100, slower = plan.spike_ticket_rate, 1.5
        elif month == plan.churn_after_month:
            per_100, slower = 32.0, 1.15
        if day >= plan.slow_pages_from or any(day == outage for outage, _ in plan.outages):
            per_100 *= 1.3
        credit += per_100 / 100 * active[position] / 30.44 * TICKET_WEEKDAY[day.weekday()]
        arrivals, credit = math.floor(credit), credit - math.floor(credit)
        for _ in range(arrivals):
            customer = _pick(rng, customers, day)
            median = (115.0 - 40.0 * progress) * slower * (2.0 if day.weekday() >= 5 else 1.0)
            response = max(2, round(median * math.exp(rng.gauss(0, 0.5))))
            waited = rng.choices((0, 1, 2, 3, 4, 6), (30, 30, 15, 10, 8, 7))[0]
            resolved: date | None = day + timedelta(days=waited)
            if resolved is not None and resolved > timeline.end:
                resolved = None  # still open
            rating = None
            if resolved is not None and rng.random() < 0.6:
                mean = 4.3 + 0.3 * progress - (0.45 if slower > 1.2 else 0.0)
                rating = min(5, max(1, round(rng.gauss(mean, 0.65))))
            weights = (30, 25, 10, 25, 40 if day >= plan.slow_pages_from else 10)
            category = rng.choices(CATEGORIES, weights)[0]
            rows.append((len(rows) + 1, customer.id, category, day, response, resolved, rating))
    return rows


def _pick(rng: random.Random, customers: list[Customer], day: date) -> Customer:
    while True:
        customer = rng.choice(customers)
        if customer.active_on(day):
            return customer


def nps_rows(timeline: Timeline, rng: random.Random, users: list[User]) -> list[Row]:
    """`nps_responses`: a monthly in-app survey answered by about 5 % of the users."""
    plan = timeline.plan
    rows: list[Row] = []
    for month in timeline.month_starts:
        days = timeline.month_days(month)
        score = 49.0 + 9.0 * timeline.progress(days[-1]) + rng.gauss(0, 1.5)
        if month == plan.churn_spike_month:
            score = plan.spike_nps
        elif month == plan.churn_after_month:
            score = plan.after_nps
        elif month > plan.churn_after_month:
            score -= 6.0  # recovering
        alive = sum(1 for user in users if user.exists_on(days[len(days) // 2]))
        answers = max(12, round(alive * 0.05 * len(days) / 30))
        promoters = round(answers * (0.78 + score / 100) / 2)
        detractors = round(answers * (0.78 - score / 100) / 2)
        scores = [rng.choice((9, 10)) for _ in range(promoters)]
        scores += [rng.choices(range(7), (1, 1, 2, 3, 5, 8, 10))[0] for _ in range(detractors)]
        scores += [rng.choice((7, 8)) for _ in range(answers - promoters - detractors)]
        rng.shuffle(scores)
        for value in scores:
            day = rng.choice(days)
            user = rng.choice(users)
            while not user.exists_on(day):
                user = rng.choice(users)
            rows.append((len(rows) + 1, user.id, day, value))
    return rows


def incident_rows(timeline: Timeline, rng: random.Random) -> list[Row]:
    """`incidents`: a few minutes of downtime now and then, and the planted outages."""
    plan = timeline.plan
    planted = dict(plan.outages)
    planted[plan.old_outage[0]] = plan.old_outage[1]
    rows: list[Row] = []
    for day in timeline.days:
        durations = []
        if rng.random() < 0.03:
            durations.append(rng.randint(1, 6))
        if day in planted:
            durations.append(planted[day])
        for minutes in durations:
            severity = "critical" if minutes > 60 else "major" if minutes >= 10 else "minor"
            service = rng.choice(SERVICES)
            started = datetime.combine(day, time(rng.randint(0, 22), rng.randint(0, 59)), tzinfo=UTC)
            title = f"{service} unavailable for {minutes} min"
            rows.append((len(rows) + 1, day, started, minutes, service, severity, title))
    return rows


def page_load_rows(timeline: Timeline, rng: random.Random) -> list[Row]:
    """`page_loads`: an hourly synthetic check of a dashboard page, slower in business hours."""
    plan = timeline.plan
    rows: list[Row] = []
    for day in timeline.days:
        base = 3_100.0 - 600.0 * timeline.progress(day)
        slow = 1.0
        if day >= plan.slow_pages_from:
            slow = plan.slow_page_factors[
                min((day - plan.slow_pages_from).days, len(plan.slow_page_factors) - 1)
            ]
        for hour in range(24):
            busy = 1.12 if 13 <= hour <= 21 else 1.0
            weekend = 0.95 if day.weekday() >= 5 else 1.0
            load = round(base * busy * weekend * slow * math.exp(rng.gauss(0, 0.16)))
            measured = datetime.combine(day, time(hour, rng.randint(0, 4)), tzinfo=UTC)
            rows.append((len(rows) + 1, day, measured, PAGES[hour % len(PAGES)], load))
    return rows
