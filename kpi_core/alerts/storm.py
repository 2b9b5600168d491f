"""A tick's results applied in a few statements, whatever their number: what keeps an alert storm cheap.

`IncidentStore.apply_results` hands a whole tick here, in one transaction. Two queries read the open
incidents of every key and the last resolved one of the keys that have none. Results that open a new
incident (an alert storm is hundreds of those) are then written together: one multi-row INSERT for the
incidents, one for their `fired`/`pending` events and one `INSERT ... ON CONFLICT DO NOTHING` for their
first notifications. Any other result (a change to an open incident, a re-open) takes the one-by-one path
with compare-and-set, exactly as before.

    applied = apply_batch(session, items, now=now, one=store._apply_routed)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kpi_core.alerts.evaluate import RuleResult
from kpi_core.alerts.incident_rows import incident_key, labels_key, periodic_notifications, to_incident
from kpi_core.alerts.lifecycle import SYSTEM_ACTOR, Incident, Transition, decide_transition
from kpi_core.alerts.outbox import Notification, outbox_values
from kpi_core.alerts.routing import RouteDecision
from kpi_core.alerts.rules import AlertRule
from kpi_core.storage.alert_models import IncidentEventRow, IncidentRow, OutboxRow

Item = tuple[AlertRule, RuleResult, Sequence[RouteDecision]]
Create = tuple[int, AlertRule, RuleResult, Sequence[RouteDecision], Transition, dict[str, Any]]
ApplyOne = Callable[[Session, AlertRule, RuleResult, datetime, Sequence[RouteDecision]], Any]


def apply_batch(
    session: Session, items: Sequence[Item], *, now: datetime, one: ApplyOne, applied: Callable[..., Any]
) -> list[Any]:
    """Apply every result of `items`; new incidents in bulk, the rest through `one` (compare-and-set).

    `applied(incident, event, enqueued)` builds the result of each item (the store's `Applied`).
    """
    keys = [incident_key(rule.key, rule.kpi.key, result.labels) for rule, result, _ in items]
    open_rows = _open_incidents(session, keys)
    wanted = [
        (rule.key, rule.kpi.key, labels_key(result.labels))
        for (rule, result, _), key in zip(items, keys, strict=True)
        if key not in open_rows and result.state in ("firing", "pending")
    ]
    resolved = _last_resolved(session, wanted)
    out: list[Any] = [None] * len(items)
    creates: list[Create] = []
    for index, ((rule, result, routes), key) in enumerate(zip(items, keys, strict=True)):
        current = open_rows.get(key)
        if current is not None:
            out[index] = one(session, rule, result, now, routes)
            continue
        last = resolved.get((rule.key, rule.kpi.key, labels_key(result.labels)))
        transition = decide_transition(None, result, rule=rule, now=now, last_resolved=last)
        if transition is None:
            out[index] = applied(None, None, 0)
        elif not transition.create:
            out[index] = one(session, rule, result, now, routes)  # a re-open: compare-and-set
        else:
            row = _new_row(rule, result, key, transition, now)
            creates.append((index, rule, result, routes, transition, row))
    if creates:
        _write_created(session, creates, out, now=now, applied=applied)
    return out


def _open_incidents(session: Session, keys: Sequence[str]) -> dict[str, Incident]:
    rows = session.scalars(select(IncidentRow).where(IncidentRow.open_key.in_(sorted(set(keys)))))
    return {str(row.open_key): to_incident(row) for row in rows}


def _last_resolved(
    session: Session, wanted: Sequence[tuple[str, str, str]]
) -> dict[tuple[str, str, str], Incident]:
    """The most recently resolved incident of each (rule, KPI, labels), for flapping and cool-downs."""
    if not wanted:
        return {}
    triple = tuple_(IncidentRow.rule_key, IncidentRow.kpi_key, IncidentRow.labels_key)
    rows = session.scalars(
        select(IncidentRow)
        .where(IncidentRow.open_key.is_(None), triple.in_(sorted(set(wanted))))
        .order_by(IncidentRow.resolved_at.desc(), IncidentRow.id.desc())
    )
    out: dict[tuple[str, str, str], Incident] = {}
    for row in rows:
        out.setdefault((row.rule_key, row.kpi_key, row.labels_key), to_incident(row))
    return out


def _new_row(
    rule: AlertRule, result: RuleResult, key: str, transition: Transition, now: datetime
) -> dict[str, Any]:
    """The columns of a new incident (what IncidentStore._apply inserts one at a time)."""
    return {
        "rule_key": rule.key,
        "rule_name": rule.name,
        "kpi_key": rule.kpi.key,
        "labels_key": labels_key(result.labels),
        "labels": dict(result.labels),
        "open_key": key,
        "mode": rule.mode,
        "version": 1,
        "updated_at": now,
        "reopen_count": 0,
        "snooze_until_worse": False,
        **transition.changes,
    }


def _write_created(
    session: Session,
    creates: Sequence[Create],
    out: list[Any],
    *,
    now: datetime,
    applied: Callable[..., Any],
) -> None:
    """The new incidents, their events and their first notifications, each kind in one statement."""
    table = cast(Table, IncidentRow.__table__)
    rows = [row for *_, row in creates]
    # insertmanyvalues: one INSERT ... RETURNING per 1,000 rows. Rows come back in no promised order (an
    # order needs a sentinel column, without which SQLAlchemy inserts one row at a time): map by open key.
    returned = session.execute(insert(table).returning(table.c.open_key, table.c.id), rows).all()
    by_key = {str(key): int(incident_id) for key, incident_id in returned}
    ids = [by_key[row["open_key"]] for row in rows]
    events: list[dict[str, Any]] = []
    wanted: list[tuple[int, Incident, str | None, list[Notification]]] = []
    for (index, _rule, _result, routes, transition, row), incident_id in zip(creates, ids, strict=True):
        incident = to_incident(IncidentRow(id=incident_id, **row))
        if transition.event is not None:
            detail = {
                "from": None,
                "severity": incident.severity,
                "value": incident.last_value,
                "summary": incident.summary,
            }
            events.append(_event(incident.id, transition.event, now, detail))
        notifications: list[Notification] = []
        if routes and incident.state == "firing":  # a new incident has no notification history
            notifications = periodic_notifications(incident, routes, now=now, history=[])
        wanted.append((index, incident, transition.event, notifications))
    inserted = _insert_outbox(session, [n for *_, ns in wanted for n in ns], now=now)
    for index, incident, event, notifications in wanted:
        new = [n for n in notifications if n.key in inserted]
        for n in new:
            if n.reason == "escalation":  # audited once, by whoever enqueued it
                detail = {"destination": n.destination, "route": n.route}
                events.append(_event(incident.id, "escalated", now, detail))
        out[index] = applied(incident, event, len(new))
    if events:
        session.execute(insert(cast(Table, IncidentEventRow.__table__)), events)


def _event(incident_id: int, kind: str, now: datetime, detail: dict[str, Any]) -> dict[str, Any]:
    return {"incident_id": incident_id, "kind": kind, "actor": SYSTEM_ACTOR, "at": now, "detail": detail}


def _insert_outbox(session: Session, notifications: Sequence[Notification], *, now: datetime) -> set[str]:
    """Insert the notifications whose key is new; returns the keys inserted.

    One statement compiled once, executed for every row through insertmanyvalues (a multi-row
    INSERT ... ON CONFLICT DO NOTHING RETURNING per 1,000 rows), not a statement per notification.
    """
    if not notifications:
        return set()
    insert_for = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = cast(Table, OutboxRow.__table__)
    statement = insert_for(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.key)
    rows = [outbox_values(n, now=now) for n in notifications]
    return {str(key) for key in session.execute(statement, rows).scalars()}
