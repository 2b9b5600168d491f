"""Evaluating an `anomaly` rule ("daily_active_users is anomalous"): the value against its expected range.

The range comes from kpi_core.anomaly (a robust seasonal baseline learned from the KPI's own history).
Detection is causal (a period is judged from the values before it only), so one pass over a series
answers every period of it: a backtest replaying a year of days runs the detector once, not 365 times.

    result = evaluate_anomaly(rule, data, end=len(data.periods), active=False)
    result.summary  # "1,020 daily active users, expected 1,180–1,260 for a Tuesday"
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import TYPE_CHECKING

from kpi_core.anomaly.detect import ExpectedRange, detect_anomalies
from kpi_core.format import format_kpi_value
from kpi_core.periods import periods_between

if TYPE_CHECKING:
    from kpi_core.alerts.evaluate import PreparedSeries, ResultState, RuleResult
    from kpi_core.alerts.rules import AlertRule

_CACHE: OrderedDict[tuple[int, str, float], tuple[object, dict[date, ExpectedRange]]] = OrderedDict()
_CACHE_SIZE = 64
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def expected_ranges(rule: AlertRule, data: PreparedSeries) -> dict[date, ExpectedRange]:
    """Every judged period of `data` with its expected range (computed once per series object)."""
    key = (id(data), rule.grain, rule.sensitivity)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] is data:
        _CACHE.move_to_end(key)
        return cached[1]
    ranges: dict[date, ExpectedRange] = {}
    if data.periods:
        grid = periods_between(data.periods[0], data.periods[-1], rule.grain)
        values = [data.values.get(period) for period in grid]
        found = detect_anomalies(values=values, start=grid[0], grain=rule.grain, sensitivity=rule.sensitivity)
        ranges = {r.period: r for r in found}
    _CACHE[key] = (data, ranges)
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return ranges


def evaluate_anomaly(rule: AlertRule, data: PreparedSeries, *, end: int, active: bool) -> RuleResult:
    """Firing when the newest `for` judged periods were all outside their range on a watched side."""
    from kpi_core.alerts.evaluate import RuleResult

    latest = data.periods[end - 1]
    ranges = expected_ranges(rule, data)
    current = ranges.get(latest)
    kpi = rule.kpi
    if current is None:
        return RuleResult(
            rule_key=rule.key,
            kpi_key=kpi.key,
            state="no_data",
            severity=rule.no_data.severity,
            value=data.values[latest],
            threshold=None,
            period=latest,
            required=rule.for_periods,
            labels=rule.labels,
            summary=f"Not enough history yet to learn the normal range of {kpi.name}",
        )
    held = 0
    for period in reversed(data.periods[:end]):
        judged = ranges.get(period)
        if judged is None or not _outside(rule, judged):
            break
        held += 1
    holds = held > 0
    state: ResultState = (
        "firing" if holds and (active or held >= rule.for_periods) else "pending" if holds else "ok"
    )
    bound = current.low if current.side == "below" else current.high
    return RuleResult(
        rule_key=rule.key,
        kpi_key=kpi.key,
        state=state,
        severity=rule.severity if holds else None,
        value=current.value,
        threshold=bound if holds else None,
        period=latest,
        held=held,
        required=rule.for_periods,
        labels=rule.labels,
        summary=anomaly_summary(rule, current),
    )


def _outside(rule: AlertRule, judged: ExpectedRange) -> bool:
    return judged.anomalous and rule.side in ("both", judged.side)


def anomaly_summary(rule: AlertRule, judged: ExpectedRange) -> str:
    """`1,020 daily active users, expected 1,180–1,260 for a Tuesday` (the day named for daily KPIs)."""
    kpi = rule.kpi
    value = format_kpi_value(kpi, judged.value) if judged.value is not None else "no value"
    band = f"{format_kpi_value(kpi, judged.low)}–{format_kpi_value(kpi, judged.high)}"
    when = f" for a {_WEEKDAYS[judged.period.weekday()]}" if rule.grain == "daily" else ""
    verdict = {"above": "above its normal range", "below": "below its normal range"}.get(
        judged.side or "", ""
    )
    head = f"{kpi.name} {value}, expected {band}{when}"
    return f"{head}: {verdict}" if verdict else head
