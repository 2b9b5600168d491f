"""The incident lifecycle as pure functions: what an evaluation result or a click does to an incident.

States: pending (condition true, `for` not met) -> firing -> acknowledged -> resolved; also snoozed
(until a time, or "until it gets worse"), no_data, and resolved by hand. `decide_transition` turns a
`RuleResult` into a `Transition`; the store applies it with compare-and-set on `version`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from kpi_core.alerts.config import SEVERITY_RANK, Severity
from kpi_core.alerts.evaluate import RuleResult
from kpi_core.alerts.rules import AlertRule

IncidentState = Literal["pending", "firing", "acknowledged", "snoozed", "resolved", "no_data"]
OPEN_STATES: tuple[IncidentState, ...] = ("pending", "firing", "acknowledged", "snoozed", "no_data")
Action = Literal["acknowledge", "snooze", "resolve"]
ALLOWED_FROM: dict[Action, tuple[IncidentState, ...]] = {
    "acknowledge": ("pending", "firing", "snoozed", "no_data"),
    "snooze": ("pending", "firing", "acknowledged", "snoozed", "no_data"),
    "resolve": OPEN_STATES,
}
SYSTEM_ACTOR = "kpibot"


@dataclass(frozen=True)
class Incident:
    """An incident as stored: one per (rule, KPI, labels) at a time."""

    id: int
    rule_key: str
    rule_name: str
    kpi_key: str
    labels: tuple[tuple[str, str], ...]
    mode: str
    state: IncidentState
    severity: Severity
    version: int
    opened_at: datetime
    updated_at: datetime
    fired_at: datetime | None = None
    last_value: float | None = None
    peak_value: float | None = None
    threshold: float | None = None
    period: date | None = None
    summary: str = ""
    acked_by: str | None = None
    acked_at: datetime | None = None
    snoozed_by: str | None = None
    snoozed_until: datetime | None = None
    snooze_until_worse: bool = False
    snooze_value: float | None = None
    snooze_severity: Severity | None = None
    unsnoozed_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    reopen_count: int = 0

    @property
    def is_open(self) -> bool:
        return self.state != "resolved"


@dataclass(frozen=True)
class Transition:
    """Column changes plus the lifecycle event they make (None: a silent value refresh, no new version)."""

    changes: dict[str, Any] = field(default_factory=dict)
    event: str | None = None
    create: bool = False  # insert a new incident
    reopen: bool = False  # re-open the last resolved incident of this key (flapping)

    @property
    def bumps_version(self) -> bool:
        return self.event is not None


def _values(result: RuleResult, now: datetime) -> dict[str, Any]:
    return {
        "last_value": result.value,
        "threshold": result.threshold,
        "period": result.period,
        "summary": result.summary,
        "evaluated_at": now,
    }


def decide_transition(
    incident: Incident | None,
    result: RuleResult,
    *,
    rule: AlertRule,
    now: datetime,
    last_resolved: Incident | None = None,
) -> Transition | None:
    """What `result` does to the open `incident` of its key (None: no open incident).

    `last_resolved` is the newest resolved incident of the same key: firing again within the rule's
    cooldown re-opens it (flapping) instead of opening a new one. Returns None when nothing changes.
    """
    values = _values(result, now)
    if incident is None:
        return _open(result, rule=rule, now=now, last_resolved=last_resolved, values=values)
    breaching = result.state in ("firing", "pending")
    if incident.state == "pending":
        if result.state == "firing":
            return Transition(
                {
                    **values,
                    "state": "firing",
                    "severity": result.severity,
                    "fired_at": now,
                    "peak_value": result.value,
                },
                "fired",
            )
        if result.state == "pending":
            return Transition(values)
        if result.state == "ok":
            return _resolve(values, now, "auto")
        return _no_data(incident, rule, values, now)
    if incident.state == "no_data":
        if result.state == "ok":
            return _resolve(values, now, "auto")
        if not breaching:
            return None
        if incident.fired_at is None:
            state = "firing" if result.state == "firing" else "pending"
            event = "fired" if state == "firing" else "data_back"
            return Transition(
                {
                    **values,
                    "state": state,
                    "severity": result.severity or incident.severity,
                    "fired_at": now if state == "firing" else None,
                },
                event,
            )
        return Transition(
            {
                **values,
                "state": _state_after_gap(incident, now),
                "severity": result.severity or incident.severity,
            },
            "data_back",
        )
    if result.state == "ok":
        return _resolve(values, now, "event" if incident.mode == "event" else "auto")
    if result.state == "no_data":
        return _no_data(incident, rule, values, now)
    return _still_breaching(incident, result, rule=rule, now=now, values=values)


def _open(
    result: RuleResult,
    *,
    rule: AlertRule,
    now: datetime,
    last_resolved: Incident | None,
    values: dict[str, Any],
) -> Transition | None:
    if result.state not in ("firing", "pending"):
        return None
    recent = (
        last_resolved is not None
        and last_resolved.resolved_at is not None
        and (now - last_resolved.resolved_at <= rule.cooldown)
    )
    if rule.mode == "event" and last_resolved is not None and (recent or rule.kind == "milestone"):
        return None  # announced already: a milestone once ever, other events once per cooldown
    state = result.state
    base = {
        **values,
        "state": state,
        "severity": result.severity or rule.severity,
        "peak_value": result.value,
    }
    if recent and last_resolved is not None and rule.mode == "state":
        fired_before = last_resolved.fired_at is not None
        reopened = {
            **base,
            # The current firing episode starts now: repeat and escalation clocks restart from here.
            "fired_at": now if state == "firing" else last_resolved.fired_at,
            "reopen_count": last_resolved.reopen_count + 1,
            **dict.fromkeys(_CLEARED_ON_REOPEN),
            "snooze_until_worse": False,
        }
        event = "reopened" if fired_before else ("fired" if state == "firing" else "pending")
        return Transition(reopened, event, reopen=True)
    created = {**base, "opened_at": now, "fired_at": now if state == "firing" else None}
    return Transition(created, "fired" if state == "firing" else "pending", create=True)


_CLEARED_ON_REOPEN = (
    "acked_by",
    "acked_at",
    "snoozed_by",
    "snoozed_until",
    "snooze_value",
    "snooze_severity",
    "unsnoozed_at",
    "resolved_by",
    "resolved_at",
    "resolution",
)


def _resolve(values: dict[str, Any], now: datetime, resolution: str) -> Transition:
    changes = {
        **values,
        "state": "resolved",
        "resolved_at": now,
        "resolved_by": SYSTEM_ACTOR,
        "resolution": resolution,
    }
    return Transition(changes, "resolved")


def _no_data(incident: Incident, rule: AlertRule, values: dict[str, Any], now: datetime) -> Transition | None:
    action = rule.no_data.action
    values = {**values, "last_value": incident.last_value, "threshold": incident.threshold}
    if action == "keep":
        return None
    if action == "resolve":
        return _resolve(values, now, "no_data")
    return Transition({**values, "state": "no_data"}, "no_data")


def _state_after_gap(incident: Incident, now: datetime) -> IncidentState:
    """Where an incident that had fired goes when data comes back: its ack or snooze still stand."""
    if incident.snoozed_until is not None and incident.snoozed_until > now:
        return "snoozed"
    if incident.snooze_until_worse and incident.snoozed_by is not None:
        return "snoozed"
    if incident.acked_at is not None:
        return "acknowledged"
    return "firing"


def _still_breaching(
    incident: Incident, result: RuleResult, *, rule: AlertRule, now: datetime, values: dict[str, Any]
) -> Transition | None:
    severity: Severity = result.severity or incident.severity
    values = {**values, "peak_value": _worse_value(rule, incident.peak_value, result.value)}
    up = SEVERITY_RANK[severity] > SEVERITY_RANK[incident.severity]
    if up:  # worse: a new situation, so an earlier ack or snooze no longer holds
        cleared = {"acked_by": None, "acked_at": None, "snoozed_until": None, "snooze_until_worse": False}
        unsnooze = {"unsnoozed_at": now} if incident.state == "snoozed" else {}
        return Transition(
            {**values, **cleared, **unsnooze, "state": "firing", "severity": severity}, "severity_up"
        )
    if incident.state == "snoozed" and _snooze_over(incident, rule, result, now):
        return Transition(
            {
                **values,
                "state": "firing",
                "severity": severity,
                "unsnoozed_at": now,
                "snoozed_until": None,
                "snooze_until_worse": False,
            },
            "snooze_ended",
        )
    if incident.fired_at is None and result.state == "firing":  # acknowledged or snoozed while pending
        values["fired_at"] = now
    if SEVERITY_RANK[severity] < SEVERITY_RANK[incident.severity]:
        return Transition({**values, "severity": severity}, "severity_down")
    return Transition(values)


def _snooze_over(incident: Incident, rule: AlertRule, result: RuleResult, now: datetime) -> bool:
    if incident.snoozed_until is not None and now >= incident.snoozed_until:
        return True
    if not incident.snooze_until_worse or result.value is None or incident.snooze_value is None:
        return False
    return _worse_value(rule, incident.snooze_value, result.value) != incident.snooze_value


def _worse_value(rule: AlertRule, a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return b if a is None else a
    if a == b:
        return a
    if rule.kind == "milestone":
        higher_is_worse = True
    elif rule.kind == "compare":
        higher_is_worse = rule.op in (">", ">=") or (rule.op not in ("<", "<=") and rule.direction == "lower")
    else:
        higher_is_worse = rule.direction == "lower"
    return max(a, b) if higher_is_worse else min(a, b)
