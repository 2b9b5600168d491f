from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from kpi_core.alerts.backtest import backtest
from kpi_core.alerts.evaluate import evaluate_rule
from kpi_core.alerts.phrases import parse_condition
from kpi_core.alerts.rules import compile_rules
from kpi_core.anomaly.detect import SENSITIVITY
from tests.kpi_core.alerts.helpers import CATALOG, config, daily, rule

START = date(2025, 1, 6)  # a Monday


def users(days: int) -> list[float | None]:
    rng = np.random.default_rng(3)
    t = np.arange(days)
    values = 1_200 + 0.4 * t + np.where(t % 7 >= 5, -250.0, 0.0) + rng.normal(0, 20, days)
    return [float(v) for v in values]


def test_the_phrases() -> None:
    assert parse_condition("total_customers is anomalous").anomaly == "both"
    assert parse_condition("Total Customers is anomalously low").anomaly == "below"
    assert parse_condition("total_customers is unusually high").anomaly == "above"


def test_a_low_tuesday_fires_with_its_expected_range_then_resolves() -> None:
    r = rule("total_customers is anomalous")
    assert r.kind == "anomaly" and r.side == "both" and r.lookback >= 400
    values = users(180)
    values[176] = (values[176] or 0.0) - 150  # a Tuesday, still far above any weekend
    series = daily(values, start=START)
    tuesday = START + timedelta(days=176)
    result = evaluate_rule(r, series, at=tuesday)
    assert result.state == "firing" and result.severity == "warning"
    assert result.threshold is not None and result.value is not None and result.value < result.threshold
    assert result.summary.startswith("Total Customers ")
    assert ", expected " in result.summary and "for a Tuesday: below its normal range" in result.summary
    assert evaluate_rule(r, series, at=tuesday + timedelta(days=1), active=True).state == "ok"
    [episode] = backtest(r, series, START)
    assert episode.fired_at == tuesday and episode.resolved_at == tuesday + timedelta(days=1)


def test_direction_for_and_sensitivity_in_the_structured_form() -> None:
    entry = {
        "name": "Customers jump",
        "kpi": "total_customers",
        "anomaly": {"sensitivity": "high", "direction": "above"},
        "for": "2 days",
    }
    [r] = compile_rules(config({"alerts": [entry]}), CATALOG)
    assert (r.kind, r.side, r.sensitivity, r.for_periods) == ("anomaly", "above", SENSITIVITY["high"], 2)
    values = users(120)
    values[110] = (values[110] or 0.0) - 300  # a dip: not watched by an "above" rule
    values[115] = (values[115] or 0.0) + 300
    values[116] = (values[116] or 0.0) + 300
    series = daily(values, start=START)
    assert evaluate_rule(r, series, at=START + timedelta(days=110)).state == "ok"
    assert evaluate_rule(r, series, at=START + timedelta(days=115)).state == "pending"
    assert evaluate_rule(r, series, at=START + timedelta(days=116)).state == "firing"


def test_too_little_history_is_no_data_not_an_alert() -> None:
    r = rule("total_customers is anomalous")
    result = evaluate_rule(r, daily(users(30), start=START), at=START + timedelta(days=29))
    assert result.state == "no_data"
    assert "Not enough history yet to learn the normal range of Total Customers" in result.summary


def test_unknown_kpi_and_missing_form_are_config_errors() -> None:
    with pytest.raises(ValueError, match="nosuch"):
        rule("nosuch is anomalous")
