"""The buttons: acknowledge, snooze and resolve, as compare-and-set on the incident's version.

The loser of a race (a double click, two people, an ack against an automatic resolve) changes
nothing and gets an `ActionOutcome` whose message says what happened: "Already acknowledged by
U0G9QF9C6 at 10:02 UTC."
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kpi_core.alerts.incident_rows import RETRIES, Conflict, cas_update, enqueue_event, to_incident
from kpi_core.alerts.lifecycle import ALLOWED_FROM, Action, Incident
from kpi_core.storage.alert_models import IncidentEventRow, IncidentRow
from kpi_core.storage.db import Database


@dataclass(frozen=True)
class ActionOutcome:
    """The result of a click. `ok` False: nothing changed, and `message` says why (for the loser)."""

    ok: bool
    action: Action
    incident: Incident | None
    message: str


class ActionOps:
    """Actions of IncidentStore (a mixin: the store's `db` is the database)."""

    db: Database

    def acknowledge(
        self,
        incident_id: int,
        *,
        by: str,
        now: datetime,
        expected_version: int | None = None,
        expected_state: str | None = None,
    ) -> ActionOutcome:
        """Acknowledge: stops repeats and escalation for this incident only."""
        changes = {"state": "acknowledged", "acked_by": by, "acked_at": now}
        return self._act(
            incident_id,
            "acknowledge",
            changes,
            by=by,
            now=now,
            expected_version=expected_version,
            expected_state=expected_state,
        )

    def snooze(
        self,
        incident_id: int,
        *,
        by: str,
        now: datetime,
        until: datetime | None = None,
        until_worse: bool = False,
        expected_version: int | None = None,
        expected_state: str | None = None,
    ) -> ActionOutcome:
        """Snooze until `until`, or (`until_worse`) until the severity rises or the value gets worse."""
        if until is None and not until_worse:
            raise ValueError("snooze needs `until` or `until_worse=True`")
        changes = {
            "state": "snoozed",
            "snoozed_by": by,
            "snoozed_until": until,
            "snooze_until_worse": until_worse,
            "unsnoozed_at": None,
        }
        return self._act(
            incident_id,
            "snooze",
            changes,
            by=by,
            now=now,
            expected_version=expected_version,
            expected_state=expected_state,
        )

    def resolve(
        self,
        incident_id: int,
        *,
        by: str,
        now: datetime,
        expected_version: int | None = None,
        expected_state: str | None = None,
        resolution: str = "manual",
    ) -> ActionOutcome:
        """Resolve by hand. If the condition still holds, the next evaluation re-opens it (flapping rule)."""
        changes = {"state": "resolved", "resolved_by": by, "resolved_at": now, "resolution": resolution}
        return self._act(
            incident_id,
            "resolve",
            changes,
            by=by,
            now=now,
            expected_version=expected_version,
            expected_state=expected_state,
        )

    def _act(
        self,
        incident_id: int,
        action: Action,
        changes: dict[str, Any],
        *,
        by: str,
        now: datetime,
        expected_version: int | None,
        expected_state: str | None,
    ) -> ActionOutcome:
        event = {"acknowledge": "acknowledged", "snooze": "snoozed", "resolve": "resolved"}[action]
        for _ in range(RETRIES):
            try:
                with self.db.session() as session:
                    row = session.get(IncidentRow, incident_id)
                    if row is None:
                        return ActionOutcome(False, action, None, f"There is no alert #{incident_id}.")
                    current = to_incident(row)
                    if current.state not in ALLOWED_FROM[action]:
                        return ActionOutcome(False, action, current, refusal(current, action))
                    stale = (expected_version is not None and current.version != expected_version) or (
                        expected_state is not None and current.state != expected_state
                    )
                    if stale:
                        message = (
                            "The alert changed since this message was shown "
                            f"(now {current.state.replace('_', ' ')}, {current.severity}); nothing was done."
                        )
                        return ActionOutcome(False, action, current, message)
                    extra = (
                        {"snooze_value": current.last_value, "snooze_severity": current.severity}
                        if action == "snooze"
                        else {}
                    )
                    incident = cas_update(session, current, {**changes, **extra}, now=now, bump=True)
                    detail = {
                        "from": current.state,
                        "until": changes.get("snoozed_until"),
                        "until_worse": changes.get("snooze_until_worse"),
                    }
                    session.add(
                        IncidentEventRow(
                            incident_id=incident.id,
                            kind=event,
                            actor=by,
                            at=now,
                            detail={
                                k: (v.isoformat() if isinstance(v, datetime) else v)
                                for k, v in detail.items()
                            },
                        )
                    )
                    enqueue_event(session, incident, event, now=now, actor=by)
                    return ActionOutcome(True, action, incident, f"{event.capitalize()} by {by}.")
            except Conflict:
                continue
        raise RuntimeError(f"incident {incident_id} kept changing; try again")


def refusal(incident: Incident, action: Action) -> str:
    """Why `action` cannot be done any more, in words for the person who clicked second."""
    if incident.state == "resolved":
        when = _hhmm(incident.resolved_at)
        if incident.resolution == "manual":
            return f"Already resolved by {incident.resolved_by} at {when}."
        return f"Already resolved automatically at {when} ({incident.summary})."
    if incident.state == "acknowledged" and action == "acknowledge":
        return f"Already acknowledged by {incident.acked_by} at {_hhmm(incident.acked_at)}."
    return f"The alert changed meanwhile (now {incident.state.replace('_', ' ')}); nothing was done."


def _hhmm(moment: datetime | None) -> str:
    return f"{moment:%H:%M} UTC" if moment else "an unknown time"
