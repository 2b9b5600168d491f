"""IncidentStore: incidents in the database, changed only by compare-and-set.

Every write reads the incident, decides in pure code (`lifecycle`), then updates `WHERE id = ? AND
version = ?`; a writer that loses re-reads and decides again. So an ack racing an automatic resolve,
a double click, or two evaluators on one tick each end in exactly one outcome, and the loser of a
click is told what happened instead. Notifications are enqueued in the same transaction as the change.

    store = IncidentStore(db)
    outcome = store.acknowledge(incident_id, by="U024BE7LH", now=clock.now())
    if not outcome.ok:
        respond(outcome.message)      # "Already acknowledged by U0G9QF9C6 at 10:02 UTC."
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kpi_core.alerts.actions import ActionOps, ActionOutcome
from kpi_core.alerts.evaluate import RuleResult
from kpi_core.alerts.incident_rows import (
    RETRIES,
    Conflict,
    cas_update,
    enqueue_event,
    enqueue_periodic,
    history_rows,
    incident_key,
    labels_key,
    periodic_notifications,
    to_incident,
)
from kpi_core.alerts.lifecycle import SYSTEM_ACTOR, Incident, Transition, decide_transition
from kpi_core.alerts.notify import SentNotification
from kpi_core.alerts.outbox import OutboxOps
from kpi_core.alerts.routing import RouteDecision
from kpi_core.alerts.rules import AlertRule
from kpi_core.alerts.storm import apply_batch
from kpi_core.storage.alert_models import IncidentEventRow, IncidentMessageRow, IncidentRow
from kpi_core.storage.db import Database

__all__ = ["ActionOutcome", "Applied", "IncidentStore", "incident_key", "labels_key"]


@dataclass(frozen=True)
class Applied:
    """What applying one evaluation result did."""

    incident: Incident | None
    event: str | None
    enqueued: int = 0


@dataclass(frozen=True)
class IncidentEvent:
    id: int
    incident_id: int
    kind: str
    actor: str
    at: datetime
    detail: dict[str, Any]


@dataclass(frozen=True)
class IncidentMessage:
    incident_id: int
    destination: str
    channel: str
    ts: str


class IncidentStore(ActionOps, OutboxOps):
    """Incidents, their audit events and messages, and the outbox (see OutboxOps)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # reads
    def get(self, incident_id: int) -> Incident | None:
        with self.db.session() as session:
            row = session.get(IncidentRow, incident_id)
            return to_incident(row) if row else None

    def open_incidents(self) -> list[Incident]:
        """Every open incident, oldest first."""
        query = select(IncidentRow).where(IncidentRow.open_key.is_not(None)).order_by(IncidentRow.id)
        with self.db.session() as session:
            return [to_incident(row) for row in session.scalars(query)]

    def incidents(self, *, since: datetime | None = None, limit: int = 100) -> list[Incident]:
        """Incidents opened since `since`, newest first (`kpibot alerts history`)."""
        query = select(IncidentRow).order_by(IncidentRow.id.desc()).limit(limit)
        if since is not None:
            query = query.where(IncidentRow.opened_at >= since)
        with self.db.session() as session:
            return [to_incident(row) for row in session.scalars(query)]

    def events(self, incident_id: int) -> list[IncidentEvent]:
        query = (
            select(IncidentEventRow)
            .where(IncidentEventRow.incident_id == incident_id)
            .order_by(IncidentEventRow.id)
        )
        with self.db.session() as session:
            return [
                IncidentEvent(row.id, row.incident_id, row.kind, row.actor, row.at, dict(row.detail))
                for row in session.scalars(query)
            ]

    def messages(self, incident_id: int) -> list[IncidentMessage]:
        """Every copy of the incident's message (channel and DMs), to update in place."""
        query = (
            select(IncidentMessageRow)
            .where(IncidentMessageRow.incident_id == incident_id)
            .order_by(IncidentMessageRow.id)
        )
        with self.db.session() as session:
            return [
                IncidentMessage(r.incident_id, r.destination, r.channel, r.ts) for r in session.scalars(query)
            ]

    def sent_history(self, incident_ids: Iterable[int]) -> dict[int, list[SentNotification]]:
        """What the outbox holds per incident (one query), for `should_notify`."""
        ids = sorted(set(incident_ids))
        if not ids:
            return {}
        with self.db.session() as session:
            return history_rows(session, ids)

    # evaluation
    def apply_result(
        self,
        rule: AlertRule,
        result: RuleResult,
        *,
        now: datetime,
        routes: Sequence[RouteDecision] = (),
    ) -> Applied:
        """Apply one evaluation result to the incident of its key (open, re-open or change it).

        With `routes`, the periodic notifications (the first post...) are enqueued in the same transaction.
        """
        for _ in range(RETRIES):
            try:
                with self.db.session() as session:
                    return self._apply_routed(session, rule, result, now, routes)
            except (Conflict, IntegrityError):
                continue
        raise RuntimeError(
            f"the incident of {rule.key} kept changing under the evaluator; giving up this tick"
        )

    def apply_results(
        self, items: Sequence[tuple[AlertRule, RuleResult, Sequence[RouteDecision]]], *, now: datetime
    ) -> list[Applied]:
        """`apply_result` for many results in one transaction (an alert storm opens hundreds at once:
        kpi_core.alerts.storm writes those in a few multi-row statements).

        Optimistic: if any incident changed meanwhile (another evaluator, a click), the batch is rolled
        back and every result is applied on its own, with compare-and-set and retries.
        """
        try:
            with self.db.session() as session:
                return apply_batch(session, items, now=now, one=self._apply_routed, applied=Applied)
        except (Conflict, IntegrityError):
            return [self.apply_result(rule, result, now=now, routes=routes) for rule, result, routes in items]

    def _apply_routed(
        self,
        session: Session,
        rule: AlertRule,
        result: RuleResult,
        now: datetime,
        routes: Sequence[RouteDecision],
    ) -> Applied:
        applied = self._apply(session, rule, result, incident_key(rule.key, rule.kpi.key, result.labels), now)
        if routes and applied.incident is not None and applied.incident.state == "firing":
            created = applied.event == "fired" and applied.incident.version == 1
            fresh: list[SentNotification] | None = [] if created else None  # a new incident has no history
            more = enqueue_periodic(session, applied.incident, routes, now=now, history=fresh)
            applied = replace(applied, enqueued=applied.enqueued + more)
        return applied

    def _apply(
        self, session: Session, rule: AlertRule, result: RuleResult, key: str, now: datetime
    ) -> Applied:
        row = session.scalar(select(IncidentRow).where(IncidentRow.open_key == key))
        current = to_incident(row) if row else None
        last = None
        if current is None and result.state in ("firing", "pending"):
            last_row = session.scalar(
                select(IncidentRow)
                .where(
                    IncidentRow.rule_key == rule.key,
                    IncidentRow.kpi_key == rule.kpi.key,
                    IncidentRow.labels_key == labels_key(result.labels),
                    IncidentRow.open_key.is_(None),
                )
                .order_by(IncidentRow.resolved_at.desc(), IncidentRow.id.desc())
                .limit(1)
            )
            last = to_incident(last_row) if last_row else None
        transition = decide_transition(current, result, rule=rule, now=now, last_resolved=last)
        if transition is None or (current is not None and unchanged(current, transition)):
            return Applied(current, None)
        if transition.create:
            new = IncidentRow(
                rule_key=rule.key,
                rule_name=rule.name,
                kpi_key=rule.kpi.key,
                labels_key=labels_key(result.labels),
                labels=dict(result.labels),
                open_key=key,
                mode=rule.mode,
                version=1,
                updated_at=now,
                reopen_count=0,
                snooze_until_worse=False,
                **transition.changes,
            )
            session.add(new)
            session.flush()
            incident = to_incident(new)
        else:
            base = last if transition.reopen else current
            assert base is not None
            incident = cas_update(
                session,
                base,
                transition.changes,
                now=now,
                bump=transition.bumps_version,
                open_key=key if transition.reopen else None,
            )
        if transition.event is None:
            return Applied(incident, None)
        detail = {
            "from": base_state(current, last, transition),
            "severity": incident.severity,
            "value": incident.last_value,
            "summary": incident.summary,
        }
        session.add(
            IncidentEventRow(
                incident_id=incident.id, kind=transition.event, actor=SYSTEM_ACTOR, at=now, detail=detail
            )
        )
        added = 0 if transition.create else enqueue_event(session, incident, transition.event, now=now)
        return Applied(incident, transition.event, added)

    def notify(
        self,
        incident: Incident,
        decisions: Sequence[RouteDecision],
        *,
        now: datetime,
        history: list[SentNotification] | None = None,
    ) -> int:
        """The periodic check: post, severity rise, snooze end, escalation, repeat; returns rows enqueued.

        `history` (from `sent_history`, batched by the evaluator) lets a tick with nothing due skip the
        database entirely."""
        if history is not None and not periodic_notifications(incident, decisions, now=now, history=history):
            return 0
        with self.db.session() as session:
            return enqueue_periodic(session, incident, decisions, now=now, history=history)

    def record_message(
        self, incident_id: int, *, destination: str, channel: str, ts: str, now: datetime
    ) -> None:
        """Remember where an incident's message is (when not done through `mark_sent`)."""
        with self.db.session() as session:
            existing = session.scalar(
                select(IncidentMessageRow).where(
                    IncidentMessageRow.incident_id == incident_id,
                    IncidentMessageRow.destination == destination,
                )
            )
            if existing is None:
                session.add(
                    IncidentMessageRow(
                        incident_id=incident_id,
                        destination=destination,
                        channel=channel,
                        ts=ts,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                existing.channel, existing.ts, existing.updated_at = channel, ts, now


def base_state(current: Incident | None, last: Incident | None, transition: Transition) -> str | None:
    base = last if transition.reopen else current
    return base.state if base else None


def unchanged(current: Incident, transition: Transition) -> bool:
    """A transition that would only rewrite what is stored (and the evaluation time)."""
    if transition.event is not None:
        return False
    return all(getattr(current, k, None) == v for k, v in transition.changes.items() if k != "evaluated_at")
