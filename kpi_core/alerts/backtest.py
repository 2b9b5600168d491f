"""`kpibot alerts test RULE --since D`: when a rule would have fired and resolved over history.

Lets people tune thresholds on real data without notifying anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from kpi_core.alerts.evaluate import evaluate_rule, prepare_series
from kpi_core.alerts.rules import AlertRule
from kpi_core.periods import period_start


class Episode(NamedTuple):
    """One stretch a rule would have fired: from `fired_at` to `resolved_at` (None: still firing)."""

    fired_at: date
    resolved_at: date | None
    peak: float


def backtest(rule: AlertRule, series: Sequence[tuple[date, float | None]], since: date) -> list[Episode]:
    """When `rule` would have fired and resolved over `series` from `since`, with the worst value seen.

    Evaluates at each period that has data, as the live evaluator would have after each new value.
    Event rules (milestones, "reaches") give one-period episodes.
    """
    data = prepare_series(series)
    start = period_start(since, rule.grain)
    episodes: list[Episode] = []
    opened: date | None = None
    peak = 0.0
    for period in data.periods:
        if period < start:
            continue
        result = evaluate_rule(rule, data, at=period, active=opened is not None)
        if result.state == "firing" and result.value is not None:
            if rule.mode == "event":
                episodes.append(Episode(period, period, result.value))
            elif opened is None:
                opened, peak = period, result.value
            else:
                peak = _worse(rule, peak, result.value)
        elif result.state == "ok" and opened is not None:
            episodes.append(Episode(opened, period, peak))
            opened = None
    if opened is not None:
        episodes.append(Episode(opened, None, peak))
    return episodes


def _worse(rule: AlertRule, a: float, b: float) -> float:
    if rule.kind == "milestone":
        return max(a, b)
    worse_is_higher = (
        rule.op in (">", ">=", "==", "!=") if rule.kind == "compare" else rule.direction == "lower"
    )
    return max(a, b) if worse_is_higher else min(a, b)
