"""The commercial side of the demo: web visits, trials, customers and their subscriptions.

A day-by-day simulation with compounding demand, seasonality, a slowly improving funnel, monthly
churn and seat expansion, plus the planted incidents (a churn spike, a broken onboarding that
hurts trial conversion). Plain Python and a seeded `random.Random`: a seed always gives the same data.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from kpibot_demo.data.accounts import Engagement
from kpibot_demo.data.timeline import WEB_WEEKDAY, YEARLY, Row, Timeline, company_name, stochastic_round
from kpi_core.periods import period_end

PLANS: dict[str, tuple[str, float]] = {
    "starter": ("Starter", 39.0),
    "growth": ("Growth", 79.0),
    "enterprise": ("Enterprise", 129.0),
}
UPGRADE = {"starter": "growth", "growth": "enterprise"}
SEGMENTS = {"starter": "smb", "growth": "mid_market", "enterprise": "enterprise"}
SEATS = {"starter": (3, 9), "growth": (8, 20), "enterprise": (12, 32)}
CHANNELS = ("organic", "paid", "direct", "referral", "social")
COUNTRIES = (("US", 46), ("GB", 12), ("DE", 10), ("CA", 8), ("FR", 6), ("NL", 5), ("AU", 5), ("SE", 4))
CHURN_WEIGHT = {"starter": 2.0, "growth": 0.8, "enterprise": 0.3}

VISITS_AT_START = 1_050.0  # visits per month in the first reported month
VISIT_GROWTH = 0.088  # per month, compounding
FIRST_CUSTOMERS = 36  # customers won before the history starts
TRIAL_DAYS = 14
SALES_LED_SHARE = 0.22  # outbound deals per trial conversion


@dataclass
class Customer:
    id: int
    name: str
    channel: str
    trial_id: int | None
    since: date
    plan: str
    seats: int
    churned: date | None = None
    # (day, plan, seats, change type): the first entry is the "new" subscription.
    changes: list[tuple[date, str, int, str]] = field(default_factory=list)

    def active_on(self, day: date) -> bool:
        return self.since <= day and (self.churned is None or self.churned > day)


@dataclass
class Business:
    customers: list[Customer]
    trials: list[Row]
    web_traffic: list[Row]
    planned_new: dict[date, float]  # expected new customers per month, for the S&M budget


def channel_shares(progress: float) -> list[float]:
    organic = 0.40 + 0.14 * progress
    paid = 0.30 - 0.08 * progress
    return [organic, paid, 0.15, 0.08, 1.0 - organic - paid - 0.23]


def simulate_business(timeline: Timeline, rng: random.Random, *, engagement: Engagement) -> Business:
    plan = timeline.plan
    deals = _Deals(rng)
    customers = _first_customers(timeline, deals)
    trials: list[Row] = []
    web: list[Row] = []
    planned: dict[date, float] = {}
    conversions: dict[date, list[tuple[int, str, str]]] = {}
    # Accumulators instead of coin flips: conversion counts follow the rates closely, so trends and
    # the planted incidents stand out from the noise of a small company.
    trial_credit, paid_credit, sales_credit = rng.random(), rng.random(), rng.random()
    day = timeline.start - timedelta(days=TRIAL_DAYS + 7)  # trials started earlier convert in the first days
    while day <= timeline.end:
        progress = timeline.progress(day)
        monthly = VISITS_AT_START * math.exp(VISIT_GROWTH * timeline.months_in(day)) * YEARLY[day.month]
        expected_visits = monthly / 30.44 * WEB_WEEKDAY[day.weekday()]
        conversion = 0.017 + 0.005 * progress
        base_paid = 0.205 + 0.03 * progress
        shares = channel_shares(progress)
        visits = max(0, round(expected_visits * rng.uniform(0.9, 1.1)))
        if day >= timeline.start:
            split = [round(visits * share * rng.uniform(0.92, 1.08)) for share in shares]
            web.extend((day, channel, count) for channel, count in zip(CHANNELS, split, strict=True))
        trial_credit += visits * conversion
        started, trial_credit = math.floor(trial_credit), trial_credit - math.floor(trial_credit)
        for _ in range(started):
            trial_id = len(trials) + 1
            company = company_name(rng, trial_id)
            channel = rng.choices(CHANNELS, weights=shares)[0]
            ends = day + timedelta(days=TRIAL_DAYS)
            paid_credit += plan.broken_trial_conversion if ends >= plan.onboarding_break else base_paid
            converted = None
            if paid_credit >= 1:
                paid_credit -= 1
                converted = day + timedelta(days=rng.randint(3, TRIAL_DAYS))
                if converted > timeline.end:
                    converted = None  # still deciding: the warehouse does not know the future
                else:
                    conversions.setdefault(converted, []).append((trial_id, company, channel))
            trials.append((trial_id, company, channel, day, ends, converted))
        sales_led = SALES_LED_SHARE * expected_visits * conversion * base_paid
        month = day.replace(day=1)
        planned[month] = planned.get(month, 0.0) + expected_visits * conversion * base_paid + sales_led
        if day.day == 1 and month >= timeline.first_month:
            _monthly_changes(timeline, rng, customers, month, engagement)
        for trial_id, company, channel in conversions.pop(day, []):
            customers.append(deals.customer(len(customers) + 1, day, channel, trial_id, company))
        sales_credit += sales_led
        if day.weekday() < 5 and sales_credit >= 1:
            sales_credit -= 1
            number = len(customers) + 1
            customers.append(
                deals.customer(number, day, "outbound", None, company_name(rng, 10_000 + number))
            )
        day += timedelta(days=1)
    return Business(customers, trials, web, planned)


class _Deals:
    """New customers' plans and seats, drawn from shuffled decks so the mix stays close to plan."""

    SELF_SERVE = ("starter",) * 10 + ("growth",) * 8 + ("enterprise",) * 2
    SALES_LED = ("growth",) * 3 + ("enterprise",) * 2

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.decks: dict[bool, list[str]] = {True: [], False: []}

    def customer(self, number: int, day: date, channel: str, trial_id: int | None, name: str) -> Customer:
        outbound = channel == "outbound"
        deck = self.decks[outbound]
        if not deck:
            deck.extend(self.SALES_LED if outbound else self.SELF_SERVE)
            self.rng.shuffle(deck)
        plan = deck.pop()
        seats = self.rng.randint(*SEATS[plan])
        customer = Customer(number, name, channel, trial_id, day, plan, seats)
        customer.changes.append((day, plan, seats, "new"))
        return customer


