"""Shared database helpers of the incident store: row conversion, compare-and-set, outbox history."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kpi_core.alerts.common import Severity
from kpi_core.alerts.lifecycle import SYSTEM_ACTOR, Incident
from kpi_core.alerts.notify import NotifyDecision, SentNotification, outbox_payload, should_notify
from kpi_core.alerts.outbox import Notification, insert_notifications
from kpi_core.alerts.routing import RouteDecision
from kpi_core.storage.alert_models import IncidentEventRow, IncidentRow, OutboxRow

RETRIES = 8


class Conflict(Exception):
    """The compare-and-set lost: someone changed the incident since it was read."""


def labels_key(labels: Iterable[tuple[str, str]]) -> str:
    return json.dumps(dict(sorted(labels)), sort_keys=True, separators=(",", ":"))


def incident_key(rule_key: str, kpi_key: str, labels: Iterable[tuple[str, str]]) -> str:
    """The identity of an incident: (rule, KPI, labels)."""
    return f"{rule_key}|{kpi_key}|{labels_key(labels)}"


def to_incident(row: IncidentRow) -> Incident:
    fields = {name: getattr(row, name) for name in Incident.__dataclass_fields__ if name != "labels"}
    return Incident(**fields, labels=tuple(sorted(row.labels.items())))


def cas_update(
    session: Session,
    current: Incident,
    changes: dict[str, Any],
    *,
    now: datetime,
    bump: bool,
    open_key: str | None = None,
) -> Incident:
    values = dict(changes, updated_at=now)
    if changes.get("state") == "resolved":
        values["open_key"] = None
    elif open_key is not None:
        values["open_key"] = open_key
    if bump:
        values["version"] = current.version + 1
    result = session.execute(
        update(IncidentRow)
        .where(IncidentRow.id == current.id, IncidentRow.version == current.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict
    row = session.get(IncidentRow, current.id, populate_existing=True)
    assert row is not None
    return to_incident(row)


def history_rows(session: Session, ids: Sequence[int]) -> dict[int, list[SentNotification]]:
    query = (
        select(
            OutboxRow.incident_id,
            OutboxRow.reason,
            OutboxRow.destination,
            OutboxRow.created_at,
            OutboxRow.severity,
            OutboxRow.sequence,
            OutboxRow.route,
            OutboxRow.status,
        )
        .where(OutboxRow.incident_id.in_(ids))
        .order_by(OutboxRow.id)
    )
    out: dict[int, list[SentNotification]] = {i: [] for i in ids}
    for incident_id, reason, destination, at, severity, sequence, route, status in session.execute(query):
        out[incident_id].append(
            SentNotification(
                reason, destination, at, cast(Severity, severity), sequence, route, status == "failed"
            )
        )
    return out


def enqueue_event(
    session: Session, incident: Incident, event: str, *, now: datetime, actor: str | None = None
) -> int:
    history = history_rows(session, [incident.id])[incident.id]
    verdict = should_notify(incident, now=now, history=history, event=event)
    if not verdict.send:
        return 0
    return insert_notifications(
        session, build_notifications(incident, verdict, route="", actor=actor), now=now
    )


def build_notifications(
    incident: Incident, verdict: NotifyDecision, *, route: str, actor: str | None = None
) -> list[Notification]:
    payload = outbox_payload(incident, verdict, actor=actor)
    return [
        Notification(
            incident_id=incident.id,
            reason=verdict.reason,
            sequence=verdict.sequence,
            destination=d,
            route=route,
            kind=verdict.kind,
            severity=incident.severity,
            payload=payload,
        )
        for d in verdict.destinations
    ]


def periodic_notifications(
    incident: Incident, decisions: Sequence[RouteDecision], *, now: datetime, history: list[SentNotification]
) -> list[Notification]:
    """The notifications `should_notify` wants now, route by route."""
    history = list(history)
    notifications: list[Notification] = []
    for decision in decisions:
        for _ in range(4):  # a post and then, say, a severity note for another destination
            verdict = should_notify(incident, now=now, history=history, route=decision)
            if not verdict.send:
                break
            batch = build_notifications(incident, verdict, route=decision.route)
            notifications += batch
            history += [
                SentNotification(n.reason, n.destination, now, n.severity, n.sequence, n.route) for n in batch
            ]
    return notifications


def enqueue_periodic(
    session: Session,
    incident: Incident,
    decisions: Sequence[RouteDecision],
    *,
    now: datetime,
    history: list[SentNotification] | None = None,
) -> int:
    if history is None:
        history = history_rows(session, [incident.id])[incident.id]
    notifications = periodic_notifications(incident, decisions, now=now, history=history)
    return insert_audited(session, incident, notifications, now=now) if notifications else 0


def insert_audited(
    session: Session, incident: Incident, notifications: list[Notification], *, now: datetime
) -> int:
    added = 0
    for n in notifications:
        new = insert_notifications(session, [n], now=now)
        added += new
        if new and n.reason == "escalation":  # audited once, by whoever enqueued it
            detail = {"destination": n.destination, "route": n.route}
            session.add(
                IncidentEventRow(
                    incident_id=incident.id, kind="escalated", actor=SYSTEM_ACTOR, at=now, detail=detail
                )
            )
    return added
