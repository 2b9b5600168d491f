"""Evaluating a rule against its KPI's series at the KPI's grain: ok, pending, firing or no data.

Missing data is never zero: a gap breaks a run of consecutive periods, and a KPI with no recent data
is `no_data`. Comparisons are strict as written (exactly 4% does not fire `> 4%`); seed 000 levels
rules use `check_threshold`, whose boundaries count as reached.

>>> from kpi_core.alerts.rules import AlertRule
>>> from kpi_core.config.models import KpiDefinition
>>> churn = KpiDefinition(key="churn", name="Churn", unit="percent", grain="daily")
>>> rule = AlertRule(key="r", name="Spike", kpi=churn, kind="compare", severity="critical", threshold=4.0)
>>> evaluate_rule(rule, [(date(2026, 3, 1), 4.0)], at=date(2026, 3, 1)).state
'ok'
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Literal

from kpi_core.alerts.anomaly_rule import evaluate_anomaly
from kpi_core.alerts.config import SEVERITY_RANK, Severity
from kpi_core.alerts.rules import AlertRule
from kpi_core.evaluation import is_stale
from kpi_core.format import format_kpi_value
from kpi_core.periods import period_start, shift_period
from kpi_core.standing import Health, check_threshold
from kpi_core.wording import period_name

ResultState = Literal["ok", "pending", "firing", "no_data"]
_EPSILON = 1e-9
_GRAIN_WORD = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter"}


@dataclass(frozen=True)
class RuleResult:
    """What one rule says about its KPI at one moment."""

    rule_key: str
    kpi_key: str
    state: ResultState
    severity: Severity | None  # firing/pending: the severity it has (would have); no_data: the policy's
    value: float | None  # the evaluated value (aggregated over the window) at `period`
    threshold: float | None  # what the value was compared with (the value, the target, the level)
    period: date | None  # the period evaluated: the newest one with data
    held: int = 0  # consecutive periods the condition has held, counted up to `required`
    required: int = 1
    labels: tuple[tuple[str, str], ...] = ()
    summary: str = ""


@dataclass(frozen=True)
class PreparedSeries:
    """A series indexed for repeated evaluation (backtests): sorted periods and a period -> value map."""

    periods: tuple[date, ...]
    values: dict[date, float]


def prepare_series(series: Sequence[tuple[date, float | None]] | PreparedSeries) -> PreparedSeries:
    """Index `(period, value)` pairs; None values are gaps and are dropped, never read as zero."""
    if isinstance(series, PreparedSeries):
        return series
    values = {period: float(value) for period, value in series if value is not None}
    return PreparedSeries(periods=tuple(sorted(values)), values=values)


def evaluate_rule(
    rule: AlertRule,
    series: Sequence[tuple[date, float | None]] | PreparedSeries,
    *,
    at: date,
    active: bool = False,
) -> RuleResult:
    """Evaluate `rule` on `series` as of `at` (a local date). `active`: an incident is firing already,
    so it stays firing while the condition (or `resolve_at`) still holds, even across a broken run.
    """
    data = prepare_series(series)
    running = period_start(at, rule.grain)
    # A flow's running week, month or quarter is only part of one: judged once complete, unless the rule
    # asks for an early warning. A day is judged as it is recorded (daily loads are whole days).
    weeks_or_more = rule.grain != "daily"
    partial = weeks_or_more and rule.kpi.is_flow
    last = shift_period(running, rule.grain, -1) if partial and not rule.running_period else running
    result = _evaluate(rule, data, bisect_right(data.periods, last), at=at, active=active)
    if partial and result.period == running:
        # a flow's running period is named as such, never presented as the whole period
        name = period_name(running, rule.grain)
        if result.summary.startswith(rule.kpi.name + " "):
            label = f"{rule.kpi.name} ({name[:1].upper()}{name[1:]} to date)"
            result = replace(result, summary=label + result.summary[len(rule.kpi.name) :])
    return result


def _evaluate(rule: AlertRule, data: PreparedSeries, end: int, *, at: date, active: bool) -> RuleResult:
    kpi = rule.kpi
    if end == 0:
        return _result(rule, "no_data", None, None, None, summary=f"No data for {kpi.name} yet")
    latest = data.periods[end - 1]
    if is_stale(latest, rule.grain, at=at, now=datetime.combine(at, time.max, tzinfo=UTC)):
        return _result(
            rule, "no_data", None, None, latest, summary=f"No data for {kpi.name} since {latest:%Y-%m-%d}"
        )
    if rule.kind == "milestone":
        return _milestone(rule, data, end)
    if rule.kind == "anomaly":
        return evaluate_anomaly(rule, data, end=end, active=active)
    value = _aggregate(rule, data.values, latest)
    if value is None:
        return _result(
            rule, "no_data", None, None, latest, summary=f"Not enough data for {_what(rule)} of {kpi.name}"
        )
    holds, severity, threshold = _test(rule, latest, value)
    if threshold is None:
        return _result(
            rule, "no_data", value, None, latest, summary=f"{kpi.name} has no target for {latest:%Y-%m-%d}"
        )
    if active and rule.mode == "state":
        if not holds and rule.resolve_at is not None and _beyond(rule, value, rule.resolve_at):
            holds, severity = True, severity or "warning"
        state: ResultState = "firing" if holds else "ok"
        held = max(_chain(rule, data.values, latest)[0], 1) if holds else 0  # reads the same as when it fired
        return _result(rule, state, value, threshold, latest, severity=severity if holds else None, held=held)
    held, chain_severity = _chain(rule, data.values, latest)
    if held >= rule.for_periods and rule.mode == "event":
        previous = data.periods[end - 2] if end >= 2 else None
        if previous is not None and _chain(rule, data.values, previous)[0] >= rule.for_periods:
            return _result(rule, "ok", value, threshold, latest, held=held, summary_state="still")
    if held >= rule.for_periods:
        return _result(rule, "firing", value, threshold, latest, severity=chain_severity, held=held)
    if holds:
        return _result(rule, "pending", value, threshold, latest, severity=severity, held=held)
    return _result(rule, "ok", value, threshold, latest, held=0)


def _aggregate(rule: AlertRule, values: dict[date, float], period: date) -> float | None:
    if period not in values:
        return None
    if rule.aggregate == "last" or rule.window <= 1:
        return values[period]
    points = [values[p] for k in range(rule.window) if (p := shift_period(period, rule.grain, -k)) in values]
    if len(points) < math.ceil(rule.window / 2):
        return None  # too many gaps in the window to trust it
    if rule.aggregate == "min":
        return min(points)
    if rule.aggregate == "max":
        return max(points)
    return sum(points) / len(points)


def _test(rule: AlertRule, period: date, value: float) -> tuple[bool, Severity | None, float | None]:
    """Whether the condition holds for `value` at `period`, at which severity, against what."""
    if rule.kind == "levels":
        health = check_threshold(value, rule.levels, rule.direction)
        if health is Health.HEALTHY:
            reached = rule.levels.warning if rule.levels.warning is not None else rule.levels.critical
            return False, None, reached
        level: Severity = "critical" if health is Health.CRITICAL else "warning"
        return True, level, rule.levels.critical if level == "critical" else rule.levels.warning
    threshold = rule.kpi.target_at(period) if rule.use_target else rule.threshold
    if threshold is None:
        return False, None, None
    return _compare(rule.op, value, threshold), rule.severity, threshold


def _compare(op: str, value: float, threshold: float) -> bool:
    value, threshold = round(value, 9), round(threshold, 9)  # 3.9 + 0.1 is 4.0 here, not 4.000000000000001
    if op == ">":
        return value > threshold
    if op == ">=":
        return value >= threshold
    if op == "<":
        return value < threshold
    if op == "<=":
        return value <= threshold
    if op == "==":
        return math.isclose(value, threshold, abs_tol=_EPSILON)
    return not math.isclose(value, threshold, abs_tol=_EPSILON)


def _beyond(rule: AlertRule, value: float, resolve_at: float) -> bool:
    """Still on the bad side of `resolve_at` (hysteresis): not recovered enough to resolve."""
    worse_is_higher = rule.op in (">", ">=") if rule.kind == "compare" else rule.direction == "lower"
    return value > resolve_at if worse_is_higher else value < resolve_at


def _chain(rule: AlertRule, values: dict[date, float], latest: date) -> tuple[int, Severity | None]:
    """How many consecutive periods up to `latest` the condition held (at most `for_periods`), and the
    lowest severity among them. A missing period ends the run: a gap is not "still breaching"."""
    held, severity = 0, None
    period = latest
    for _ in range(rule.for_periods):
        value = _aggregate(rule, values, period)
        if value is None:
            break
        holds, level, _ = _test(rule, period, value)
        if not holds or level is None:
            break
        held += 1
        severity = level if severity is None or SEVERITY_RANK[level] < SEVERITY_RANK[severity] else severity
        period = shift_period(period, rule.grain, -1)
    return held, severity


def _milestone(rule: AlertRule, data: PreparedSeries, end: int) -> RuleResult:
    """Fires once, at the period where the value first reaches a new multiple of `step`."""
    latest = data.periods[end - 1]
    value = data.values[latest]
    step = float(rule.step or 1)
    if end < 2:
        return _result(rule, "ok", value, None, latest, summary=f"{rule.kpi.name} is {_fmt(rule, value)}")
    previous = data.values[data.periods[end - 2]]
    reached = math.floor(value / step + _EPSILON)
    if reached > math.floor(previous / step + _EPSILON) and reached > 0:
        milestone = reached * step
        label = f"{milestone:,.0f}" if float(milestone).is_integer() else f"{milestone:,g}"
        return _result(
            rule,
            "firing",
            value,
            milestone,
            latest,
            severity=rule.severity,
            held=1,
            labels=(("milestone", label),),
            summary=f"{rule.kpi.name} reached {_fmt(rule, milestone)} (now {_fmt(rule, value)})",
        )
    return _result(rule, "ok", value, None, latest, summary=f"{rule.kpi.name} is {_fmt(rule, value)}")


def _result(
    rule: AlertRule,
    state: ResultState,
    value: float | None,
    threshold: float | None,
    period: date | None,
    *,
    severity: Severity | None = None,
    held: int = 0,
    labels: tuple[tuple[str, str], ...] = (),
    summary: str = "",
    summary_state: str = "",
) -> RuleResult:
    if state == "no_data":
        severity = rule.no_data.severity
    if not summary:
        summary = _summary(rule, state, value, threshold, severity, held, summary_state)
    return RuleResult(
        rule_key=rule.key,
        kpi_key=rule.kpi.key,
        state=state,
        severity=severity,
        value=value,
        threshold=threshold,
        period=period,
        held=held,
        required=rule.for_periods,
        labels=tuple(sorted((*rule.labels, *labels))),
        summary=summary,
    )


def _summary(
    rule: AlertRule,
    state: ResultState,
    value: float | None,
    threshold: float | None,
    severity: Severity | None,
    held: int,
    summary_state: str,
) -> str:
    what = _what(rule)
    subject = f"{rule.kpi.name} {what}" if what != "value" else rule.kpi.name
    shown = f"{subject} is {_fmt(rule, value)}"
    if rule.kind == "levels":
        if state == "ok":
            return f"{shown} (within thresholds)"
        side = "at or below" if rule.direction == "higher" else "at or above"
        return f"{shown}, {side} the {severity} threshold {_fmt(rule, threshold)}"
    condition = f"{rule.op} {_fmt(rule, threshold)}" + (" (target)" if rule.use_target else "")
    if state == "ok" and summary_state:
        return f"{shown} ({condition}, already announced)"
    if state == "ok":
        return f"{shown} (alert when {condition})"
    if state == "pending":
        return f"{shown} ({condition}), {held} of {rule.for_periods} periods so far"
    run = f" for {held} consecutive {_GRAIN_WORD[rule.grain]}s" if held > 1 else ""
    return f"{shown} ({condition}){run}"


def _what(rule: AlertRule) -> str:
    if rule.aggregate == "last" or rule.window <= 1:
        return "value"
    word = {"avg": "average", "min": "minimum", "max": "maximum"}[rule.aggregate]
    return f"{rule.window}-{_GRAIN_WORD[rule.grain]} {word}"


def _fmt(rule: AlertRule, value: float | None) -> str:
    return format_kpi_value(rule.kpi, value)