def _first_customers(timeline: Timeline, deals: _Deals) -> list[Customer]:
    rng = deals.rng
    earliest = timeline.first_month - timedelta(days=420)
    span = (timeline.start - timedelta(days=TRIAL_DAYS + 8) - earliest).days
    days = sorted(earliest + timedelta(days=rng.randint(0, span)) for _ in range(FIRST_CUSTOMERS))
    found = []
    for number, since in enumerate(days, start=1):
        channel = rng.choices((*CHANNELS, "outbound"), weights=(40, 20, 15, 10, 5, 20))[0]
        customer = deals.customer(number, since, channel, None, company_name(rng, 10_000 + number))
        customer.seats = max(2, round(customer.seats * rng.uniform(1.0, 1.3)))
        customer.changes = [(since, customer.plan, customer.seats, "new")]
        found.append(customer)
    return found


def _monthly_changes(
    timeline: Timeline, rng: random.Random, customers: list[Customer], month: date, engagement: Engagement
) -> None:
    """Decide this month's churn and seat changes, dated on random days of the month (up to `end`)."""
    plan = timeline.plan
    days = timeline.month_days(month)
    elapsed = len(days) / ((period_end(month, "monthly") - month).days + 1)
    active = [c for c in customers if c.active_on(month - timedelta(days=1))]
    usual = min(3.7, max(1.9, 3.1 - 0.6 * timeline.progress(month) + rng.gauss(0, 0.25)))
    rate = usual
    if month == plan.churn_spike_month:
        rate = plan.spike_churn_rate
    elif month == plan.churn_after_month:
        rate = plan.after_churn_rate
    count = stochastic_round(rng, rate / 100 * len(active) * elapsed)
    incident = month in (plan.churn_spike_month, plan.churn_after_month)
    if not incident:
        count = min(count, math.floor(0.037 * len(active)))
    eligible = [c for c in active if (month - c.since).days >= 20]  # a monthly plan can end after one month
    # The planted spike (a botched migration) hits data-heavy accounts as hard as small ones. Disengaged
    # accounts (low engagement at the end of last month) are the likeliest to leave. Engagement is
    # normalised within each plan, so it picks who leaves without changing how much each plan churns.
    risk = {c.id: engagement.churn_weight(c.id, c.since, month) for c in eligible}
    mean_risk = {
        plan: sum(risk[c.id] for c in eligible if c.plan == plan)
        / max(1, sum(1 for c in eligible if c.plan == plan))
        for plan in CHURN_WEIGHT
    }
    weights = [(1.0 if incident else CHURN_WEIGHT[c.plan]) * risk[c.id] / mean_risk[c.plan] for c in eligible]
    churners: set[int] = set()
    while len(churners) < min(count, len(eligible)):
        churners.add(rng.choices(eligible, weights=weights)[0].id)
    # The month after the spike has its usual churn plus the spike's tail, in its first days.
    tail = 0
    if month == plan.churn_after_month:
        tail = max(0, len(churners) - round(usual / 100 * len(active) * elapsed))
    steady = []
    for customer in active:
        if customer.id in churners:
            customer.churned = rng.choice(days[:12] if tail > 0 else days)
            tail -= 1
        elif (month - customer.since).days >= 60:
            steady.append(customer)
    # Accounts hold off on buying more while the planted incident burns.
    expanding = stochastic_round(rng, (0.045 if incident else 0.09) * len(steady) * elapsed)
    contracting = stochastic_round(rng, (0.03 if incident else 0.015) * len(steady) * elapsed)
    changing = rng.sample(steady, min(len(steady), expanding + contracting))
    for position, customer in enumerate(changing):
        if position < expanding:
            _expand(rng, customer, rng.choice(days))
        else:
            _contract(rng, customer, rng.choice(days))


