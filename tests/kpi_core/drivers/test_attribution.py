from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_core.config.models import KpiDefinition
from kpi_core.drivers.attribution import (
    REMAINDER,
    Component,
    attribute_bridge,
    attribute_components,
    attribute_ratio,
    attribute_segments,
)
from kpi_core.drivers.shapes import RatioShape, SumShape, attribute_formula, formula_shape
from kpi_core.formula import parse_formula

amounts = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False)
segments = st.dictionaries(st.sampled_from(["pro", "team", "enterprise", "free", "edu"]), amounts, max_size=5)


@settings(max_examples=300, deadline=None)
@given(before=segments, after=segments)
def test_segment_contributions_sum_to_the_total_change(
    before: dict[str, float], after: dict[str, float]
) -> None:
    result = attribute_segments(before=before, after=after)
    total = math.fsum(after.values()) - math.fsum(before.values())
    assert result.change == pytest.approx(total, abs=1e-6)
    assert math.fsum(c.change for c in result.contributions) == pytest.approx(total, abs=1e-6)
    assert {c.name for c in result.contributions} == set(before) | set(after)


def test_segments_missing_in_one_period_count_as_appearing_or_leaving() -> None:
    result = attribute_segments(
        before={"pro": 100.0, "legacy": 30.0}, after={"pro": 120.0, "enterprise": 50.0}
    )
    by_name = {c.name: c for c in result.contributions}
    assert by_name["legacy"].before == 30.0 and by_name["legacy"].after is None
    assert by_name["legacy"].change == -30.0
    assert by_name["enterprise"].before is None and by_name["enterprise"].change == 50.0
    assert result.change == 40.0
    assert [c.name for c in result.contributions] == ["enterprise", "legacy", "pro"]  # largest first
    assert [c.name for c in result.increases] == ["enterprise", "pro"]
    assert [c.name for c in result.decreases] == ["legacy"]
    assert by_name["enterprise"].share == pytest.approx(50 / 40)


def test_unchanged_total_has_no_shares() -> None:
    result = attribute_segments(before={"a": 10.0, "b": 10.0}, after={"a": 15.0, "b": 5.0})
    assert result.change == 0
    assert all(c.share is None for c in result.contributions)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.tuples(st.sampled_from([1, -1]), amounts, amounts), min_size=1, max_size=6))
def test_component_contributions_sum_to_the_change(parts: list[tuple[int, float, float]]) -> None:
    components = [Component(name=f"c{i}", sign=s, before=b, after=a) for i, (s, b, a) in enumerate(parts)]
    result = attribute_components(parts=components)
    assert math.fsum(c.change for c in result.contributions) == pytest.approx(result.change, abs=1e-5)


def test_mrr_bridge_explains_the_change_and_names_what_is_left() -> None:
    movements = {"new": 12_000.0, "expansion": 4_000.0, "contraction": -1_500.0, "churn": -6_000.0}
    result = attribute_bridge(before=400_000.0, after=409_000.0, movements=movements)
    assert [c.name for c in result.contributions] == ["new", "churn", "expansion", "contraction", REMAINDER]
    assert math.fsum(c.change for c in result.contributions) == pytest.approx(9_000.0)
    exact = attribute_bridge(before=400_000.0, after=408_500.0, movements=movements)
    assert REMAINDER not in {c.name for c in exact.contributions}


@settings(max_examples=300, deadline=None)
@given(values=st.tuples(*[st.floats(min_value=1e-3, max_value=1e6) for _ in range(4)]))
def test_ratio_contributions_sum_to_the_log_change(values: tuple[float, float, float, float]) -> None:
    n0, n1, d0, d1 = values
    result = attribute_ratio(numerator=(n0, n1), denominator=(d0, d1))
    log_change = math.log((n1 / d1) / (n0 / d0))
    assert result.change == pytest.approx(log_change, abs=1e-9)
    assert math.fsum(c.change for c in result.contributions) == pytest.approx(log_change, abs=1e-9)
    assert math.fsum(c.value_change for c in result.contributions) == pytest.approx(
        n1 / d1 - n0 / d0, rel=1e-6, abs=1e-6
    )


def test_ratio_needs_positive_values() -> None:
    with pytest.raises(ValueError, match="positive"):
        attribute_ratio(numerator=(1.0, 2.0), denominator=(0.0, 1.0))


def test_formula_shapes() -> None:
    ratio = formula_shape(parse_formula("(ltv - cost_to_serve / (monthly_churn_rate / 100)) / cac"))
    assert isinstance(ratio, RatioShape)
    assert ratio.denominator.names == frozenset({"cac"})
    assert ratio.numerator.names == frozenset({"ltv", "cost_to_serve", "monthly_churn_rate"})
    summed = formula_shape(parse_formula("new_mrr + expansion_mrr - (contraction_mrr + churned_mrr)"))
    assert summed == SumShape(
        parts=(("new_mrr", 1), ("expansion_mrr", 1), ("contraction_mrr", -1), ("churned_mrr", -1))
    )
    assert formula_shape(parse_formula("mrr * 12")) is None


def test_ltv_cac_change_is_split_between_ltv_and_cac() -> None:
    kpi = KpiDefinition(key="ltv_cac", name="LTV:CAC", unit="ratio", source={"formula": "ltv / cac"})
    result = attribute_formula(kpi, before={"ltv": 900.0, "cac": 300.0}, after={"ltv": 990.0, "cac": 360.0})
    assert result is not None and result.kind == "ratio"
    by_name = {c.name: c for c in result.contributions}
    assert by_name["ltv"].change == pytest.approx(math.log(1.1))
    assert by_name["cac"].change == pytest.approx(-math.log(1.2))
    assert result.contributions[0].name == "cac"  # the bigger mover first
    assert attribute_formula(kpi, before={"ltv": 900.0, "cac": None}, after={"ltv": 1.0, "cac": 2.0}) is None
