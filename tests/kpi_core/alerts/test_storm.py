"""An alert storm is written in a few statements, with the same incidents, events and outbox rows as the
one-by-one path, and a re-run of the tick adds nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from kpi_core.storage.db import Database
from tests.kpi_core.alerts.test_evaluator import DAY1, Timeline

STORM = 40
ROUTES = {
    "routes": [
        {
            "match": {"severity": "critical"},
            "channels": ["#kpi-alerts"],
            "owner_dms": True,
            "repeat_interval": "4h",
        }
    ]
}


def _rules() -> dict[str, Any]:
    alerts = [
        {
            "name": f"Churn above {4 + n / 100:.2f}%",
            "condition": f"monthly_churn_rate > {4 + n / 100:.2f}%",
            "severity": "critical",
        }
        for n in range(STORM)
    ]
    return {"alerts": alerts, "routing": ROUTES}


def test_a_storm_opens_every_incident_in_a_few_statements(db: Database) -> None:
    t = Timeline(db, _rules())
    t.record("monthly_churn_rate", 9.0)  # above every rule's line
    statements: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements[statement.split()[0]] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        report = t.tick()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert report.events == {"fired": STORM}
    assert report.enqueued == 2 * STORM  # #kpi-alerts and the KPI owner's DM, per incident
    assert statements["INSERT"] <= 6 and statements["SELECT"] <= 10, statements
    incidents = t.store.open_incidents()
    assert len(incidents) == STORM and {i.state for i in incidents} == {"firing"}
    assert all(i.version == 1 for i in incidents)
    for incident in incidents[:3]:
        assert [e.kind for e in t.store.events(incident.id)] == ["fired"]
    rows = t.store.outbox()
    assert Counter((r.reason, r.destination, r.kind) for r in rows) == {
        ("fired", "#kpi-alerts", "post"): STORM,
        ("fired", "email:cro@datainsight.pro", "post"): STORM,
    }
    assert {r.incident_id for r in rows} == {i.id for i in incidents}
    again = t.at(DAY1 + timedelta(minutes=5)).tick()
    assert (again.enqueued, again.events) == (0, {})
    assert len(t.store.outbox()) == len(rows)
