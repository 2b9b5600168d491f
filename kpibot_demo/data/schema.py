"""The tables of the demo warehouse: the raw data of Northwind Analytics, a fictional B2B analytics SaaS.

The KPI queries in `config/kpis.yml` read these tables; nothing here is a KPI already computed.
Two small dimension tables make date bucketing portable between SQLite and PostgreSQL without
dialect date functions:

- `calendar`: one row per day with its week, month and quarter start.
- `reporting_periods`: one row per reported month and week, `window_start = period_start`. A closed
  period has `as_of = period_end`; the current, unfinished one `as_of` = the last day with data, so
  its flows are to date (kpibot labels them so and never compares them with a whole period).
  `days_elapsed` / `days_in_period` say how far the running period is.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Float, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

calendar = Table(
    "calendar",
    metadata,
    Column("day", Date, primary_key=True),
    Column("week_start", Date, nullable=False),
    Column("month_start", Date, nullable=False),
    Column("quarter_start", Date, nullable=False),
    Column("iso_weekday", Integer, nullable=False),
)

reporting_periods = Table(
    "reporting_periods",
    metadata,
    Column("grain", String(10), primary_key=True),  # monthly | weekly
    Column("period_start", Date, primary_key=True),
    Column("period_end", Date, nullable=False),
    Column("window_start", Date, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("days_elapsed", Integer, nullable=False),
    Column("days_in_period", Integer, nullable=False),
)

plans = Table(
    "plans",
    metadata,
    Column("plan_id", String(20), primary_key=True),
    Column("name", String(40), nullable=False),
    Column("price_per_seat", Float, nullable=False),
)

trials = Table(
    "trials",
    metadata,
    Column("trial_id", Integer, primary_key=True),
    Column("company", String(80), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("converted_on", Date),
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),
    Column("segment", String(20), nullable=False),
    Column("country", String(2), nullable=False),
    Column("acquisition_channel", String(20), nullable=False),
    Column("trial_id", Integer, ForeignKey("trials.trial_id")),
    Column("became_customer_on", Date, nullable=False),
    Column("churned_on", Date),
)

subscriptions = Table(  # one row per (customer, price) interval: a change ends a row and starts the next
    "subscriptions",
    metadata,
    Column("subscription_id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.customer_id"), nullable=False),
    Column("plan_id", String(20), ForeignKey("plans.plan_id"), nullable=False),
    Column("seats", Integer, nullable=False),
    Column("mrr", Float, nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),  # active on day d when started_on <= d < ended_on
    Column("change_type", String(12), nullable=False),  # new | expansion | contraction
    Column("end_reason", String(12)),  # change | churn
)

users = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.customer_id"), nullable=False),
    Column("role", String(10), nullable=False),
    Column("created_on", Date, nullable=False),
    Column("removed_on", Date),
    Column("first_value_on", Date),  # the first shared dashboard: the "aha" moment
    Column("hours_to_first_value", Float),
)

invitations = Table(
    "invitations",
    metadata,
    Column("invitation_id", Integer, primary_key=True),
    Column("inviter_user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("sent_on", Date, nullable=False),
    Column("accepted_on", Date),
    Column("invitee_user_id", Integer, ForeignKey("users.user_id")),
)

user_activity_monthly = Table(  # the product analytics export: one row per active user and month
    "user_activity_monthly",
    metadata,
    Column("month_start", Date, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), primary_key=True),
    Column("active_days", Integer, nullable=False),
    Column("sessions", Integer, nullable=False),
    Column("session_minutes", Integer, nullable=False),
    Column("dashboards_created", Integer, nullable=False),
    Column("sources_connected", Integer, nullable=False),
    Column("reports_generated", Integer, nullable=False),
    Column("collaborations", Integer, nullable=False),
    Column("advanced_analyses", Integer, nullable=False),
    Column("api_days", Integer, nullable=False),
)

daily_usage = Table(  # the product analytics export: distinct users per day, 7 and 30 trailing days
    "daily_usage",
    metadata,
    Column("day", Date, primary_key=True),
    Column("active_users", Integer, nullable=False),
    Column("returning_users", Integer, nullable=False),
    Column("new_users", Integer, nullable=False),
    Column("active_users_7d", Integer, nullable=False),
    Column("active_users_30d", Integer, nullable=False),
    Column("sessions", Integer, nullable=False),
    Column("session_minutes", Integer, nullable=False),
)

web_traffic = Table(
    "web_traffic",
    metadata,
    Column("day", Date, primary_key=True),
    Column("channel", String(20), primary_key=True),
    Column("visits", Integer, nullable=False),
)

support_tickets = Table(
    "support_tickets",
    metadata,
    Column("ticket_id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.customer_id"), nullable=False),
    Column("category", String(20), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("first_response_minutes", Integer, nullable=False),
    Column("resolved_on", Date),
    Column("csat_rating", Integer),  # 1..5, when the customer answered the survey
)

nps_responses = Table(
    "nps_responses",
    metadata,
    Column("response_id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("responded_on", Date, nullable=False),
    Column("score", Integer, nullable=False),  # 0..10
)

ledger = Table(  # the general ledger, summarised by month and account (month to date for the last month)
    "ledger",
    metadata,
    Column("entry_id", Integer, primary_key=True),
    Column("month_start", Date, nullable=False),
    Column("posted_on", Date, nullable=False),
    Column("account", String(30), nullable=False),
    Column(
        "category", String(20), nullable=False
    ),  # revenue | cogs | sales_marketing | rnd | gna | financing
    Column("amount", Float, nullable=False),
)

cash_balances = Table(
    "cash_balances",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("balance", Float, nullable=False),
)

incidents = Table(
    "incidents",
    metadata,
    Column("incident_id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("service", String(30), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("title", String(120), nullable=False),
)

page_loads = Table(  # synthetic monitoring: one dashboard page load measured every hour
    "page_loads",
    metadata,
    Column("sample_id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("measured_at", DateTime(timezone=True), nullable=False),
    Column("page", String(20), nullable=False),
    Column("load_ms", Integer, nullable=False),
)

account_snapshots = Table(  # the customer success tool's export: each active account at each month end
    "account_snapshots",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.customer_id"), primary_key=True),
    Column("days_since_last_login", Integer, nullable=False),
    Column("dashboard_views_30d", Integer, nullable=False),
    Column("support_tickets_90d", Integer, nullable=False),
    Column("features_adopted", Integer, nullable=False),  # of the 6 core features
    Column("active_users", Integer, nullable=False),
    Column("mrr", Float, nullable=False),
    Column("nps_score", Integer),  # the account's latest NPS answer, 0..10, when it answered
    Column("days_to_first_value", Float, nullable=False),
)

feature_first_use = Table(  # the product analytics export: the first day each user used each feature
    "feature_first_use",
    metadata,
    Column("user_id", Integer, ForeignKey("users.user_id"), primary_key=True),
    Column("feature", String(30), primary_key=True),
    Column("first_used_on", Date, nullable=False),
)
