"""Build the demo warehouse: 24 months of raw data of Northwind Analytics, a fictional B2B analytics SaaS.

    summary = build_warehouse("sqlite:///data/warehouse.db", end=date(2026, 11, 21))
    summary.row_counts["subscriptions"], summary.checksum, summary.incidents

The data is deterministic for a given (end, months, seed): the same arguments always give the same
rows, and `summary.checksum` (also `warehouse_checksum(url)` on the written database) proves it.
The KPI queries of `config/kpis.yml` compute every KPI from these tables.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, Table, create_engine, select
from sqlalchemy.engine import make_url

from kpibot_demo.data import schema
from kpibot_demo.data.accounts import Engagement, account_rows, first_use_rows
from kpibot_demo.data.business import PLANS, customer_rows, simulate_business
from kpibot_demo.data.finance import employee_satisfaction, ledger_rows, series_b_day
from kpibot_demo.data.product import activity_rows, build_users, daily_usage_rows, user_rows
from kpibot_demo.data.service_quality import incident_rows, nps_rows, page_load_rows, ticket_rows
from kpibot_demo.data.timeline import Row, Timeline


@dataclass(frozen=True)
class PlantedIncident:
    """A problem put into the data on purpose, so alerts have something to find."""

    kpis: tuple[str, ...]
    first_day: date
    last_day: date
    description: str


@dataclass(frozen=True)
class PushedObservation:
    """A value of a push KPI that the demo records itself (its source system is not in the warehouse)."""

    kpi: str
    period_start: date
    value: float


@dataclass(frozen=True)
class WarehouseSummary:
    """What `build_warehouse` wrote."""

    url: str  # without its password
    start: date  # the first day with data (a Monday)
    first_month: date  # the first reported month
    end: date  # the last day with data
    months: int
    seed: int
    row_counts: Mapping[str, int]
    checksum: str
    incidents: tuple[PlantedIncident, ...]
    pushed: tuple[PushedObservation, ...]

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


def build_warehouse(url: str, *, end: date, months: int = 24, seed: int = 7) -> WarehouseSummary:
    """(Re)create the demo warehouse at a SQLAlchemy URL: drop its tables, create them, fill them.

    `end` is the last day with data (inclusive); history starts on the Monday on or before the first
    day of the month `months - 1` months before the month of `end`. Raises ValueError for fewer
    than 6 months.
    """
    timeline = Timeline.ending(end, months)
    tables = generate(timeline, seed=seed)
    engine = _engine(url)
    try:
        schema.metadata.drop_all(engine)
        schema.metadata.create_all(engine)
        with engine.begin() as connection:
            for table in schema.metadata.sorted_tables:
                rows = tables[table.name]
                names = [column.name for column in table.columns]
                for chunk in range(0, len(rows), 5_000):
                    batch = [dict(zip(names, row, strict=True)) for row in rows[chunk : chunk + 5_000]]
                    if batch:
                        connection.execute(table.insert(), batch)
    finally:
        engine.dispose()
    rng = random.Random(f"{seed}:people")
    pushed = tuple(
        PushedObservation("employee_satisfaction", quarter, value)
        for quarter, value in employee_satisfaction(timeline, rng)
    )
    return WarehouseSummary(
        url=make_url(url).render_as_string(hide_password=True),
        start=timeline.start,
        first_month=timeline.first_month,
        end=end,
        months=months,
        seed=seed,
        row_counts={name: len(rows) for name, rows in tables.items()},
        checksum=_checksum((name, tables[name]) for name in sorted(tables)),
        incidents=planted_incidents(timeline),
        pushed=pushed,
    )


def generate(timeline: Timeline, *, seed: int) -> dict[str, list[Row]]:
    """Every table's rows, in column order. Each part of the simulation has its own random stream,
    so changing one part does not reshuffle the others."""

    def stream(name: str) -> random.Random:
        return random.Random(f"{seed}:{name}")

    engagement = Engagement(seed)
    business = simulate_business(timeline, stream("business"), engagement=engagement)
    customers, subscriptions = customer_rows(business, stream("customers"))
    users, invitations = build_users(timeline, stream("users"), business.customers)
    ledger, balances = ledger_rows(
        timeline, stream("finance"), customers=business.customers, planned_new=business.planned_new
    )
    activity = activity_rows(timeline, stream("activity"), users)
    return {
        "calendar": timeline.calendar_rows(),
        "reporting_periods": timeline.reporting_period_rows(),
        "plans": [(key, name, price) for key, (name, price) in PLANS.items()],
        "trials": business.trials,
        "customers": customers,
        "subscriptions": subscriptions,
        "users": user_rows(timeline, stream("onboarding"), users),
        "invitations": invitations,
        "user_activity_monthly": activity,
        "feature_first_use": first_use_rows(timeline, stream("first_use"), users, activity),
        "account_snapshots": account_rows(timeline, stream("accounts"), business.customers, engagement),
        "daily_usage": daily_usage_rows(timeline, stream("daily"), users),
        "web_traffic": business.web_traffic,
        "support_tickets": ticket_rows(timeline, stream("support"), business.customers),
        "nps_responses": nps_rows(timeline, stream("nps"), users),
        "ledger": ledger,
        "cash_balances": balances,
        "incidents": incident_rows(timeline, stream("incidents")),
        "page_loads": page_load_rows(timeline, stream("pages")),
    }


def planted_incidents(timeline: Timeline) -> tuple[PlantedIncident, ...]:
    """The incidents of `timeline.plan`, described for people (the demo prints them)."""
    plan = timeline.plan
    after_end = timeline.month_days(plan.churn_after_month)[-1]
    (big_day, big_minutes), (small_day, small_minutes) = plan.outages
    return (
        PlantedIncident(
            ("monthly_churn_rate", "nrr", "mrr_growth_rate", "ltv_cac"),
            plan.churn_spike_month,
            after_end,
            f"a botched v5 migration: {plan.spike_churn_rate:g}% of customers churn, then "
            f"{plan.after_churn_rate:g}% the month after; expansion pauses and MRR growth stalls",
        ),
        PlantedIncident(
            ("support_tickets_per_100_customers", "first_response_time", "csat", "nps_score"),
            plan.churn_spike_month,
            after_end,
            f"the same migration floods support ({plan.spike_ticket_rate:g} tickets per 100 customers), "
            f"slows first responses and drags NPS to {plan.spike_nps:g} and {plan.after_nps:g}",
        ),
        PlantedIncident(
            ("trial_to_paid_rate", "conversion_rate", "time_to_value"),
            plan.onboarding_break,
            timeline.end,
            f"an onboarding redesign: trials ending since then convert at "
            f"{plan.broken_trial_conversion * 100:g}% and new users take longer to first value",
        ),
        PlantedIncident(
            ("uptime",),
            big_day,
            small_day,
            f"outages of {big_minutes} min on {big_day} and {small_minutes} min on the last day, {small_day}",
        ),
        PlantedIncident(
            ("avg_page_load_time", "session_duration"),
            plan.slow_pages_from,
            timeline.end,
            "a slow query plan: dashboard page loads climb past 5 seconds",
        ),
        PlantedIncident(
            ("runway",),
            timeline.first_month,
            series_b_day(timeline),
            "runway shrinks below 18 months until the Series B closes",
        ),
    )


def warehouse_checksum(url: str) -> str:
    """The checksum of the data in a warehouse, comparable with `WarehouseSummary.checksum`."""
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            parts = []
            for table in sorted(schema.metadata.sorted_tables, key=lambda t: t.name):
                query = select(table).order_by(*table.primary_key.columns)
                parts.append((table.name, [tuple(row) for row in connection.execute(query)]))
    finally:
        engine.dispose()
    return _checksum(parts)


def _checksum(tables: Iterable[tuple[str, list[Row]]]) -> str:
    """SHA-256 over every table's rows in primary-key order (datetimes compared without their zone,
    since SQLite gives them back naive)."""
    digest = hashlib.sha256()
    for name, rows in tables:
        table: Table = schema.metadata.tables[name]
        columns = list(table.columns)
        key = [columns.index(column) for column in table.primary_key.columns]
        moments = [i for i, column in enumerate(columns) if isinstance(column.type, DateTime)]
        digest.update(f"#{name}\n".encode())
        for row in sorted(rows, key=lambda row: tuple(row[i] for i in key)):
            if moments:
                row = tuple(_naive(value) if i in moments else value for i, value in enumerate(row))
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _naive(value: Any) -> Any:
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(parsed)
