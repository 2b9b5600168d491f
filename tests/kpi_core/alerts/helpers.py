"""Shared test data for the alerts tests: a small catalog shaped like the demo's, and series builders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from kpi_core.alerts.config import AlertsConfig
from kpi_core.alerts.rules import AlertRule, compile_rules
from kpi_core.config.models import KpiCatalogConfig, KpiDefinition

START = date(2026, 3, 1)
NOON = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _kpi(key: str, **fields: Any) -> KpiDefinition:
    return KpiDefinition.model_validate({"key": key, "name": key.replace("_", " ").title(), **fields})


KPIS = {
    "monthly_churn_rate": _kpi(
        "monthly_churn_rate",
        unit="percent",
        direction="lower",
        grain="daily",
        category="revenue",
        aliases=["churn"],
        owners=["cro@datainsight.pro"],
        thresholds={"warning": 3, "critical": 4},
    ),
    "trial_to_paid_rate": _kpi("trial_to_paid_rate", unit="percent", grain="daily", category="growth"),
    "mrr_growth_rate": _kpi("mrr_growth_rate", unit="percent", grain="monthly", category="revenue"),
    "uptime": _kpi(
        "uptime",
        unit="percent",
        grain="daily",
        category="product",
        owners=["cto@datainsight.pro", "U024BE7LH"],
        thresholds={"warning": 99.5, "critical": 99},
    ),
    "avg_page_load_time": _kpi(
        "avg_page_load_time", unit="seconds", direction="lower", grain="daily", category="product"
    ),
    "nps_score": _kpi("nps_score", unit="score", grain="monthly", category="customer"),
    "support_tickets_per_100_customers": _kpi(
        "support_tickets_per_100_customers",
        unit="count",
        direction="lower",
        grain="daily",
        category="customer",
    ),
    "feature_adoption_rate": _kpi(
        "feature_adoption_rate", unit="percent", grain="monthly", category="product", target=75
    ),
    "total_customers": _kpi("total_customers", unit="count", grain="daily", category="growth"),
}
CATALOG = KpiCatalogConfig(kpis=KPIS)


def config(data: dict[str, Any]) -> AlertsConfig:
    return AlertsConfig.model_validate(data)


def rule(condition: str, threshold: str | None = None, **fields: Any) -> AlertRule:
    """One compiled rule from a seed-style entry."""
    entry = {"name": "Test rule", "condition": condition, **fields}
    if threshold is not None:
        entry["threshold"] = threshold
    rules = compile_rules(config({"alerts": [entry]}), CATALOG)
    return rules[0]


def daily(values: list[float | None], *, start: date = START) -> list[tuple[date, float | None]]:
    """A daily series from `start`; None is a gap (no observation that day)."""
    return [(start + timedelta(days=i), v) for i, v in enumerate(values)]


def last_day(values: list[float | None], *, start: date = START) -> date:
    return start + timedelta(days=len(values) - 1)
