from __future__ import annotations

import pytest

from kpi_core.health import (
    Band,
    HealthInput,
    HealthWeights,
    NoRatedKpisError,
    band_for,
    health_score,
    kpi_points,
)


def _kpi(key: str, tier: str = "output", category: str = "revenue", **kwargs: object) -> HealthInput:
    return HealthInput(key, key.upper(), category, tier, **kwargs)  # type: ignore[arg-type]


def test_bands() -> None:
    assert band_for(85) is Band.EXCELLENT
    assert band_for(84.9) is Band.GOOD
    assert band_for(70) is Band.GOOD
    assert band_for(50) is Band.FAIR
    assert band_for(49.9) is Band.POOR


def test_points_average_goal_standing_and_health() -> None:
    weights = HealthWeights()
    assert kpi_points(_kpi("a", goal="met", health="healthy"), weights) == 100
    assert kpi_points(_kpi("a", goal="met", health="critical"), weights) == 50
    assert kpi_points(_kpi("a", goal="on_pace"), weights) == 85
    assert kpi_points(_kpi("a", goal="behind", progress=0.8), weights) == pytest.approx(56)
    assert kpi_points(_kpi("a", goal="behind"), weights) == 40
    assert kpi_points(_kpi("a", health="warning"), weights) == 50
    assert kpi_points(_kpi("a"), weights) is None


def test_score_is_tier_weighted_with_categories_and_drags() -> None:
    items = [
        _kpi("mabv", "north_star", "product", goal="behind", progress=0.5),  # 35 points, weight 3
        _kpi("mrr", "input", "revenue", goal="met", health="healthy"),  # 100, weight 2
        _kpi("churn", "health", "customer", goal="behind", progress=0.9, health="warning"),  # 56.5, w 1
        _kpi("nps", "output", "customer", goal="met"),  # 100, weight 1.5
        _kpi("wiki", "output", "team"),  # unrated
    ]
    result = health_score(items)
    expected = (35 * 3 + 100 * 2 + 56.5 * 1 + 100 * 1.5) / 7.5
    assert result.score == pytest.approx(expected)
    assert result.band is band_for(expected)
    assert [c.category for c in result.categories] == ["product", "revenue", "customer"]
    customer = result.categories[2]
    assert customer.score == pytest.approx((56.5 + 150) / 2.5) and customer.kpis == 2
    assert [d.key for d in result.drags] == ["mabv", "churn"]  # met KPIs do not drag
    assert sum(k.drag for k in result.kpis) == pytest.approx(100 - result.score)
    assert result.unrated == ("WIKI",)


def test_three_largest_drags_at_most() -> None:
    items = [_kpi(f"k{i}", goal="behind", progress=i / 10) for i in range(6)]
    assert [d.key for d in health_score(items).drags] == ["k0", "k1", "k2"]


def test_weights_are_configurable() -> None:
    items = [_kpi("a", "north_star", goal="met"), _kpi("b", "health", goal="behind")]
    even = health_score(items, weights=HealthWeights(tiers={"north_star": 1, "health": 1}))
    assert even.score == pytest.approx(70)
    assert health_score(items).score == pytest.approx((300 + 40) / 4)


def test_nothing_to_rate_is_an_error_with_a_reason() -> None:
    with pytest.raises(NoRatedKpisError, match="no KPI has a target or thresholds"):
        health_score([_kpi("a")])
