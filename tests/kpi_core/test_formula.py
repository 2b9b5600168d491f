"""Safe formulas: the whitelist, evaluation errors with reasons, dependency order and cycles."""

from __future__ import annotations

import pytest

from kpi_core.config.models import KpiDefinition
from kpi_core.formula import (
    FormulaCycleError,
    FormulaError,
    FormulaValueError,
    find_cycles,
    formula_order,
    parse_formula,
)


def kpi(key: str, formula: str | None = None) -> KpiDefinition:
    source = {"formula": formula} if formula else "push"
    return KpiDefinition.model_validate({"key": key, "name": key.upper(), "source": source})


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("mrr * 12", {"mrr": 1000.0}, 12000.0),
        ("ltv / cac", {"ltv": 900.0, "cac": 300.0}, 3.0),
        ("arpu / (churn_rate / 100)", {"arpu": 50.0, "churn_rate": 2.5}, 2000.0),
        ("-a + +b", {"a": 2.0, "b": 5.0}, 3.0),
        ("7 // 2 + 7 % 4 + 2 ** 3", {}, 3 + 3 + 8),
        ("(a + b) * c", {"a": 1, "b": 2, "c": 4}, 12.0),
        ("a ** 0.5", {"a": 16.0}, 4.0),
        ("(-8) ** 3", {}, -512.0),
        ("1e3 * x", {"x": 2.0}, 2000.0),
    ],
)
def test_evaluates_arithmetic(text: str, values: dict[str, float], expected: float) -> None:
    assert parse_formula(text).evaluate(values) == pytest.approx(expected)


def test_names_are_the_kpis_read() -> None:
    formula = parse_formula("(mrr - churned_mrr) / mrr * 100")
    assert formula.names == frozenset({"mrr", "churned_mrr"})
    assert formula.text == "(mrr - churned_mrr) / mrr * 100"


def test_block_scalar_newlines_are_spaces() -> None:
    formula = parse_formula("mrr\n  * 12\n")
    assert formula.text == "mrr   * 12"
    assert formula.evaluate({"mrr": 2.0}) == 24.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", "a function call is not allowed in a formula: __import__('os')"),
        ("max(a, b)", "a function call is not allowed in a formula: max(a, b)"),
        ("mrr.__class__", "attribute access is not allowed in a formula: mrr.__class__"),
        ("().__class__.__bases__", "attribute access is not allowed in a formula: ().__class__.__bases__"),
        ("a[0]", "a subscript is not allowed in a formula: a[0]"),
        ("lambda: 1", "a lambda is not allowed in a formula: lambda: 1"),
        ("[x for x in a]", "a comprehension is not allowed in a formula: [x for x in a]"),
        ("'abc'", "a string is not allowed in a formula: 'abc'"),
        ("a < b", "a comparison is not allowed in a formula: a < b"),
        ("a and b", "'and'/'or' is not allowed in a formula: a and b"),
        ("a if b else c", "a conditional expression is not allowed in a formula: a if b else c"),
        ("(a, b)", "a tuple is not allowed in a formula: (a, b)"),
        ("f'{a}'", "an f-string is not allowed in a formula: f'{a}'"),
        ("(y := 2)", "an assignment is not allowed in a formula: y := 2"),
        ("True", "the literal True is not allowed in a formula: True"),
        ("None * 2", "the literal None is not allowed in a formula: None"),
        ("2j", "the literal 2j is not allowed in a formula: 2j"),
        (
            "a & b",
            "the operator '&' is not allowed in a formula (use + - * / // % ** and parentheses): a & b",
        ),
        ("~a", "the operator '~' is not allowed in a formula (use + - * / // % ** and parentheses): ~a"),
        ("x = 1", "syntax error at column 3: invalid syntax"),
        ("mrr *", "syntax error: invalid syntax"),
        ("(mrr", "syntax error at column 1: '(' was never closed"),
        ("", "the formula is empty"),
        ("   ", "the formula is empty"),
        ("1 / 0", "division by zero in '1 / 0'"),
        ("a / (2 - 2)", "division by zero in 'a / (2 - 2)' (2 - 2 = 0)"),
        ("10 ** 10 ** 10", "the result is too large in '10 ** 10 ** 10'"),
        ("a * 1e999", "the number 1e999 is too large"),
        ("a * 1" + "0" * 400, "the number 1" + "0" * 400 + " is too large"),
        ("a * 10 ** 400", "the result is too large in 'a * 10 ** 400' (at 10 ** 400)"),
        ("-" * 60 + "a", "the formula is nested more than 40 levels deep"),
    ],
)
def test_rejects_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(FormulaError) as raised:
        parse_formula(text)
    assert str(raised.value) == message


