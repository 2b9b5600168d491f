"""`SlackAlertJobs`: the alert side of the background work, and what the buttons and `/kpi ack` call.

    jobs = SlackAlertJobs(runtime, client=app.client)
    jobs.tick(clock.now())          # evaluate every rule, queue info alerts for the digest, deliver
    jobs.evaluate(now, keys=["mrr"]) # after a record, import or refresh of those KPIs (no delivery)
    jobs.act("acknowledge", 12, user="U024BE7LH")   # permission check, compare-and-set, deliver the updates

It implements `scheduling.service.AlertJobs` (`tick(now)`, `open_alerts()`). Every piece of state lives in
the database, so two processes (replicas, or the CLI next to `kpibot serve`) can run it side by side.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import select

from bot.alerts.delivery import DeliveryReport, no_retry_client
from bot.alerts.destinations import DestinationResolver
from bot.alerts.messages import MessageAssembler
from bot.alerts.names import PeopleNames
from bot.alerts.pacing import Pacer, manual_pacer
from bot.alerts.permissions import ActionGate
from bot.alerts.sender import OutboxSender
from bot.blocks.alert import IncidentView
from bot.blocks.alert_list import alert_line
from kpi_core.alerts.config import SEVERITY_RANK
from kpi_core.alerts.destinations import DIGEST
from kpi_core.alerts.evaluator import TickReport, evaluate_alerts
from kpi_core.alerts.lifecycle import Incident
from kpi_core.alerts.rules import AlertRule, compile_all
from kpi_core.alerts.store import IncidentStore
from kpi_core.clock import Clock, ManualClock
from kpi_core.digests.content import OpenAlert
from kpi_core.runtime import Runtime
from kpi_core.storage.alert_models import OutboxRow
from kpi_core.storage.observations import ObservationStore
from scheduling.scheduler import worker_id as new_worker_id

log = logging.getLogger(__name__)
ActionName = Literal["acknowledge", "snooze", "resolve"]
DIGEST_MEMORY = timedelta(days=7)  # seed 001 reviews informational alerts weekly
SNOOZE_FOR = {"1h": timedelta(hours=1), "24h": timedelta(hours=24)}
DONE = {"acknowledge": "Acknowledged", "snooze": "Snoozed", "resolve": "Resolved"}


@dataclass(frozen=True)
class AlertTick:
    """One tick: the evaluation, the info alerts queued for the digest, and the delivery."""

    report: TickReport
    queued_for_digest: int
    delivery: DeliveryReport


@dataclass(frozen=True)
class ActResult:
    """A button or `/kpi ack`: `ok` False means nothing changed, and `text` says why."""

    ok: bool
    text: str
    incident: Incident | None = None


def default_pacer(clock: Clock) -> Pacer:
    """Real seconds on the wall clock; on a ManualClock (tests, the demo, benchmarks) waiting moves that
    clock instead, so simulated time never sleeps for real (the emulator's rate limits follow that clock)."""
    return manual_pacer(clock) if isinstance(clock, ManualClock) else Pacer()


class SlackAlertJobs:
    """Evaluation, delivery and actions for one process. Thread-safe."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        client: WebClient,
        worker: str | None = None,
        pacer: Pacer | None = None,
        deliver: bool = True,
    ) -> None:
        self.runtime = runtime
        self.store = IncidentStore(runtime.db)
        self.observations = ObservationStore(runtime.db)
        self.client = no_retry_client(client)
        self.worker = worker or new_worker_id()
        self.deliver_enabled = deliver
        rules, problems = compile_all(runtime.config.alerts, runtime.config.catalog)
        for problem in problems:  # load_config reports these with line numbers; never silently
            log.error("alert rule skipped: %s", problem)
        self.rules: list[AlertRule] = rules
        self.rules_by_key = {rule.key: rule for rule in rules}
        self.names = PeopleNames(self.client)
        self.resolver = DestinationResolver(self.client)
        self.assembler = MessageAssembler(
            kpis=runtime.config.kpis, rules=self.rules_by_key, names=self.names, timezone=runtime.timezone
        )
        self.sender = OutboxSender(
            self.store,
            client=self.client,
            assembler=self.assembler,
            fallback_channel=runtime.config.alerts.fallback_channel,
            clock=runtime.clock,
            worker_id=self.worker,
            resolver=self.resolver,
            pacer=pacer or default_pacer(runtime.clock),
        )
        self.gate = ActionGate(
            self.client,
            resolver=self.resolver,
            config=runtime.config.alerts,
            rules=self.rules_by_key,
            kpis=runtime.config.kpis,
        )
        self._handled = 0
        self._handled_changed = threading.Condition()

    # ------------------------------------------------------------------ background work
    def tick(self, now: datetime) -> AlertTick:
        """Evaluate every rule at `now`, queue info alerts for the next digest, deliver what is due."""
        report = self.evaluate(now)
        queued = self.queue_for_digest(now)
        delivery = self.deliver() if self.deliver_enabled else DeliveryReport()
        return AlertTick(report, queued, delivery)

    def evaluate(self, now: datetime, *, keys: Sequence[str] | None = None) -> TickReport:
        """One evaluation (all rules, or the rules on `keys`): incidents move, notifications are enqueued."""
        report = evaluate_alerts(
            self.runtime.config,
            self.observations,
            self.store,
            now=now,
            timezone=self.runtime.timezone,
            keys=keys,
            rules=self.rules,
        )
        for rule, message in report.errors:
            log.error("alert rule %s could not be evaluated: %s", rule, message)
        return report

    def deliver(self) -> DeliveryReport:
        """Send every outbox row that is due now."""
        return self.sender.drain()

    def queue_for_digest(self, now: datetime) -> int:
        """Info alerts routed to "next digest only" are handed over; `open_alerts` shows them for a week."""
        items = self.store.claim_due(now=now, worker_id=self.worker, limit=500, digest=True)
        for item in items:
            self.store.mark_sent(item.id, worker_id=self.worker, now=now)
        return len(items)

    def open_alerts(self) -> Callable[[datetime], list[OpenAlert]]:
        """The provider digests take: alerts firing now, plus the info alerts queued for the digest in the
        last week (an announcement is over by the time the digest goes out, but belongs in it)."""
        return self.open_alerts_at

    def open_alerts_at(self, now: datetime) -> list[OpenAlert]:
        shown = [i for i in self.store.open_incidents() if i.fired_at is not None]
        ids = {i.id for i in shown}
        with self.runtime.db.session() as session:
            queued = session.scalars(
                select(OutboxRow.incident_id)
                .where(OutboxRow.destination == DIGEST, OutboxRow.created_at >= now - DIGEST_MEMORY)
                .distinct()
            ).all()
        for incident_id in sorted(set(queued) - ids):
            incident = self.store.get(incident_id)
            if incident is not None:
                shown.append(incident)
        return [
            OpenAlert(
                severity=i.severity,
                title=i.rule_name,
                kpi=i.kpi_key,
                since=i.fired_at or i.opened_at,
                detail=i.summary if i.state == "firing" else f"{i.summary} ({self.assembler.status(i)})",
            )
            for i in shown
        ]

    # ------------------------------------------------------------------ what people see
    def open_views(self) -> list[IncidentView]:
        """Every open incident, most severe first (`/kpi alerts`)."""
        incidents = sorted(self.store.open_incidents(), key=lambda i: (-SEVERITY_RANK[i.severity], i.id))
        return [self.assembler.view(i) for i in incidents]

    def open_alert_lines(self) -> list[str]:
        """One line per alert that has fired and is still open (the dashboard's "Alerts" box)."""
        return [alert_line(view) for view in self.open_views() if view.state != "pending"]

    # ------------------------------------------------------------------ buttons and /kpi ack
    def act(
        self,
        action: ActionName,
        incident_id: int,
        *,
        user: str,
        expected_version: int | None = None,
        snooze: str | None = None,
    ) -> ActResult:
        """Do `action` on the incident as `user` (a Slack user id), if `who_can_act` lets them; then
        deliver the updates of every copy of its message. The loser of a race is told what happened."""
        incident = self.store.get(incident_id)
        if incident is None:
            return ActResult(False, f"There is no alert #{incident_id}. `/kpi alerts` lists the open ones.")
        permission = self.gate.check(incident, user_id=user, copies=self.store.messages(incident_id))
        if not permission.allowed:
            return ActResult(False, permission.reason, incident)
        now = self.runtime.clock.now()
        if action == "acknowledge":
            outcome = self.store.acknowledge(incident_id, by=user, now=now, expected_version=expected_version)
        elif action == "resolve":
            outcome = self.store.resolve(incident_id, by=user, now=now, expected_version=expected_version)
        else:
            until, worse = self.snooze_until(snooze or "1h", user=user, now=now)
            outcome = self.store.snooze(
                incident_id,
                by=user,
                now=now,
                until=until,
                until_worse=worse,
                expected_version=expected_version,
            )
        if not outcome.ok:
            known = outcome.incident or incident
            ids = (known.acked_by, known.resolved_by, known.snoozed_by) if known is not None else ()
            return ActResult(False, self.names.replace_ids(outcome.message, ids), outcome.incident)
        if self.deliver_enabled:
            self.deliver()
        done = outcome.incident or incident
        text = f"{DONE[action]} alert #{incident_id} ({done.rule_name})"
        if action == "snooze":
            text += f": {self.assembler.status(done).lower()}"
        return ActResult(True, text + ".", done)

    def snooze_until(self, choice: str, *, user: str, now: datetime) -> tuple[datetime | None, bool]:
        """The snooze menu's choices: 1 hour, 24 hours, tomorrow 09:00 (the user's timezone), until worse."""
        if choice == "worse":
            return None, True
        if choice == "tomorrow":
            zone = ZoneInfo(self.names.timezone(user) or self.runtime.timezone)
            tomorrow = now.astimezone(zone).date() + timedelta(days=1)
            return datetime.combine(tomorrow, time(9), tzinfo=zone), False
        if choice not in SNOOZE_FOR:
            raise ValueError(f"unknown snooze choice {choice!r}")
        return now + SNOOZE_FOR[choice], False

    # ------------------------------------------------------------------ for tests: handlers finished
    def handled(self) -> None:
        """A button or command handler finished (tests wait on this instead of sleeping)."""
        with self._handled_changed:
            self._handled += 1
            self._handled_changed.notify_all()

    def wait_handled(self, count: int, *, timeout: float = 10.0) -> None:
        with self._handled_changed:
            if not self._handled_changed.wait_for(lambda: self._handled >= count, timeout=timeout):
                raise TimeoutError(f"{self._handled} of {count} alert actions handled within {timeout}s")

    @property
    def handled_count(self) -> int:
        with self._handled_changed:
            return self._handled
