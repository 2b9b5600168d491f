"""One evaluation tick: every rule on stored observations, incidents moved on, notifications enqueued.

Reads the recent history of every KPI in ONE batched query, evaluates each rule at its KPI's grain,
applies the results to the incidents (compare-and-set), then runs the periodic "should we notify"
check over the open incidents (first posts, repeats, escalation). Idempotent: a second run at the
same moment changes nothing and enqueues nothing. The Slack sender drains the outbox separately.

    report = evaluate_alerts(runtime.config, ObservationStore(db), IncidentStore(db), now=clock.now())
"""

from __future__ import annotations

import time as _time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from kpi_core.alerts.config import AlertsConfig
from kpi_core.alerts.evaluate import PreparedSeries, RuleResult, evaluate_rule, prepare_series
from kpi_core.alerts.lifecycle import SYSTEM_ACTOR, Incident, decide_transition
from kpi_core.alerts.routing import IncidentFacts, RouteDecision, route
from kpi_core.alerts.rules import AlertRule, compile_rules
from kpi_core.alerts.store import Applied, IncidentStore, incident_key, unchanged
from kpi_core.config.models import KpiCatalogConfig
from kpi_core.periods import period_start, shift_period

_BATCH = 100  # incident changes per transaction: an alert storm in a few commits, locks held briefly


class SeriesSource(Protocol):
    """What the evaluator reads observations from: `ObservationStore` (or anything with its `series`)."""

    def series(
        self, keys: Iterable[str], *, start: date | None = None, end: date | None = None
    ) -> dict[str, list[tuple[date, float]]]: ...


class AlertsAppConfig(Protocol):
    """The parts of `AppConfig` the evaluator needs."""

    @property
    def alerts(self) -> AlertsConfig: ...

    @property
    def catalog(self) -> KpiCatalogConfig: ...


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    at: date
    evaluated: int
    states: dict[str, int]  # results by state: ok, pending, firing, no_data
    events: dict[str, int]  # incident events: fired, resolved, reopened, severity_up, ...
    enqueued: int
    open_incidents: int
    errors: tuple[tuple[str, str], ...] = ()  # (rule key, message)
    seconds: float = 0.0
    firing: tuple[RuleResult, ...] = ()


def evaluate_alerts(
    config: AlertsAppConfig,
    source: Any,
    store: IncidentStore,
    *,
    now: datetime,
    timezone: str = "UTC",
    keys: Iterable[str] | None = None,
    rules: Sequence[AlertRule] | None = None,
) -> TickReport:
    """Run one tick at `now`. `keys` limits it to rules on those KPIs (after a refresh or an import);
    `rules` skips compiling (benchmarks, `alerts test`). `source` is an ObservationStore, or anything
    with its `series(keys, start=, end=)`, or an object with a `db` (a KpiService)."""
    started = _time.perf_counter()
    compiled = list(rules) if rules is not None else compile_rules(config.alerts, config.catalog)
    only = set(keys) if keys is not None else None
    selected = [rule for rule in compiled if only is None or rule.kpi.key in only]
    at = now.astimezone(ZoneInfo(timezone)).date()
    series = _load(_series_source(source), selected, at)
    open_before = store.open_incidents()
    open_by_key = {incident_key(i.rule_key, i.kpi_key, i.labels): i for i in open_before}
    open_by_rule: dict[str, list[Incident]] = {}
    for incident in open_before:
        open_by_rule.setdefault(incident.rule_key, []).append(incident)
    states: Counter[str] = Counter()
    events: Counter[str] = Counter()
    errors: list[tuple[str, str]] = []
    firing: list[RuleResult] = []
    changes: list[tuple[AlertRule, RuleResult, list[RouteDecision]]] = []
    enqueued = 0
    for rule in selected:
        try:
            for result in _evaluate(
                rule, series.get(rule.kpi.key), at=at, open_by_key=open_by_key, open_by_rule=open_by_rule
            ):
                states[result.state] += 1
                if result.state == "firing":
                    firing.append(result)
                key = incident_key(rule.key, rule.kpi.key, result.labels)
                current = open_by_key.get(key)
                if current is None and result.state not in ("firing", "pending"):
                    continue  # nothing open, nothing to open: no database work
                if current is not None:
                    # Decided again under compare-and-set by the store; this only skips the no-ops.
                    transition = decide_transition(current, result, rule=rule, now=now)
                    if transition is None or unchanged(current, transition):
                        continue
                facts = IncidentFacts.from_rule(rule, severity=result.severity, labels=result.labels)
                routes = route(facts, config.alerts) if result.state == "firing" and result.severity else []
                changes.append((rule, result, routes))
        except Exception as error:  # one broken rule must not stop the others; reported, not hidden
            errors.append((rule.key, f"{type(error).__name__}: {error}"))
    for start in range(0, len(changes), _BATCH):
        for applied in _apply(store, changes[start : start + _BATCH], now=now, errors=errors):
            enqueued += applied.enqueued
            if applied.event:
                events[applied.event] += 1
    by_key = {rule.key: rule for rule in compiled}
    if only is None:
        for incident in open_by_key.values():
            if incident.rule_key not in by_key:
                store.resolve(incident.id, by=SYSTEM_ACTOR, now=now, resolution="rule_removed")
                events["resolved"] += 1
    open_now = store.open_incidents()
    histories = store.sent_history(i.id for i in open_now)
    for incident in open_now:
        owner = by_key.get(incident.rule_key)
        if owner is None or (only is not None and owner.kpi.key not in only):
            continue
        try:
            facts = IncidentFacts.from_rule(owner, severity=incident.severity, labels=incident.labels)
            enqueued += store.notify(
                incident, route(facts, config.alerts), now=now, history=histories.get(incident.id, [])
            )
        except Exception as error:
            errors.append((owner.key, f"{type(error).__name__}: {error}"))
    return TickReport(
        at=at,
        evaluated=len(selected),
        states=dict(states),
        events=dict(events),
        enqueued=enqueued,
        open_incidents=len(open_now),
        errors=tuple(errors),
        seconds=_time.perf_counter() - started,
        firing=tuple(firing),
    )


