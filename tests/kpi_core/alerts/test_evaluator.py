"""Timeline tests of the evaluator: what is recorded when, which notifications appear between which times.

Every step lists the outbox rows the step must create, and nothing else: an unexpected notification fails.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kpi_core.alerts.config import AlertsConfig
from kpi_core.alerts.evaluator import TickReport, evaluate_alerts
from kpi_core.alerts.store import IncidentStore
from kpi_core.clock import ManualClock
from kpi_core.config.models import KpiCatalogConfig
from kpi_core.storage.db import Database
from kpi_core.storage.observations import ObservationStore
from tests.kpi_core.alerts.helpers import CATALOG, config

DAY1 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULES = {
    "alerts": [
        {
            "name": "Churn Rate Spike",
            "condition": "monthly_churn_rate > 4%",
            "threshold": "2 consecutive days",
            "recipients": ["ceo@datainsight.pro"],
            "severity": "critical",
        },
        {
            "name": "Customer Milestone",
            "condition": "total_customers reaches milestone",
            "threshold": "Every 50 customers",
            "severity": "info",
        },
    ],
    "routing": {
        "routes": [
            {
                "match": {"severity": "critical"},
                "channels": ["#kpi-alerts"],
                "mentions": ["@here"],
                "owner_dms": True,
                "repeat_interval": "4h",
                "escalate_after": 30,
                "escalation": ["cfo@datainsight.pro"],
            },
            {"match": {"severity": "info"}, "digest_only": True},
        ]
    },
}


@dataclass(frozen=True)
class App:
    alerts: AlertsConfig
    catalog: KpiCatalogConfig


class Timeline:
    """Record values, run ticks, click buttons; `expect` checks the new outbox rows since the last check."""

    def __init__(self, db: Database, alerts: dict[str, Any] = RULES) -> None:
        self.clock = ManualClock(DAY1)
        self.app = App(config(alerts), CATALOG)
        self.observations = ObservationStore(db)
        self.store = IncidentStore(db)
        self.seen = 0

    def at(self, moment: datetime) -> Timeline:
        self.clock.set(moment)
        return self

    def record(self, key: str, value: float) -> Timeline:
        self.observations.record(key, self.clock.now().date(), value, source="push", now=self.clock.now())
        return self

    def tick(self) -> TickReport:
        report = evaluate_alerts(self.app, self.observations, self.store, now=self.clock.now())
        assert report.errors == ()
        return report

    def expect(self, *rows: tuple[str, str, str]) -> None:
        """(reason, destination, kind) of every new outbox row, in order."""
        outbox = self.store.outbox()
        new = [(o.reason, o.destination, o.kind) for o in outbox[self.seen :]]
        self.seen = len(outbox)
        assert new == list(rows)


def test_full_path_fire_escalate_repeat_ack_resolve(db: Database) -> None:
    t = Timeline(db)
    t.record("monthly_churn_rate", 4.5).tick()
    t.expect()  # one day above: pending
    (pending,) = t.store.open_incidents()
    assert pending.state == "pending"
    t.at(DAY1 + timedelta(days=1)).record("monthly_churn_rate", 4.6).tick()
    t.expect(
        ("fired", "#kpi-alerts", "post"),
        ("fired", "email:ceo@datainsight.pro", "post"),
        ("fired", "email:cro@datainsight.pro", "post"),  # the KPI's owner, by email
    )
    day2 = DAY1 + timedelta(days=1)
    t.at(day2 + timedelta(minutes=29)).tick()
    t.expect()
    t.at(day2 + timedelta(minutes=30)).tick()
    t.expect(("escalation", "email:cfo@datainsight.pro", "post"))
    t.at(day2 + timedelta(hours=3, minutes=59)).tick()
    t.expect()
    t.at(day2 + timedelta(hours=4)).tick()
    t.expect(
        ("repeat", "#kpi-alerts", "thread"),
        ("repeat", "email:ceo@datainsight.pro", "thread"),
        ("repeat", "email:cro@datainsight.pro", "thread"),
    )
    (incident,) = t.store.open_incidents()
    outcome = t.store.acknowledge(incident.id, by="UALICE", now=day2 + timedelta(hours=4, minutes=10))
    assert outcome.ok
    everyone = (
        "#kpi-alerts",
        "email:ceo@datainsight.pro",
        "email:cro@datainsight.pro",
        "email:cfo@datainsight.pro",
    )
    t.expect(*[("acknowledged", d, "thread") for d in everyone])
    for hours in (8, 12, 16, 20):
        t.at(day2 + timedelta(hours=hours)).tick()
    t.expect()  # acknowledged: no repeats, no escalation
    t.at(DAY1 + timedelta(days=2)).record("monthly_churn_rate", 3.1).tick()
    t.expect(*[("resolved", d, "thread") for d in everyone])
    t.at(DAY1 + timedelta(days=2, hours=1)).tick()
    t.expect()
    assert all(
        not o.payload["mentions"] for o in t.store.outbox() if o.reason in ("resolved", "acknowledged")
    )


def test_a_tick_twice_and_two_evaluators_at_once_enqueue_once(db: Database) -> None:
    t = Timeline(db)
    t.record("monthly_churn_rate", 4.5)
    t.at(DAY1 + timedelta(days=1)).record("monthly_churn_rate", 4.6)
    reports: list[TickReport] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        reports.append(t.tick())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reports) == 2
    t.expect(
        ("fired", "#kpi-alerts", "post"),
        ("fired", "email:ceo@datainsight.pro", "post"),
        ("fired", "email:cro@datainsight.pro", "post"),
    )
    assert sum(r.enqueued for r in reports) == 3
    assert len(t.store.open_incidents()) == 1
    again = t.tick()
    assert (again.enqueued, again.events) == (0, {})
    t.expect()


def test_missing_data_marks_the_incident_and_never_pages(db: Database) -> None:
    t = Timeline(db)
    t.record("monthly_churn_rate", 4.5).at(DAY1 + timedelta(days=1)).record("monthly_churn_rate", 4.6).tick()
    t.expect(
        *[
            ("fired", d, "post")
            for d in ("#kpi-alerts", "email:ceo@datainsight.pro", "email:cro@datainsight.pro")
        ]
    )
    report = t.at(DAY1 + timedelta(days=4)).tick()  # nothing recorded for three days
    (incident,) = t.store.open_incidents()
    assert incident.state == "no_data" and report.states == {"no_data": 2}
    t.expect(
        *[
            ("no_data", d, "update")
            for d in ("#kpi-alerts", "email:ceo@datainsight.pro", "email:cro@datainsight.pro")
        ]
    )
    t.at(DAY1 + timedelta(days=4, hours=8)).tick()
    t.expect()  # no repeats while there is no data


def test_no_data_alert_policy_opens_an_info_incident(db: Database) -> None:
    rules = {**RULES, "no_data": {"action": "alert"}}
    t = Timeline(db, rules)
    t.record("monthly_churn_rate", 3.0).tick()
    t.at(DAY1 + timedelta(days=3)).tick()
    (missing,) = t.store.open_incidents()
    assert (missing.severity, missing.labels, missing.state) == ("info", (("no_data", "true"),), "firing")
    t.expect(("digest", "digest", "digest"))
    t.record("monthly_churn_rate", 3.0).tick()
    assert t.store.open_incidents() == []


def test_milestones_are_announced_once_to_the_digest(db: Database) -> None:
    t = Timeline(db)
    for day, value in enumerate([240, 260, 270, 310, 299, 301]):
        t.at(DAY1 + timedelta(days=day)).record("total_customers", value).tick()
    reached = [(i.labels, i.resolution) for i in t.store.incidents()]
    assert sorted(reached) == [((("milestone", "250"),), "event"), ((("milestone", "300"),), "event")]
    t.expect(("digest", "digest", "digest"), ("digest", "digest", "digest"))


def test_removed_rules_resolve_their_incidents_and_keys_limit_a_tick(db: Database) -> None:
    t = Timeline(db)
    t.record("monthly_churn_rate", 4.5).at(DAY1 + timedelta(days=1)).record("monthly_churn_rate", 4.6).tick()
    only_customers = t.at(DAY1 + timedelta(days=1, hours=1))
    report = evaluate_alerts(
        t.app, t.observations, t.store, now=only_customers.clock.now(), keys=["total_customers"]
    )
    assert report.evaluated == 1
    t.app = App(config({"alerts": RULES["alerts"][1:]}), CATALOG)
    report = t.tick()
    assert report.events == {"resolved": 1}
    (removed,) = t.store.incidents()
    assert (removed.state, removed.resolution) == ("resolved", "rule_removed")


def test_a_restart_between_firing_and_resolving_loses_nothing_and_repeats_nothing(db: Database) -> None:
    t = Timeline(db)
    t.record("monthly_churn_rate", 4.5).at(DAY1 + timedelta(days=1)).record("monthly_churn_rate", 4.6).tick()
    t.expect(
        *[
            ("fired", d, "post")
            for d in ("#kpi-alerts", "email:ceo@datainsight.pro", "email:cro@datainsight.pro")
        ]
    )
    restarted = Timeline(db)  # new process: new stores, same database
    restarted.seen = t.seen
    restarted.at(DAY1 + timedelta(days=1, minutes=5)).tick()
    restarted.expect()
    restarted.at(DAY1 + timedelta(days=2)).record("monthly_churn_rate", 3.0).tick()
    restarted.expect(
        *[
            ("resolved", d, "thread")
            for d in ("#kpi-alerts", "email:ceo@datainsight.pro", "email:cro@datainsight.pro")
        ]
    )


def test_a_flapping_series_keeps_one_incident_and_one_message(db: Database) -> None:
    flappy = {**RULES, "alerts": [{**RULES["alerts"][0], "threshold": "latest value"}]}
    t = Timeline(db, flappy)
    posts = ("#kpi-alerts", "email:ceo@datainsight.pro", "email:cro@datainsight.pro")
    for day, value in enumerate([4.5, 3.9, 4.4, 3.8, 4.2]):
        t.at(DAY1 + timedelta(days=day)).record("monthly_churn_rate", value).tick()
    t.expect(
        *[("fired", d, "post") for d in posts],
        *[("resolved", d, "thread") for d in posts],
        *[("reopened", d, "thread") for d in posts],
        *[("resolved", d, "thread") for d in posts],
        *[("reopened", d, "thread") for d in posts],
    )
    (incident,) = t.store.incidents()
    assert (incident.state, incident.reopen_count) == ("firing", 2)
