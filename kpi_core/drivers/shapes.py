"""Which attribution a KPI's formula allows: a ratio (`ltv / cac`) or a signed sum of KPIs (`a + b - c`).

shape = formula_shape(parse_formula("ltv / cac"))      # RatioShape(numerator=..., denominator=...)
attribute_formula(kpi, before={"ltv": 900, "cac": 300}, after={"ltv": 990, "cac": 360})
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

from kpi_core.config.models import FormulaSource, KpiDefinition
from kpi_core.drivers.attribution import Attribution, Component, attribute_components, attribute_ratio
from kpi_core.formula import Formula, FormulaValueError, parse_formula


@dataclass(frozen=True)
class RatioShape:
    numerator: Formula
    denominator: Formula


@dataclass(frozen=True)
class SumShape:
    parts: tuple[tuple[str, int], ...]  # (KPI key, +1 or -1)


def formula_shape(formula: Formula) -> RatioShape | SumShape | None:
    """A ratio when the formula's last operation is a division; a sum when it adds and subtracts KPIs only."""
    tree = formula.tree
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Div):
        numerator = ast.get_source_segment(formula.text, tree.left)
        denominator = ast.get_source_segment(formula.text, tree.right)
        if numerator and denominator:
            return RatioShape(numerator=parse_formula(numerator), denominator=parse_formula(denominator))
        return None
    parts = _signed_names(tree, sign=1)
    return SumShape(parts=tuple(parts)) if parts and len(parts) > 1 else None


def _signed_names(node: ast.expr, *, sign: int) -> list[tuple[str, int]] | None:
    if isinstance(node, ast.Name):
        return [(node.id, sign)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        left = _signed_names(node.left, sign=sign)
        right = _signed_names(node.right, sign=sign if isinstance(node.op, ast.Add) else -sign)
        return None if left is None or right is None else left + right
    return None


def attribute_formula(
    kpi: KpiDefinition, *, before: Mapping[str, float | None], after: Mapping[str, float | None]
) -> Attribution | None:
    """Attribute a formula KPI's change to its inputs, or None when its shape or data does not allow it."""
    if not isinstance(kpi.source, FormulaSource):
        return None
    shape = formula_shape(kpi.source.parsed)
    try:
        if isinstance(shape, RatioShape):
            return attribute_ratio(
                numerator=(shape.numerator.evaluate(before), shape.numerator.evaluate(after)),
                denominator=(shape.denominator.evaluate(before), shape.denominator.evaluate(after)),
                names=(shape.numerator.text, shape.denominator.text),
            )
        if isinstance(shape, SumShape):
            parts = []
            for name, sign in shape.parts:
                old, new = before.get(name), after.get(name)
                if old is None or new is None:
                    return None
                parts.append(Component(name=name, sign=sign, before=float(old), after=float(new)))
            return attribute_components(parts=parts)
    except (FormulaValueError, ValueError, ZeroDivisionError):
        return None
    return None
