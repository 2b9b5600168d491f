"""Should we notify, and how: the pure decision behind every alert message.

Two kinds of call:
- `event=None`, every evaluation tick, per route decision: the first post, a severity rise, the end of
  a snooze, escalation after `escalate_after` without an ack, and repeats every `repeat_interval`
  while unacknowledged. These mention people, so non-critical ones wait for the end of quiet hours.
- `event="resolved" | "acknowledged" | ...`, right after a transition: a silent edit of every copy of
  the message (and a thread line for actions and resolves). These never mention anyone.

The history is what the outbox already holds for the incident, so a decision taken twice (two
replicas, a restart) yields the same idempotency key and is enqueued once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from kpi_core.alerts.config import SEVERITY_RANK, Severity
from kpi_core.alerts.destinations import DIGEST
from kpi_core.alerts.lifecycle import Incident
from kpi_core.alerts.routing import RouteDecision, quiet_until

NotifyKind = Literal["none", "post", "thread", "update", "digest"]
LOUD_REASONS = ("fired", "repeat", "severity_up", "snooze_ended", "escalation")
POSTING_REASONS = ("fired", "escalation", "digest")
THREAD_EVENTS = ("resolved", "acknowledged", "snoozed", "reopened", "unacknowledged")
SILENT_EVENTS = ("severity_down", "no_data", "data_back")


@dataclass(frozen=True)
class SentNotification:
    """A notification already in the outbox for this incident (sent or not yet)."""

    reason: str
    destination: str
    at: datetime
    severity: Severity
    sequence: int
    route: str = ""
    failed: bool = False


@dataclass(frozen=True)
class NotifyDecision:
    """What to send now. `kind`: post a new message, reply in `thread` (and update the message),
    silently `update` the message, or queue for the next `digest`. `reason` and `sequence` make the
    outbox's idempotency key."""

    kind: NotifyKind
    reason: str = ""
    destinations: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    sequence: int = 0
    defer_until: datetime | None = None
    why: str = ""

    @property
    def send(self) -> bool:
        return self.kind != "none" and bool(self.destinations)


NOTHING = NotifyDecision("none")


def should_notify(
    incident: Incident,
    *,
    now: datetime,
    history: Sequence[SentNotification],
    route: RouteDecision | None = None,
    event: str | None = None,
) -> NotifyDecision:
    """Decide the notification for `incident` now. See the module docstring for the two kinds of call."""
    posted = tuple(
        dict.fromkeys(
            h.destination for h in history if h.reason in POSTING_REASONS and h.destination != DIGEST
        )
    )
    if event is not None:
        return _for_event(incident, event, posted)
    if route is None:
        raise ValueError("should_notify needs the route decision for a periodic check")
    if incident.state != "firing":
        return NotifyDecision("none", why=f"incident is {incident.state}")
    mine = [h for h in history if h.route == route.route]
    if route.digest_only:
        if any(h.destination == DIGEST for h in history):
            return NotifyDecision("none", why="already queued for the digest")
        return NotifyDecision("digest", "digest", (DIGEST,), sequence=1, why="digest only")
    fresh = tuple(d for d in route.destinations if d not in posted)
    loud = [h for h in mine if h.reason in LOUD_REASONS and h.reason != "escalation"]
    quiet = None if incident.severity == "critical" else quiet_until(route.quiet_hours, now)
    everywhere = [h for h in history if h.reason in LOUD_REASONS]
    decision = _periodic(
        incident, route, now=now, fresh=fresh, loud=loud, mine=mine, posted=posted, loud_everywhere=everywhere
    )
    if decision.send and quiet is not None:
        return NotifyDecision(
            "none", decision.reason, defer_until=quiet, why=f"quiet hours until {quiet:%H:%M} UTC"
        )
    return decision


def _periodic(
    incident: Incident,
    route: RouteDecision,
    *,
    now: datetime,
    fresh: tuple[str, ...],
    loud: list[SentNotification],
    mine: list[SentNotification],
    posted: tuple[str, ...],
    loud_everywhere: list[SentNotification],
) -> NotifyDecision:
    targets = tuple(d for d in route.destinations if d in posted)
    if fresh:
        return NotifyDecision("post", "fired", fresh, route.mentions, 1, why="first notification")
    rank = SEVERITY_RANK[incident.severity]
    behind = tuple(d for d in targets if rank > _loudest(loud_everywhere, d))
    if behind:
        why = f"severity rose to {incident.severity}"
        return NotifyDecision("thread", "severity_up", behind, route.mentions, incident.version, why=why)
    if not loud:
        return NotifyDecision("none", why="nothing to repeat")
    # Clocks start at the current firing episode: a re-opened (flapping) incident is not overdue.
    episode = incident.fired_at
    last = max(h.at for h in loud)
    if episode is not None and episode > last:
        last = episode
    if incident.unsnoozed_at is not None and incident.unsnoozed_at > last:
        return NotifyDecision(
            "thread", "snooze_ended", targets, route.mentions, incident.version, why="snooze ended"
        )
    first = min((h.at for h in mine if h.reason == "fired"), default=None)
    if first is not None and episode is not None and episode > first:
        first = episode
    escalated = any(h.reason == "escalation" for h in mine)
    escalation_due = (
        route.escalate_after is not None and first is not None and now >= first + route.escalate_after
    )
    if escalation_due and route.escalation and not escalated:
        why = f"not acknowledged within {route.escalate_after}"
        return NotifyDecision("post", "escalation", route.escalation, route.mentions, 1, why=why)
    if route.repeat_interval and now >= last + route.repeat_interval:
        repeats = max((h.sequence for h in mine if h.reason == "repeat"), default=0)
        why = f"unacknowledged for {route.repeat_interval} since the last notification"
        return NotifyDecision("thread", "repeat", targets, route.mentions, repeats + 1, why=why)
    return NotifyDecision("none", why="waiting")


def _loudest(history: list[SentNotification], destination: str) -> int:
    return max((SEVERITY_RANK[h.severity] for h in history if h.destination == destination), default=-1)


def _for_event(incident: Incident, event: str, posted: tuple[str, ...]) -> NotifyDecision:
    if not posted:
        return NotifyDecision("none", why="nothing was posted for this incident")
    if event == "resolved" and incident.mode == "event":
        return NotifyDecision("none", why="event alerts are not resolved in Slack")
    if event in THREAD_EVENTS:
        return NotifyDecision(
            "thread", event, posted, (), incident.version, why=f"{event}: thread note, no mentions"
        )
    if event in SILENT_EVENTS:
        return NotifyDecision("update", event, posted, (), incident.version, why=f"{event}: edit in place")
    return NotifyDecision("none", why=f"{event} needs no message")


def outbox_payload(
    incident: Incident, decision: NotifyDecision, *, actor: str | None = None
) -> dict[str, Any]:
    """The facts a sender needs besides the incident itself (which it re-reads for the current state)."""
    return {
        "kind": decision.kind,
        "reason": decision.reason,
        "mentions": list(decision.mentions),
        "severity": incident.severity,
        "state": incident.state,
        "version": incident.version,
        "summary": incident.summary,
        "value": incident.last_value,
        "threshold": incident.threshold,
        "rule": incident.rule_name,
        "kpi": incident.kpi_key,
        "actor": actor,
    }
