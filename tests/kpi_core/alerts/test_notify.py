from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kpi_core.alerts.config import QuietHours
from kpi_core.alerts.lifecycle import Incident
from kpi_core.alerts.notify import NotifyDecision, SentNotification, should_notify
from kpi_core.alerts.routing import RouteDecision

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 11:00 in Paris
MIN = timedelta(minutes=1)
CRITICAL = RouteDecision(
    route="root.critical",
    destinations=("#kpi-alerts", "email:cro@datainsight.pro"),
    mentions=("@here",),
    repeat_interval=timedelta(hours=4),
    escalate_after=timedelta(minutes=30),
    escalation=("email:cfo@datainsight.pro",),
)
WARNING = RouteDecision(
    route="root.warning",
    destinations=("#kpi-alerts",),
    repeat_interval=timedelta(hours=24),
    quiet_hours=QuietHours(start="20:00", end="08:00", timezone="Europe/Paris"),  # type: ignore[arg-type]
)
DIGEST = RouteDecision(route="root.info", destinations=("digest",), digest_only=True)


def incident(**fields: Any) -> Incident:
    base = Incident(
        id=7,
        rule_key="churn-rate-spike",
        rule_name="Churn Rate Spike",
        kpi_key="monthly_churn_rate",
        labels=(),
        mode="state",
        state="firing",
        severity="critical",
        version=2,
        opened_at=T0,
        updated_at=T0,
        fired_at=T0,
    )
    return replace(base, **fields)


def sent(
    reason: str,
    destination: str,
    at: datetime,
    *,
    severity: str = "critical",
    sequence: int = 1,
    route: str = "root.critical",
) -> SentNotification:
    return SentNotification(reason, destination, at, severity, sequence, route)  # type: ignore[arg-type]


POSTED = [sent("fired", "#kpi-alerts", T0), sent("fired", "email:cro@datainsight.pro", T0)]
BOTH = ("#kpi-alerts", "email:cro@datainsight.pro")


@pytest.mark.parametrize(
    ("case", "inc", "now", "history", "route", "expected"),
    [
        (
            "first notification",
            incident(),
            T0,
            [],
            CRITICAL,
            NotifyDecision("post", "fired", BOTH, ("@here",), 1),
        ),
        (
            "a new destination only",
            incident(),
            T0,
            POSTED[:1],
            CRITICAL,
            NotifyDecision("post", "fired", ("email:cro@datainsight.pro",), ("@here",), 1),
        ),
        ("nothing yet", incident(), T0 + 29 * MIN, POSTED, CRITICAL, NotifyDecision("none")),
        (
            "escalation after N minutes without ack",
            incident(),
            T0 + 30 * MIN,
            POSTED,
            CRITICAL,
            NotifyDecision("post", "escalation", ("email:cfo@datainsight.pro",), ("@here",), 1),
        ),
        (
            "escalated once",
            incident(),
            T0 + 3 * 60 * MIN,
            [*POSTED, sent("escalation", "email:cfo@datainsight.pro", T0 + 30 * MIN)],
            CRITICAL,
            NotifyDecision("none"),
        ),
        (
            "repeat after the interval",
            incident(),
            T0 + 4 * 60 * MIN,
            [*POSTED, sent("escalation", "email:cfo@datainsight.pro", T0 + 30 * MIN)],
            CRITICAL,
            NotifyDecision("thread", "repeat", BOTH, ("@here",), 1),
        ),
        (
            "second repeat",
            incident(),
            T0 + 8 * 60 * MIN,
            [
                *POSTED,
                sent("escalation", "email:cfo@datainsight.pro", T0 + 30 * MIN),
                sent("repeat", "#kpi-alerts", T0 + 4 * 60 * MIN),
                sent("repeat", "email:cro@datainsight.pro", T0 + 4 * 60 * MIN),
            ],
            CRITICAL,
            NotifyDecision("thread", "repeat", BOTH, ("@here",), 2),
        ),
        (
            "acknowledged: no repeat, no escalation",
            incident(state="acknowledged"),
            T0 + 9 * 60 * MIN,
            POSTED,
            CRITICAL,
            NotifyDecision("none"),
        ),
        (
            "snoozed: nothing",
            incident(state="snoozed"),
            T0 + 9 * 60 * MIN,
            POSTED,
            CRITICAL,
            NotifyDecision("none"),
        ),
        (
            "snooze ended: notify again now",
            incident(unsnoozed_at=T0 + 60 * MIN),
            T0 + 60 * MIN,
            [*POSTED, sent("escalation", "email:cfo@datainsight.pro", T0 + 30 * MIN)],
            CRITICAL,
            NotifyDecision("thread", "snooze_ended", BOTH, ("@here",), 2),
        ),
        (
            "severity up re-notifies",
            incident(version=3),
            T0 + 10 * MIN,
            [sent("fired", "#kpi-alerts", T0, severity="warning")],
            CRITICAL,
            NotifyDecision("post", "fired", ("email:cro@datainsight.pro",), ("@here",), 1),
        ),
        (
            "severity up, all posted",
            incident(version=3),
            T0 + 10 * MIN,
            [sent("fired", d, T0, severity="warning", route="root.warning") for d in BOTH],
            CRITICAL,
            NotifyDecision("thread", "severity_up", BOTH, ("@here",), 3),
        ),
        (
            "re-opened (flapping): repeat and escalation clocks restart",
            incident(fired_at=T0 + 24 * 60 * MIN),
            T0 + 24 * 60 * MIN + 29 * MIN,
            POSTED,
            CRITICAL,
            NotifyDecision("none"),
        ),
        (
            "re-opened and still unacknowledged",
            incident(fired_at=T0 + 24 * 60 * MIN),
            T0 + 24 * 60 * MIN + 30 * MIN,
            POSTED,
            CRITICAL,
            NotifyDecision("post", "escalation", ("email:cfo@datainsight.pro",), ("@here",), 1),
        ),
        (
            "pending is never notified",
            incident(state="pending", fired_at=None),
            T0,
            [],
            CRITICAL,
            NotifyDecision("none"),
        ),
        (
            "quiet hours defer a warning",
            incident(severity="warning"),
            datetime(2026, 3, 2, 21, tzinfo=UTC),
            [],
            WARNING,
            NotifyDecision("none", "fired", defer_until=datetime(2026, 3, 3, 7, tzinfo=UTC)),
        ),
        (
            "quiet hours are bypassed by critical",
            incident(),
            datetime(2026, 3, 2, 21, tzinfo=UTC),
            [],
            replace(WARNING, mentions=("@here",)),
            NotifyDecision("post", "fired", ("#kpi-alerts",), ("@here",), 1),
        ),
        (
            "after quiet hours",
            incident(severity="warning"),
            datetime(2026, 3, 3, 7, tzinfo=UTC),
            [],
            WARNING,
            NotifyDecision("post", "fired", ("#kpi-alerts",), (), 1),
        ),
        (
            "digest only",
            incident(severity="info"),
            T0,
            [],
            DIGEST,
            NotifyDecision("digest", "digest", ("digest",), (), 1),
        ),
        (
            "digest once",
            incident(severity="info"),
            T0 + 60 * MIN,
            [sent("digest", "digest", T0, severity="info", route="root.info")],
            DIGEST,
            NotifyDecision("none"),
        ),
    ],
)
def test_should_notify_periodic(
    case: str,
    inc: Incident,
    now: datetime,
    history: list[SentNotification],
    route: RouteDecision,
    expected: NotifyDecision,
) -> None:
    decision = should_notify(inc, now=now, history=history, route=route)
    assert replace(decision, why="") == expected, f"{case}: {decision.why}"