def _expand(rng: random.Random, customer: Customer, day: date) -> None:
    if customer.plan in UPGRADE and rng.random() < 0.25:
        customer.plan = UPGRADE[customer.plan]
        customer.seats = max(customer.seats, SEATS[customer.plan][0])
    else:
        customer.seats = max(customer.seats + 1, math.ceil(customer.seats * rng.uniform(1.15, 1.45)))
    customer.changes.append((day, customer.plan, customer.seats, "expansion"))


def _contract(rng: random.Random, customer: Customer, day: date) -> None:
    seats = max(2, math.floor(customer.seats * rng.uniform(0.7, 0.9)))
    if seats >= customer.seats:
        return
    customer.seats = seats
    customer.changes.append((day, customer.plan, customer.seats, "contraction"))


def customer_rows(business: Business, rng: random.Random) -> tuple[list[Row], list[Row]]:
    """The `customers` and `subscriptions` rows."""
    countries, weights = zip(*COUNTRIES, strict=True)
    customers: list[Row] = []
    subscriptions: list[Row] = []
    for customer in business.customers:
        first_plan = customer.changes[0][1]
        country = rng.choices(countries, weights=weights)[0]
        customers.append(
            (
                customer.id,
                customer.name,
                SEGMENTS[first_plan],
                country,
                customer.channel,
                customer.trial_id,
                customer.since,
                customer.churned,
            )
        )
        for index, (day, plan, seats, change) in enumerate(customer.changes):
            following = customer.changes[index + 1][0] if index + 1 < len(customer.changes) else None
            ended = following if following is not None else customer.churned
            reason = "change" if following is not None else ("churn" if customer.churned else None)
            mrr = round(seats * PLANS[plan][1], 2)
            row = (len(subscriptions) + 1, customer.id, plan, seats, mrr, day, ended, change, reason)
            subscriptions.append(row)
    return customers, subscriptions
