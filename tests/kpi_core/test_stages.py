from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from kpi_core.stages import (
    KpiValue,
    StageConfig,
    StageTarget,
    TargetCheck,
    check_stages,
    current_stage,
    evaluate_stage,
)


def _stages(**extra: object) -> list[StageConfig]:
    fit = {
        "key": "product_market_fit",
        "name": "Product-Market Fit",
        "starts_on": date(2024, 1, 1),
        "criteria": [
            {"category": "Customer", "targets": [{"kpi": "nps", "above": 50}, {"kpi": "churn", "below": 5}]},
            {
                "category": "Market",
                "targets": [{"kpi": "customers", "at_least": 100}, {"text": "45% win rate"}],
            },
        ],
    }
    scale = {
        "key": "scaling_growth",
        "name": "Scaling Growth",
        "starts_on": date(2025, 1, 1),
        "criteria": [{"category": "Growth", "targets": [{"kpi": "customers", "at_least": 300}]}],
    }
    fit.update(extra)
    return [StageConfig.model_validate(fit), StageConfig.model_validate(scale)]


VALUES = {
    "nps": KpiValue("NPS Score", "score", 52),
    "churn": KpiValue("Monthly Churn Rate", "percent", 3.2),
    "customers": KpiValue("Total Customers", "count", 387),
}


def test_current_stage_is_dated_or_configured() -> None:
    assert current_stage(_stages(), today=date(2024, 6, 1)).key == "product_market_fit"
    assert current_stage(_stages(), today=date(2025, 6, 1)).key == "scaling_growth"
    assert current_stage(_stages(), today=date(2023, 6, 1)).key == "product_market_fit"
    assert current_stage(_stages(current=True), today=date(2025, 6, 1)).key == "product_market_fit"


def test_criteria_are_met_missed_or_not_measured() -> None:
    stages = _stages()
    report = evaluate_stage(stages, stages[0], values=VALUES)
    customer, market = report.criteria
    assert customer.met is True
    assert [(t.text, t.value, t.met) for t in customer.targets] == [
        ("NPS Score > 50", "52", True),
        ("Monthly Churn Rate < 5%", "3.2%", True),
    ]
    assert market.met is None  # customers met, win rate is judged by people
    assert market.targets[1].met is None and market.targets[1].text == "45% win rate"
    assert (report.position, report.of, report.next_stage, report.met) == (1, 2, "Scaling Growth", 1)
    missed = evaluate_stage(
        stages, stages[1], values={**VALUES, "customers": KpiValue("Customers", "count", 120)}
    )
    assert missed.criteria[0].met is False and missed.next_stage is None


def test_a_kpi_without_a_value_is_not_measured() -> None:
    stages = _stages()
    report = evaluate_stage(stages, stages[0], values={})
    assert report.criteria[0].targets[0] == TargetCheck("nps > 50", None, None)
    assert report.criteria[0].met is None


def test_targets_need_one_bound_or_a_text() -> None:
    with pytest.raises(ValidationError, match="exactly one of above"):
        StageTarget(kpi="nps", above=50, below=70)
    with pytest.raises(ValidationError, match="or is a text"):
        StageTarget()
    with pytest.raises(ValidationError):
        StageTarget(kpi="nps", above=float("inf"))


def test_stage_list_problems() -> None:
    stages = _stages()
    assert check_stages(stages) == []
    twice = [
        stages[0],
        stages[0].model_copy(update={"current": True}),
        stages[1].model_copy(update={"current": True}),
    ]
    assert check_stages(twice) == [
        "stage 'product_market_fit' is defined twice",
        "only one stage can be current",
    ]
    backwards = [stages[1], stages[0]]
    assert check_stages(backwards) == ["stage start dates must be in stage order"]
