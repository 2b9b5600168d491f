"""Attributing a KPI's change between two periods, so "why did it move?" has a number per driver.

Three exact decompositions, each of whose contributions add up to the change it explains:

- segments (an additive KPI split by a dimension such as plan): each segment contributes its own change;
  a segment missing in one period counts as zero there (it appeared or went away);
- components (a KPI declared as a signed sum of other KPIs, e.g. MRR = new + expansion - contraction -
  churn read as a bridge of movements, or revenue = product_a + product_b): each signed part contributes
  its change, and a bridge's unexplained remainder is shown as its own line rather than hidden;
- ratios (LTV:CAC = ltv / cac): log(r1 / r0) = log(n1 / n0) - log(d1 / d0), so numerator and denominator
  contributions add up to the log change; `value_change` spreads the plain change in the same proportion.

    result = attribute_segments(before={"pro": 100.0, "team": 50.0}, after={"pro": 130.0, "team": 40.0})
    [(c.name, c.change) for c in result.contributions]  # [("pro", 30.0), ("team", -10.0)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal["segments", "components", "bridge", "ratio"]
REMAINDER = "other movements"


@dataclass(frozen=True)
class Contribution:
    """One driver: its values in the two periods and its share of the change."""

    name: str
    before: float | None  # None: the driver did not exist in the earlier period
    after: float | None
    change: float  # its part of the total change (log units for a ratio)
    value_change: float  # its part of the change in the KPI's own unit
    share: float | None  # change / total change; None when the total did not move


@dataclass(frozen=True)
class Attribution:
    """The change of a KPI from `before` to `after`, split into contributions (largest first)."""

    kind: Kind
    before: float
    after: float
    change: float  # after - before; for a ratio the log change log(after / before)
    contributions: tuple[Contribution, ...]

    @property
    def increases(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.contributions if c.value_change > 0)

    @property
    def decreases(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.contributions if c.value_change < 0)


def _ranked(items: list[Contribution]) -> tuple[Contribution, ...]:
    return tuple(sorted(items, key=lambda c: (-abs(c.value_change), c.name)))


def _share(part: float, total: float) -> float | None:
    return None if total == 0 else part / total


def attribute_segments(*, before: Mapping[str, float], after: Mapping[str, float]) -> Attribution:
    """Split the change of an additive total into its segments' changes (they add up to it exactly)."""
    names = sorted(set(before) | set(after))
    total_before = math.fsum(before.values())
    total_after = math.fsum(after.values())
    total = total_after - total_before
    items = []
    for name in names:
        delta = after.get(name, 0.0) - before.get(name, 0.0)
        items.append(
            Contribution(
                name=name,
                before=before.get(name),
                after=after.get(name),
                change=delta,
                value_change=delta,
                share=_share(delta, total),
            )
        )
    return Attribution(
        kind="segments", before=total_before, after=total_after, change=total, contributions=_ranked(items)
    )


@dataclass(frozen=True)
class Component:
    """A signed part of a sum: `sign` is +1 or -1 (MRR = new + expansion - contraction - churn)."""

    name: str
    sign: int
    before: float
    after: float


def attribute_components(*, parts: Sequence[Component]) -> Attribution:
    """Split the change of `sum(sign * part)` into each part's signed change."""
    total_before = math.fsum(p.sign * p.before for p in parts)
    total_after = math.fsum(p.sign * p.after for p in parts)
    total = total_after - total_before
    items = [
        Contribution(
            name=p.name,
            before=p.before,
            after=p.after,
            change=p.sign * (p.after - p.before),
            value_change=p.sign * (p.after - p.before),
            share=_share(p.sign * (p.after - p.before), total),
        )
        for p in parts
    ]
    return Attribution(
        kind="components", before=total_before, after=total_after, change=total, contributions=_ranked(items)
    )


def attribute_bridge(*, before: float, after: float, movements: Mapping[str, float]) -> Attribution:
    """Explain a level's change by the period's signed movements (new, expansion, -contraction, -churn).

    Whatever the movements do not explain (late data, rounding, reactivations) is its own contribution,
    named `REMAINDER`, so the contributions always add up to `after - before`.
    """
    total = after - before
    items = [
        Contribution(
            name=name, before=None, after=value, change=value, value_change=value, share=_share(value, total)
        )
        for name, value in movements.items()
    ]
    rest = total - math.fsum(movements.values())
    if abs(rest) > 1e-9 * max(1.0, abs(before), abs(after)):
        items.append(
            Contribution(
                name=REMAINDER,
                before=None,
                after=None,
                change=rest,
                value_change=rest,
                share=_share(rest, total),
            )
        )
    return Attribution(kind="bridge", before=before, after=after, change=total, contributions=_ranked(items))


def attribute_ratio(
    *,
    numerator: tuple[float, float],
    denominator: tuple[float, float],
    names: tuple[str, str] = ("numerator", "denominator"),
) -> Attribution:
    """Split log(r1 / r0) of r = n / d into log(n1 / n0) and -log(d1 / d0). All values must be positive."""
    (n0, n1), (d0, d1) = numerator, denominator
    if min(n0, n1, d0, d1) <= 0:
        raise ValueError("ratio attribution needs positive numerator and denominator values")
    before, after = n0 / d0, n1 / d1
    log_total = math.log(after / before)
    parts = [(names[0], n0, n1, math.log(n1 / n0)), (names[1], d0, d1, -math.log(d1 / d0))]
    plain = after - before
    items = [
        Contribution(
            name=name,
            before=b,
            after=a,
            change=log_part,
            value_change=0.0 if log_total == 0 else plain * log_part / log_total,
            share=_share(log_part, log_total),
        )
        for name, b, a, log_part in parts
    ]
    return Attribution(
        kind="ratio", before=before, after=after, change=log_total, contributions=_ranked(items)
    )