@pytest.mark.parametrize(
    ("case", "inc", "event", "history", "expected"),
    [
        (
            "resolved: thread, no mentions",
            incident(state="resolved", version=5),
            "resolved",
            POSTED,
            NotifyDecision("thread", "resolved", BOTH, (), 5),
        ),
        (
            "resolved before anything was sent",
            incident(state="resolved"),
            "resolved",
            [],
            NotifyDecision("none"),
        ),
        (
            "acknowledged: thread, no mentions",
            incident(state="acknowledged", version=3),
            "acknowledged",
            POSTED,
            NotifyDecision("thread", "acknowledged", BOTH, (), 3),
        ),
        (
            "snoozed",
            incident(state="snoozed", version=3),
            "snoozed",
            POSTED,
            NotifyDecision("thread", "snoozed", BOTH, (), 3),
        ),
        (
            "severity down edits silently",
            incident(severity="warning", version=4),
            "severity_down",
            POSTED,
            NotifyDecision("update", "severity_down", BOTH, (), 4),
        ),
        (
            "no data edits silently",
            incident(state="no_data", version=4),
            "no_data",
            POSTED,
            NotifyDecision("update", "no_data", BOTH, (), 4),
        ),
        (
            "flapping: re-opened in the thread, quietly",
            incident(version=6),
            "reopened",
            POSTED,
            NotifyDecision("thread", "reopened", BOTH, (), 6),
        ),
        (
            "events such as milestones are not resolved in Slack",
            incident(state="resolved", mode="event"),
            "resolved",
            POSTED,
            NotifyDecision("none"),
        ),
        (
            "the digest is not a message to update",
            incident(state="resolved", severity="info"),
            "resolved",
            [sent("digest", "digest", T0)],
            NotifyDecision("none"),
        ),
        (
            "escalation targets get the resolve too",
            incident(state="resolved", version=5),
            "resolved",
            [*POSTED, sent("escalation", "email:cfo@datainsight.pro", T0)],
            NotifyDecision("thread", "resolved", (*BOTH, "email:cfo@datainsight.pro"), (), 5),
        ),
    ],
)
def test_should_notify_after_events(
    case: str, inc: Incident, event: str, history: list[SentNotification], expected: NotifyDecision
) -> None:
    decision = should_notify(inc, now=T0, history=history, event=event)
    assert replace(decision, why="") == expected, case