def _apply(
    store: IncidentStore,
    batch: list[tuple[AlertRule, RuleResult, list[RouteDecision]]],
    *,
    now: datetime,
    errors: list[tuple[str, str]],
) -> list[Applied]:
    try:
        return store.apply_results(batch, now=now)
    except Exception:  # find the broken one: apply each on its own, report what fails
        out: list[Applied] = []
        for rule, result, routes in batch:
            try:
                out.append(store.apply_result(rule, result, now=now, routes=routes))
            except Exception as error:
                errors.append((rule.key, f"{type(error).__name__}: {error}"))
        return out


def _series_source(source: Any) -> SeriesSource:
    if hasattr(source, "series"):
        return cast(SeriesSource, source)
    if hasattr(source, "db"):
        from kpi_core.storage.observations import ObservationStore

        return ObservationStore(source.db)
    raise TypeError(f"cannot read observations from {type(source).__name__}: pass an ObservationStore")


def _load(source: SeriesSource, rules: Sequence[AlertRule], at: date) -> dict[str, PreparedSeries]:
    """The recent history of every KPI the rules need, in one query."""
    if not rules:
        return {}
    start = min(shift_period(period_start(at, rule.grain), rule.grain, -rule.lookback) for rule in rules)
    raw = source.series(sorted({rule.kpi.key for rule in rules}), start=start, end=at)
    return {key: prepare_series(points) for key, points in raw.items()}


def _evaluate(
    rule: AlertRule,
    series: PreparedSeries | None,
    *,
    at: date,
    open_by_key: dict[str, Incident],
    open_by_rule: dict[str, list[Incident]],
) -> list[RuleResult]:
    key = incident_key(rule.key, rule.kpi.key, rule.labels)
    incident = open_by_key.get(key)
    active = incident is not None and incident.fired_at is not None
    result = evaluate_rule(rule, series or PreparedSeries((), {}), at=at, active=active)
    results = [result]
    if rule.mode == "event":
        # An announcement is over at the next evaluation that does not repeat it (its labels name the
        # milestone, so the "ok" result alone would never find it).
        firing = result.labels if result.state == "firing" else None
        for other in open_by_rule.get(rule.key, ()):
            if other.kpi_key == rule.kpi.key and other.labels != firing:
                results.append(replace(result, state="ok", severity=None, labels=other.labels))
    if rule.no_data.action == "alert" and rule.mode == "state":
        # Missing data as an incident of its own (labels no_data=true), at the policy's severity.
        missing = result.state == "no_data"
        results.append(
            replace(
                result,
                state="firing" if missing else "ok",
                severity=rule.no_data.severity if missing else None,
                labels=tuple(sorted((*rule.labels, ("no_data", "true")))),
                summary=result.summary if missing else f"Data for {rule.kpi.name} is back",
            )
        )
    return results