def test_rejects_overlong_formulas() -> None:
    with pytest.raises(FormulaError, match="longer than 1000 characters"):
        parse_formula(" + ".join(["a"] * 400))


@pytest.mark.parametrize(
    ("text", "values", "message"),
    [
        ("ltv / cac", {"ltv": 900.0, "cac": 0.0}, "division by zero in 'ltv / cac' (cac = 0)"),
        ("a // (b - c)", {"a": 1, "b": 2, "c": 2}, "division by zero in 'a // (b - c)' (b - c = 0)"),
        ("a % b", {"a": 1, "b": 0}, "modulo by zero in 'a % b' (b = 0)"),
        ("ltv / cac", {"ltv": 900.0, "cac": None}, "no value for cac in 'ltv / cac'"),
        ("ltv / cac", {}, "no value for cac, ltv in 'ltv / cac'"),
        ("a ** b", {"a": 10.0, "b": 1e10}, "the result is too large in 'a ** b'"),
        ("a * b", {"a": 1e200, "b": 1e200}, "the result is too large in 'a * b'"),
        ("a ** b", {"a": 0.0, "b": -1.0}, "zero to a negative power in 'a ** b'"),
        ("a ** 0.5", {"a": -4.0}, "a negative number to a fractional power in 'a ** 0.5'"),
        ("a + 1", {"a": float("nan")}, "a is nan in 'a + 1'"),
        ("a + 1", {"a": "x"}, "a is not a number ('x') in 'a + 1'"),
    ],
)
def test_evaluation_problems_are_reported_not_raised_raw(
    text: str, values: dict[str, float | None], message: str
) -> None:
    with pytest.raises(FormulaValueError) as raised:
        parse_formula(text).evaluate(values)
    assert str(raised.value) == message


def test_formula_order_puts_inputs_first() -> None:
    kpis = {
        "ltv": kpi("ltv", "arpu / (churn / 100)"),
        "ltv_cac": kpi("ltv_cac", "ltv / cac"),
        "arpu": kpi("arpu", "mrr / customers"),
        "mrr": kpi("mrr"),
        "customers": kpi("customers"),
        "churn": kpi("churn"),
        "cac": kpi("cac"),
        "arr": kpi("arr", "mrr * 12"),
    }
    order = formula_order(kpis)
    assert sorted(order) == ["arpu", "arr", "ltv", "ltv_cac"]
    assert order.index("arpu") < order.index("ltv") < order.index("ltv_cac")


def test_formula_order_reports_the_cycle() -> None:
    kpis = {"a": kpi("a", "b + 1"), "b": kpi("b", "c * 2"), "c": kpi("c", "a - x"), "x": kpi("x")}
    with pytest.raises(FormulaCycleError) as raised:
        formula_order(kpis)
    assert raised.value.cycle == ["a", "b", "c", "a"]
    assert str(raised.value) == "formula cycle: a -> b -> c -> a"


def test_formula_order_self_reference_is_a_cycle() -> None:
    with pytest.raises(FormulaCycleError) as raised:
        formula_order({"a": kpi("a", "a + 1")})
    assert raised.value.cycle == ["a", "a"]


def test_formula_order_rejects_unknown_names() -> None:
    with pytest.raises(FormulaError, match="unknown KPI 'mrrr' in the formula of 'arr'"):
        formula_order({"arr": kpi("arr", "mrrr * 12")})


def test_find_cycles_finds_each_loop() -> None:
    graph = {"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c", "e"], "e": []}
    assert find_cycles(graph) == [["a", "b", "a"], ["c", "d", "c"]]
    assert find_cycles({"a": ["b"], "b": ["outside"]}) == []
