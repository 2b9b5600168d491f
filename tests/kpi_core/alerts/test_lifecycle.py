from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from kpi_core.alerts.config import NoDataPolicy
from kpi_core.alerts.evaluate import RuleResult
from kpi_core.alerts.lifecycle import Incident, decide_transition
from tests.kpi_core.alerts.helpers import rule
from tests.kpi_core.alerts.test_notify import T0, incident

RULE = rule("monthly_churn_rate > 4%", severity="critical")
LEVELS = replace(RULE, kind="levels")
MILESTONE = rule("total_customers reaches milestone", "Every 50 customers")
HOUR = timedelta(hours=1)


def result(state: str, value: float | None = 4.6, severity: str | None = "critical", **kw: Any) -> RuleResult:
    return RuleResult(
        "churn-rate-spike",
        "monthly_churn_rate",
        state,
        severity,
        value,
        4.0,  # type: ignore[arg-type]
        date(2026, 3, 2),
        summary=f"{state} {value}",
        **kw,
    )


def resolved(at: Any, **kw: Any) -> Incident:
    return incident(state="resolved", resolved_at=at, resolved_by="kpibot", resolution="auto", **kw)


@pytest.mark.parametrize(
    ("case", "current", "res", "last", "event", "changes"),
    [
        ("fires", None, result("firing"), None, "fired", {"state": "firing", "fired_at": T0}),
        ("pending first", None, result("pending"), None, "pending", {"state": "pending", "fired_at": None}),
        ("ok and nothing open", None, result("ok", severity=None), None, None, None),
        ("no data and nothing open", None, result("no_data", None, "info"), None, None, None),
        (
            "flapping: fires again within the cooldown re-opens",
            None,
            result("firing"),
            resolved(T0 - HOUR),
            "reopened",
            {"state": "firing", "reopen_count": 1, "resolved_at": None, "acked_by": None, "fired_at": T0},
        ),
        (
            "after the cooldown a new incident",
            None,
            result("firing"),
            resolved(T0 - 3 * 24 * HOUR),
            "fired",
            {"state": "firing"},
        ),
        (
            "pending to firing",
            incident(state="pending", fired_at=None),
            result("firing"),
            None,
            "fired",
            {"state": "firing", "fired_at": T0},
        ),
        (
            "pending that clears resolves quietly",
            incident(state="pending", fired_at=None),
            result("ok"),
            None,
            "resolved",
            {"state": "resolved", "resolution": "auto"},
        ),
        (
            "recovers",
            incident(),
            result("ok", 3.1, None),
            None,
            "resolved",
            {"state": "resolved", "resolved_by": "kpibot", "resolution": "auto", "last_value": 3.1},
        ),
        (
            "recovery of an acknowledged incident",
            incident(state="acknowledged", acked_by="U1", acked_at=T0),
            result("ok", 3.1, None),
            None,
            "resolved",
            {"state": "resolved"},
        ),
        (
            "severity up clears the ack",
            incident(state="acknowledged", severity="warning", acked_by="U1", acked_at=T0),
            result("firing", 5.0, "critical"),
            None,
            "severity_up",
            {"state": "firing", "severity": "critical", "acked_by": None},
        ),
        (
            "severity down",
            incident(severity="critical"),
            result("firing", 3.5, "warning"),
            None,
            "severity_down",
            {"severity": "warning"},
        ),
        (
            "still firing: a value refresh, no event",
            incident(),
            result("firing", 4.9),
            None,
            None,
            {"last_value": 4.9},
        ),
        (
            "a broken run does not resolve a firing incident",
            incident(),
            result("pending", 4.9),
            None,
            None,
            {"last_value": 4.9},
        ),
        (
            "no data marks it",
            incident(last_value=4.6),
            result("no_data", None, "info"),
            None,
            "no_data",
            {"state": "no_data", "last_value": 4.6},
        ),
        (
            "data back keeps the ack",
            incident(state="no_data", acked_by="U1", acked_at=T0),
            result("firing"),
            None,
            "data_back",
            {"state": "acknowledged"},
        ),
        (
            "data back, never fired",
            incident(state="no_data", fired_at=None),
            result("firing"),
            None,
            "fired",
            {"state": "firing", "fired_at": T0},
        ),
        (
            "timed snooze ends",
            incident(state="snoozed", snoozed_until=T0),
            result("firing"),
            None,
            "snooze_ended",
            {"state": "firing", "unsnoozed_at": T0},
        ),
        (
            "timed snooze holds",
            incident(state="snoozed", snoozed_until=T0 + HOUR),
            result("firing"),
            None,
            None,
            {"last_value": 4.6},
        ),
        (
            "until worse: not worse",
            incident(state="snoozed", snooze_until_worse=True, snooze_value=4.8, snoozed_by="U1"),
            result("firing", 4.7),
            None,
            None,
            {"last_value": 4.7},
        ),
        (
            "until worse: worse",
            incident(state="snoozed", snooze_until_worse=True, snooze_value=4.8, snoozed_by="U1"),
            result("firing", 4.9),
            None,
            "snooze_ended",
            {"state": "firing"},
        ),
        (
            "until worse: severity up",
            incident(
                state="snoozed",
                severity="warning",
                snooze_until_worse=True,
                snooze_value=4.8,
                snoozed_by="U1",
            ),
            result("firing", 4.5, "critical"),
            None,
            "severity_up",
            {"state": "firing", "severity": "critical"},
        ),
    ],
)
def test_transitions(
    case: str,
    current: Incident | None,
    res: RuleResult,
    last: Incident | None,
    event: str | None,
    changes: dict[str, Any] | None,
) -> None:
    transition = decide_transition(current, res, rule=RULE, now=T0, last_resolved=last)
    if changes is None:
        assert transition is None, case
        return
    assert transition is not None, case
    assert transition.event == event, case
    assert {k: transition.changes[k] for k in changes} == changes, case


@pytest.mark.parametrize(
    ("action", "event", "state"),
    [("mark", "no_data", "no_data"), ("resolve", "resolved", "resolved"), ("keep", None, None)],
)
def test_no_data_policies(action: str, event: str | None, state: str | None) -> None:
    policy_rule = replace(RULE, no_data=NoDataPolicy(action=action))  # type: ignore[arg-type]
    transition = decide_transition(incident(), result("no_data", None, "info"), rule=policy_rule, now=T0)
    if event is None:
        assert transition is None
    else:
        assert transition is not None and (transition.event, transition.changes["state"]) == (event, state)


def test_a_milestone_is_announced_once_ever() -> None:
    announced = resolved(T0 - 400 * 24 * HOUR, mode="event", labels=(("milestone", "300"),))
    firing = result("firing", 301, "info", labels=(("milestone", "300"),))
    assert decide_transition(None, firing, rule=MILESTONE, now=T0, last_resolved=announced) is None
    first = decide_transition(None, firing, rule=MILESTONE, now=T0, last_resolved=None)
    assert first is not None and first.create and first.event == "fired"
    ended = decide_transition(incident(mode="event"), result("ok", 305, None), rule=MILESTONE, now=T0)
    assert ended is not None and ended.changes["resolution"] == "event"
