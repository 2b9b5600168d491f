from __future__ import annotations

import math
import random
from datetime import date

import pytest

from kpi_core.customers.churn import (
    DEFAULT_FEATURES,
    CustomerSnapshot,
    NotEnoughHistoryError,
    RiskLevel,
    risk_level,
    score_customers,
    train_churn_model,
)

pytest.importorskip("sklearn")


def _history(*, customers: int = 120, months: int = 10, seed: int = 3) -> list[CustomerSnapshot]:
    """Customers whose churn depends on login recency and tickets; other features are noise."""
    rng = random.Random(seed)
    rows = []
    for c in range(customers):
        engagement = rng.random()
        for m in range(months):
            login = max(0.0, rng.gauss(30 * (1 - engagement), 5))
            tickets = max(0, round(rng.gauss(4 * (1 - engagement), 1)))
            odds = -4.0 + 0.15 * login + 0.4 * tickets
            churned = rng.random() < 1 / (1 + math.exp(-odds))
            features = {
                "days_since_last_login": login,
                "dashboard_views_last_30d": rng.uniform(0, 50),
                "support_tickets_last_90d": tickets,
                "feature_adoption_score": rng.uniform(0, 8),
                "team_size": rng.randint(2, 30),
                "contract_value": rng.uniform(100, 5000),
                "nps_score": rng.choice([None, rng.randint(0, 10)]),
                "days_to_first_value": rng.uniform(0, 20),
            }
            when = date(2024, 1 + m, 1) if m < 12 else date(2025, m - 11, 1)
            label = None if m == months - 1 else churned
            rows.append(
                CustomerSnapshot(f"c{c}", f"Customer {c}", when, features, label, features["contract_value"])
            )
    return rows


def test_risk_levels_follow_the_framework_bands() -> None:
    assert risk_level(0.71) is RiskLevel.HIGH
    assert risk_level(0.7) is RiskLevel.MEDIUM
    assert risk_level(0.41) is RiskLevel.MEDIUM
    assert risk_level(0.4) is RiskLevel.LOW


def test_model_learns_the_signal_and_reports_held_back_auc() -> None:
    history = _history()
    model = train_churn_model(history)
    assert model.evaluation.auc >= 0.75
    assert model.evaluation.test_snapshots > 0 and model.evaluation.train_snapshots > 0
    assert model.evaluation.test_from == date(2024, 7, 1)  # the newest quarter of the 9 labelled months
    current = [s for s in history if s.churned is None]
    risks = score_customers(model, current)
    assert len(risks) == len(current)
    assert [r.probability for r in risks] == sorted((r.probability for r in risks), reverse=True)
    riskiest = risks[0]
    assert riskiest.level in (RiskLevel.HIGH, RiskLevel.MEDIUM)
    assert riskiest.factors and riskiest.factors[0].feature in (
        "days_since_last_login",
        "support_tickets_last_90d",
    )
    assert riskiest.factors[0].label in ("days since last login", "support tickets in 90 days")
    safest = risks[-1]
    assert safest.level is RiskLevel.LOW


def test_too_little_history_is_refused_with_a_reason() -> None:
    with pytest.raises(NotEnoughHistoryError, match="only 90 customer snapshots with a known outcome"):
        train_churn_model(_history(customers=10))


def test_too_few_churned_customers_is_refused() -> None:
    calm = [
        CustomerSnapshot(s.customer_id, s.name, s.as_of, s.features, False if s.churned is not None else None)
        for s in _history()
    ]
    with pytest.raises(NotEnoughHistoryError, match="only 0 churned customers"):
        train_churn_model(calm)


def test_too_few_dates_is_refused() -> None:
    with pytest.raises(NotEnoughHistoryError, match="history covers 2 snapshot dates"):
        train_churn_model(_history(customers=300, months=3))


def test_features_are_configurable() -> None:
    model = train_churn_model(_history(), features=DEFAULT_FEATURES[:3])
    assert model.features == DEFAULT_FEATURES[:3]
    assert set(model.medians) == set(DEFAULT_FEATURES[:3])
