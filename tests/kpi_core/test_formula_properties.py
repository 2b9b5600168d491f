"""Property tests for the formula evaluator: it agrees with plain float arithmetic where that is
defined, reports (never crashes) where it is not, and rejects any text outside the whitelist."""

from __future__ import annotations

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_core.config.models import KpiDefinition
from kpi_core.formula import FormulaCycleError, FormulaError, FormulaValueError, formula_order, parse_formula

NAMES = ("mrr", "cac", "churn_rate", "x1")
OPERATORS = ("+", "-", "*", "/", "//", "%")

leaves = st.one_of(st.sampled_from(NAMES), st.integers(0, 1000).map(str), st.sampled_from(["0.5", "2.25"]))


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(OPERATORS), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    power = st.tuples(children, st.integers(0, 2)).map(lambda t: f"({t[0]}) ** {t[1]}")
    negate = children.map(lambda c: f"-({c})")
    return st.one_of(binary, power, negate)


expressions = st.recursive(leaves, _combine, max_leaves=8)
values = st.one_of(
    st.integers(-100, 100).map(float),
    st.floats(-100, 100, allow_nan=False).filter(lambda v: v == 0 or abs(v) >= 1e-3),
)


def reference(text: str, inputs: dict[str, float]) -> float | None:
    """Python's own float arithmetic; None where it fails or leaves the finite numbers."""
    try:
        result = eval(text, {"__builtins__": {}}, dict(inputs))  # the test oracle, on generated text only
        number = float(result)
    except (ZeroDivisionError, OverflowError, TypeError):
        return None
    return number if math.isfinite(number) else None


@settings(max_examples=300, deadline=None)
@given(text=expressions, inputs=st.fixed_dictionaries({name: values for name in NAMES}))
def test_agrees_with_float_arithmetic(text: str, inputs: dict[str, float]) -> None:
    expected = reference(text, inputs)
    try:
        formula = parse_formula(text)
    except FormulaError:
        # Only constant parts that can never work are rejected up front (a zero divisor, overflow).
        assert expected is None
        return
    try:
        got: float | None = formula.evaluate(inputs)
    except FormulaValueError as error:
        assert str(error)
        got = None
    if expected is None:
        assert got is None
    else:
        assert got is not None
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9)


@given(text=expressions)
def test_names_are_exactly_the_names_used(text: str) -> None:
    try:
        formula = parse_formula(text)
    except FormulaError:
        return
    assert formula.names == {
        name for name in NAMES if name in text.replace("(", " ").replace(")", " ").split()
    }


tokens = st.sampled_from(
    [*NAMES, "1", "0", "1e308", "**", "*", "/", "//", "%", "+", "-", "(", ")", ".", ",", "[", "]",
     "'", '"', "__import__", "lambda", ":", "if", "else", "and", "<", "=", "@", "~", "&", " ", "\n", "\x00",
     "#", "{", "}"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=80), st.lists(tokens, max_size=30).map("".join)))
def test_any_text_gives_a_formula_or_formula_error(text: str) -> None:
    try:
        formula = parse_formula(text)
    except FormulaError as error:
        assert str(error)
        return
    inputs = {name: 3.0 for name in formula.names}
    try:
        result = formula.evaluate(inputs)
    except FormulaValueError:
        return
    assert math.isfinite(result)


@st.composite
def dags(draw: st.DrawFn) -> dict[str, list[str]]:
    size = draw(st.integers(1, 8))
    keys = [f"k{i}" for i in range(size)]
    # Edges only to lower-numbered keys: acyclic by construction.
    return {
        key: draw(st.lists(st.sampled_from(keys[:i]), unique=True)) if i else [] for i, key in enumerate(keys)
    }


def _catalog(graph: dict[str, list[str]]) -> dict[str, KpiDefinition]:
    kpis = {}
    for key, deps in graph.items():
        source = {"formula": " + ".join(deps)} if deps else "push"
        kpis[key] = KpiDefinition.model_validate({"key": key, "name": key, "source": source})
    return kpis


@given(graph=dags())
def test_formula_order_respects_every_dependency(graph: dict[str, list[str]]) -> None:
    order = formula_order(_catalog(graph))
    assert sorted(order) == sorted(key for key, deps in graph.items() if deps)
    for key in order:
        for dep in graph[key]:
            if graph[dep]:
                assert order.index(dep) < order.index(key)


@given(graph=dags(), data=st.data())
def test_a_back_edge_is_reported_as_a_real_cycle(graph: dict[str, list[str]], data: st.DataObject) -> None:
    keys = list(graph)
    low = data.draw(st.sampled_from(keys))
    high = data.draw(st.sampled_from(keys[keys.index(low) :]))
    # Make sure high reads low (unless they are the same key); then low reading high closes a loop.
    if low != high and low not in graph[high]:
        graph[high] = [*graph[high], low]
    graph[low] = [*graph[low], high]
    try:
        formula_order(_catalog(graph))
    except FormulaCycleError as error:
        cycle = error.cycle
        assert cycle[0] == cycle[-1]
        assert all(b in graph[a] for a, b in itertools.pairwise(cycle))
    else:
        raise AssertionError("a cycle was not reported")
