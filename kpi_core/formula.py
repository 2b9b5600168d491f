"""Safe KPI formulas: arithmetic over other KPIs, parsed with an `ast` whitelist (no eval, no exec).

A formula may use numbers, KPI keys, `+ - * / // % **`, unary `-`/`+` and parentheses. Everything
else (calls, attribute access, subscripts, strings, comparisons, ...) is rejected when the config is
loaded, with a message that names the construct.

>>> parse_formula("ltv / cac").evaluate({"ltv": 900.0, "cac": 300.0})
3.0
>>> sorted(parse_formula("mrr * 12").names)
['mrr']
"""

from __future__ import annotations

import ast
import math
import operator
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpi_core.config.models import KpiDefinition

MAX_LENGTH = 1000
MAX_DEPTH = 40


class FormulaError(ValueError):
    """A formula that can never run: a syntax error or a construct the whitelist rejects."""


class FormulaValueError(ArithmeticError):
    """A formula that cannot be computed for these inputs: division by zero, a missing value, overflow."""


class FormulaCycleError(FormulaError):
    """Formula KPIs that depend on each other in a loop. `cycle` is the loop, first key repeated last."""

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("formula cycle: " + " -> ".join(cycle))


_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_DIVISIONS = {ast.Div: "division", ast.FloorDiv: "division", ast.Mod: "modulo"}
_OPERATOR_SYMBOLS = {
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.MatMult: "@",
    ast.Invert: "~",
    ast.Not: "not",
}
_CONSTRUCTS: dict[type[ast.AST], str] = {
    ast.Call: "a function call",
    ast.Attribute: "attribute access",
    ast.Subscript: "a subscript",
    ast.Slice: "a slice",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.Compare: "a comparison",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "a conditional expression",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.JoinedStr: "an f-string",
    ast.NamedExpr: "an assignment",
    ast.Starred: "unpacking",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


@dataclass(frozen=True)
class Formula:
    """A parsed, checked formula. `names` are the KPI keys it reads."""

    text: str
    names: frozenset[str]
    tree: ast.expr = field(repr=False, compare=False, hash=False)

    def evaluate(self, values: Mapping[str, float | None]) -> float:
        """The value for these inputs; raises FormulaValueError (with the reason) when there is none."""
        missing = sorted(name for name in self.names if values.get(name) is None)
        if missing:
            raise FormulaValueError(f"no value for {', '.join(missing)} in {self.text!r}")
        inputs: dict[str, float] = {}
        for name in sorted(self.names):
            raw = values[name]
            try:
                value = float(raw)  # type: ignore[arg-type]  # None was ruled out above
            except (TypeError, ValueError):
                raise FormulaValueError(f"{name} is not a number ({raw!r}) in {self.text!r}") from None
            if not math.isfinite(value):
                raise FormulaValueError(f"{name} is {value} in {self.text!r}")
            inputs[name] = value
        return _evaluate(self.tree, inputs, self.text)


def parse_formula(text: str) -> Formula:
    """Parse and check a formula; raises FormulaError naming the problem.

    >>> parse_formula("os.system('x')")
    Traceback (most recent call last):
    ...
    kpi_core.formula.FormulaError: a function call is not allowed in a formula: os.system('x')
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula is text, got {text!r}")
    # Newlines and tabs (from YAML block scalars) become spaces, keeping column numbers.
    source = text.replace("\r", " ").replace("\n", " ").replace("\t", " ").strip()
    if not source:
        raise FormulaError("the formula is empty")
    if len(source) > MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # "1if x": rejected below anyway
            tree = ast.parse(source, mode="eval").body
    except SyntaxError as error:
        column = f" at column {error.offset}" if error.offset else ""
        raise FormulaError(f"syntax error{column}: {error.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise FormulaError("the formula cannot be parsed") from None
    names: set[str] = set()
    _check(tree, source, names, depth=0)
    _fold_constants(tree, source)
    return Formula(text=source, names=frozenset(names), tree=tree)


def _segment(node: ast.AST, source: str) -> str:
    return ast.get_source_segment(source, node) or type(node).__name__


def _check(node: ast.expr, source: str, names: set[str], *, depth: int) -> None:
    """Walk the tree, allowing only the whitelist; collect the names."""
    if depth > MAX_DEPTH:
        raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = "a string" if isinstance(value, str | bytes) else f"the literal {value!r}"
            raise FormulaError(f"{kind} is not allowed in a formula: {_segment(node, source)}")
        if isinstance(value, float) and not math.isfinite(value):  # 1e999 parses as inf
            raise FormulaError(f"the number {_segment(node, source)} is too large")
        return
    if isinstance(node, ast.Name):
        names.add(node.id)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise _operator_error(node.op, node, source)
        _check(node.operand, source, names, depth=depth + 1)
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise _operator_error(node.op, node, source)
        _check(node.left, source, names, depth=depth + 1)
        _check(node.right, source, names, depth=depth + 1)
        return
    construct = next((text for kind, text in _CONSTRUCTS.items() if isinstance(node, kind)), None)
    construct = construct or f"'{type(node).__name__}'"
    raise FormulaError(f"{construct} is not allowed in a formula: {_segment(node, source)}")


def _operator_error(op: ast.AST, node: ast.AST, source: str) -> FormulaError:
    symbol = _OPERATOR_SYMBOLS.get(type(op), type(op).__name__)
    return FormulaError(
        f"the operator {symbol!r} is not allowed in a formula "
        f"(use + - * / // % ** and parentheses): {_segment(node, source)}"
    )


def _has_names(node: ast.AST) -> bool:
    return any(isinstance(child, ast.Name) for child in ast.walk(node))


def _fold_constants(node: ast.expr, source: str) -> None:
    """Evaluate the parts without KPI names now: `x / 0` or `10**10**10` can never work."""
    if not _has_names(node):
        try:
            _evaluate(node, {}, source)
        except FormulaValueError as error:
            raise FormulaError(str(error)) from None
        return
    if isinstance(node, ast.BinOp) and type(node.op) in _DIVISIONS and not _has_names(node.right):
        try:
            zero = _evaluate(node.right, {}, source) == 0
        except FormulaValueError:
            zero = False  # reported below, for the right-hand side itself
        if zero:
            shown = "" if isinstance(node.right, ast.Constant) else f" ({_segment(node.right, source)} = 0)"
            raise FormulaError(f"{_DIVISIONS[type(node.op)]} by zero in {source!r}{shown}")
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            _fold_constants(child, source)


def _evaluate(node: ast.expr, inputs: Mapping[str, float], source: str) -> float:
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, int | float)  # _check allowed no other constant
        try:
            return float(node.value)
        except OverflowError:
            raise FormulaValueError(f"the number {_segment(node, source)} is too large") from None
    if isinstance(node, ast.Name):
        return inputs[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, inputs, source)
        return -operand if isinstance(node.op, ast.USub) else operand
    assert isinstance(node, ast.BinOp)  # _check allowed nothing else
    left = _evaluate(node.left, inputs, source)
    right = _evaluate(node.right, inputs, source)
    op_type = type(node.op)
    if op_type in _DIVISIONS and right == 0:
        divisor = _segment(node.right, source)
        shown = "" if isinstance(node.right, ast.Constant) else f" ({divisor} = 0)"
        raise FormulaValueError(f"{_DIVISIONS[op_type]} by zero in {source!r}{shown}")
    if op_type is ast.Pow:
        if left == 0 and right < 0:
            raise FormulaValueError(f"zero to a negative power in {source!r}")
        if left < 0 and not right.is_integer():
            raise FormulaValueError(f"a negative number to a fractional power in {source!r}")
    try:
        result = _BINARY[op_type](left, right)
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        segment = _segment(node, source)
        where = "" if segment == source else f" (at {segment})"
        raise FormulaValueError(f"the result is too large in {source!r}{where}")
    return result


def formula_order(kpis: Mapping[str, KpiDefinition]) -> list[str]:
    """The formula KPIs, each after the formula KPIs it reads (raises FormulaCycleError on a loop).

    Names that are not formula KPIs (sql or push KPIs) are inputs; a name that is no KPI at all is
    a FormulaError (the config loader reports those first, with a line number).
    """
    graph: dict[str, tuple[str, ...]] = {}
    for key, kpi in kpis.items():
        formula = getattr(kpi.source, "formula", None)
        if formula is None:
            continue
        names = parse_formula(formula).names
        unknown = sorted(names - kpis.keys())
        if unknown:
            raise FormulaError(f"unknown KPI {unknown[0]!r} in the formula of {key!r}")
        graph[key] = tuple(sorted(names))
    cycles = find_cycles(graph)
    if cycles:
        raise FormulaCycleError(cycles[0])
    order: list[str] = []
    done: set[str] = set()

    def visit(key: str) -> None:
        if key in done:
            return
        done.add(key)
        for dependency in graph[key]:
            if dependency in graph:
                visit(dependency)
        order.append(key)

    for key in graph:
        visit(key)
    return order


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every loop met by a depth-first walk of `graph` (node -> the nodes it reads), as [a, b, a]."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    path: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)
    return cycles
