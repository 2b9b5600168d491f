"""Customers from the configured query: churn risk, segments and the at-risk list.

    report = customer_report(config)
    report.model.evaluation.auc, report.at_risk(limit=10)

The model is trained on the company's own history and kept in memory until the data changes (the
newest snapshot day or the number of rows), so `/kpi at-risk` does not retrain on every call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from kpi_core.config.analytics import CustomersConfig
from kpi_core.config.loader import AppConfig
from kpi_core.customers.churn import (
    ChurnModel,
    ChurnRisk,
    CustomerSnapshot,
    Factor,
    RiskLevel,
    score_customers,
    train_churn_model,
)
from kpi_core.customers.segments import (
    CustomerSegment,
    RfmInput,
    SegmentSummary,
    segment_customers,
    summarize_segments,
)
from kpi_core.customers.source import CustomerDataError, latest_snapshots, snapshots_from_rows
from kpi_core.format import format_value
from kpi_core.warehouse_sql import SourceError, check_sqlite_file, run_query, warehouse_engine

_MODELS: dict[tuple[str, str, date, int], ChurnModel] = {}
_LOCK = threading.Lock()


class CustomersUnavailableError(CustomerDataError):
    """No customer query is configured, or it failed; the message is for people."""


@dataclass(frozen=True)
class AtRiskAccount:
    risk: ChurnRisk
    segment: CustomerSegment | None
    action: str


@dataclass(frozen=True)
class CustomerReport:
    as_of: date
    model: ChurnModel
    risks: tuple[ChurnRisk, ...]  # riskiest first
    segments: tuple[CustomerSegment, ...]
    summary: tuple[SegmentSummary, ...]

    def at_risk(self, *, limit: int = 10) -> tuple[AtRiskAccount, ...]:
        """The riskiest HIGH and MEDIUM accounts, with a next step from their strongest factor."""
        by_id = {s.customer_id: s for s in self.segments}
        chosen = [r for r in self.risks if r.level is not RiskLevel.LOW][:limit]
        return tuple(
            AtRiskAccount(r, by_id.get(r.customer_id), next_step(r, by_id.get(r.customer_id))) for r in chosen
        )


_STEPS = {
    "days_since_last_login": "Call them: no one has logged in for {value}",
    "dashboard_views_last_30d": "Book a usage review: dashboard views in 30 days down to {value}",
    "support_tickets_last_90d": "Review their {value} support tickets with the support lead",
    "feature_adoption_score": "Run an enablement session: they use {value} of the core features",
    "team_size": "Help them bring their team in: {value} active users",
    "nps_score": "Follow up on their NPS answer of {value}",
    "days_to_first_value": "Revisit their onboarding: first value took {value}",
    "contract_value": "Review the plan with them before renewal",
}
_UNITS = {"days_since_last_login": "days", "days_to_first_value": "days"}


def next_step(risk: ChurnRisk, segment: CustomerSegment | None) -> str:
    """What to do first: about the strongest factor, else the segment's action."""
    if risk.factors:
        factor: Factor = risk.factors[0]
        template = _STEPS.get(factor.feature)
        if template is not None and factor.value is not None:
            value = format_value(factor.value, _UNITS.get(factor.feature, "count"))
            return template.format(value=value)
    return segment.action if segment else "Have their customer success manager check in this week"


def load_snapshots(config: AppConfig, customers: CustomersConfig) -> list[CustomerSnapshot]:
    url = config.database_url(customers.database)
    try:
        check_sqlite_file(url)
        columns, rows = run_query(warehouse_engine(url), customers.sql)
    except SourceError as error:
        raise CustomersUnavailableError(f"the customer query failed: {error}") from None
    return snapshots_from_rows(
        columns, rows, features=customers.features, horizon_days=customers.horizon_days, value=customers.value
    )


def trained_model(
    config: AppConfig, customers: CustomersConfig, snapshots: list[CustomerSnapshot]
) -> ChurnModel:
    """The churn model for these snapshots, trained once per data version (NotEnoughHistoryError)."""
    newest = max((s.as_of for s in snapshots), default=date.min)
    key = (config.database_url(customers.database), customers.sql, newest, len(snapshots))
    with _LOCK:
        model = _MODELS.get(key)
    if model is None:
        model = train_churn_model(snapshots, features=customers.features)
        with _LOCK:
            _MODELS.clear()
            _MODELS[key] = model
    return model


def customer_report(config: AppConfig) -> CustomerReport:
    """Train (or reuse) the model, score the newest snapshots and segment the customers."""
    customers = config.catalog.customers
    if customers is None:
        raise CustomersUnavailableError("customer analytics is not set up: no customer query is configured")
    snapshots = load_snapshots(config, customers)
    model = trained_model(config, customers, snapshots)
    current = latest_snapshots(snapshots)
    risks = score_customers(model, current)
    segments = segment_customers(
        [
            RfmInput(
                s.customer_id,
                s.name,
                days_since_last_login=s.features.get(customers.recency) or 0.0,
                monthly_usage=s.features.get(customers.frequency) or 0.0,
                contract_value=s.contract_value or 0.0,
            )
            for s in current
        ]
    )
    as_of = current[0].as_of if current else date.min
    return CustomerReport(as_of, model, risks, segments, summarize_segments(segments))
