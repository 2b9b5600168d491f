"""The outbox drain: every alert notification reaches Slack through here, once per outbox row.

    sender = OutboxSender(store, client=client, assembler=assembler, fallback_channel="#kpi-ops", ...)
    report = sender.drain()     # claims due rows atomically: two replicas never send one row twice

Row kinds: `post` (a new message with buttons: the incident's copy for that destination), `thread` (a
reply in the copy's thread, then chat.update of the copy), `update` (chat.update only). A copy is always
re-rendered from the incident as it is now, so every copy shows the latest state. A storm (many incidents
for one destination at once) shares one message; see grouping.py.

Failures: 429 -> the row waits for Slack's Retry-After (and that channel is held back); 5xx, timeouts and
connection errors -> exponential backoff, up to MAX_ATTEMPTS; anything permanent (channel_not_found,
users_not_found, is_archived...) -> `mark_failed(fallback=...)`: the alert goes to the fallback channel,
saying what could not be reached. After a crash between a post and its bookkeeping, the retry finds the
message already posted (by the outbox keys in its metadata) instead of posting it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from slack_sdk import WebClient

from bot.alerts.delivery import (
    CountingClient,
    DeliveryReport,
    find_posted,
    metadata,
    no_retry_client,
    outcome_unknown,
    round_robin,
    route_mentions,
)
from bot.alerts.destinations import DestinationResolver
from bot.alerts.grouping import Group, plan, sharing
from bot.alerts.messages import MessageAssembler
from bot.alerts.pacing import Deferred, Pacer
from bot.blocks.alert import AlertMessage
from bot.blocks.alert_list import build_group_message
from bot.blocks.primitives import Message
from bot.slack.errors import SlackError, SlackNotInChannelError, SlackRateLimitedError, classify
from kpi_core.alerts.lifecycle import Incident
from kpi_core.alerts.outbox import DEFAULT_LEASE, OutboxItem, next_backoff
from kpi_core.alerts.store import IncidentMessage, IncidentStore
from kpi_core.clock import Clock

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8  # 5 s .. 10 min of backoff; then the fallback channel

__all__ = ["MAX_ATTEMPTS", "DeliveryReport", "OutboxSender", "no_retry_client"]


class OutboxSender:
    """Claims due outbox rows and delivers them. Safe to run in several threads and processes at once."""

    def __init__(
        self,
        store: IncidentStore,
        *,
        client: WebClient,
        assembler: MessageAssembler,
        fallback_channel: str,
        clock: Clock,
        worker_id: str,
        resolver: DestinationResolver | None = None,
        pacer: Pacer | None = None,
        batch: int = 200,
        max_rows: int = 5000,
    ) -> None:
        self.store, self.client, self.assembler = store, client, assembler
        self.fallback_channel, self.clock, self.worker_id = fallback_channel, clock, worker_id
        self.resolver = resolver or DestinationResolver(client)
        self.pacer = pacer or Pacer()
        self.batch, self.max_rows = batch, max_rows

    def drain(self) -> DeliveryReport:
        """Deliver every row due now (and the fallback copies failures create), then return."""
        report = DeliveryReport()
        waited_before, handled = self.pacer.waited, 0
        # Long enough for a batch paced one second apart, with room to spare.
        lease = max(DEFAULT_LEASE, timedelta(seconds=self.batch * self.pacer.interval * 3))
        while handled < self.max_rows:
            items = self.store.claim_due(
                now=self.clock.now(), worker_id=self.worker_id, limit=self.batch, lease=lease
            )
            if not items:
                break
            groups, singles = plan(items, copy_of=self.copy_of, shared=self.shared)
            for group in groups:
                self._deliver_group(group, report)
            for item in round_robin(singles):
                self._deliver_group(Group("single", (item,), self.copy_of(item)), report)
            handled += len(items)
        report.waited = self.pacer.waited - waited_before
        return report

    def copy_of(self, item: OutboxItem) -> IncidentMessage | None:
        """The incident's message at the row's destination, if it has one."""
        return next(
            (m for m in self.store.messages(item.incident_id) if m.destination == item.destination), None
        )

    def shared(self, copy: IncidentMessage) -> bool:
        return len(sharing(self.store.db, copy)) > 1

    # ------------------------------------------------------------------ one row or one group
    def _deliver_group(self, group: Group, report: DeliveryReport) -> None:
        slack = CountingClient(self.client, report)
        items = group.items
        incidents = [self.store.get(item.incident_id) for item in items]
        if any(incident is None for incident in incidents):  # deleted under us: nothing to show
            for item in items:
                self.store.mark_failed(
                    item.id, worker_id=self.worker_id, now=self.clock.now(), error="no_incident"
                )
            report.failed += len(items)
            return
        live = [i for i in incidents if i is not None]
        first, copy = items[0], group.copy
        delivered: set[int] = set()

        def sent(batch: Sequence[OutboxItem], channel: str, ts: str) -> None:
            for item in batch:
                if item.id not in delivered:
                    delivered.add(item.id)
                    self._mark_sent(item, channel=channel, ts=ts, grouped=len(items) > 1, report=report)

        try:
            if group.kind == "post":
                self._post(slack, items, live, sent)
            elif first.kind == "post" or (copy is None and first.payload.get("fallback_for")):
                if copy is not None:  # e.g. an escalation to someone who has the message already: say so
                    self._reply(slack, items, live, copy)
                    self._update(slack, copy, first)
                    sent(items, copy.channel, copy.ts)
                else:
                    self._post(slack, items, live, sent)
            elif copy is None:
                self._nothing_to_update(first, report)
                return
            else:
                if first.kind == "thread":
                    self._reply(slack, items, live, copy)
                self._update(slack, copy, first)
                sent(items, copy.channel, copy.ts)
        except Deferred as held:  # the channel is held back by a Retry-After: later, without calling Slack
            for item in items:
                if item.id in delivered:
                    continue
                self.store.mark_retry(
                    item.id,
                    worker_id=self.worker_id,
                    now=self.clock.now(),
                    retry_after=timedelta(seconds=held.seconds),
                    error=f"deferred: {held}",
                )
                report.retried += 1
        except Exception as error:
            for item in items:
                if item.id not in delivered:
                    self._failed(item, classify(error), slack.channel, report)

    def _mark_sent(
        self, item: OutboxItem, *, channel: str, ts: str, grouped: bool, report: DeliveryReport
    ) -> None:
        if self.store.mark_sent(
            item.id, worker_id=self.worker_id, now=self.clock.now(), channel=channel, ts=ts
        ):
            report.sent += 1
            report.grouped += grouped
        else:  # our claim expired and another sender took the row: it may be delivered twice
            log.warning("outbox row %s: claim lost after sending (lease too short?)", item.key)

    def _post(
        self,
        slack: CountingClient,
        items: Sequence[OutboxItem],
        incidents: list[Incident],
        sent: Callable[[Sequence[OutboxItem], str, str], None],
    ) -> None:
        """Post the rows' message; rows an interrupted attempt already delivered are adopted, not posted."""
        first = items[0]
        channel = self.resolver.channel_for(first.destination)
        if outcome_unknown(items):
            found = find_posted(slack, channel, items, thread_ts=None)
            for ts in dict.fromkeys(found.values()):
                sent([item for item in items if found.get(item.key) == ts], channel, ts)
            left = [
                (item, incident)
                for item, incident in zip(items, incidents, strict=True)
                if item.key not in found
            ]
            if not left:
                return
            items, incidents = [item for item, _ in left], [incident for _, incident in left]
            first = items[0]
        pairs = zip(items, incidents, strict=True)
        mentions = tuple(dict.fromkeys(m for item, incident in pairs for m in self._mentions(item, incident)))
        banner = self.assembler.banner(first.reason, first.payload)
        message: AlertMessage
        if len(items) > 1:
            views = [self.assembler.view(incident) for incident in incidents]
            message = build_group_message(views, mentions=mentions, banner=banner)
        else:
            message = self.assembler.incident_message(incidents[0], banner=banner, mentions=mentions)
        self.pacer.wait_turn("post", channel)
        kwargs = {"metadata": metadata(items), **message.as_kwargs()}
        try:
            response = slack.call("chat.postMessage", channel=channel, **kwargs)
        except SlackNotInChannelError:
            if not first.destination.startswith("#"):
                raise
            slack.call("conversations.join", channel=channel)  # a public channel the bot was not in yet
            response = slack.call("chat.postMessage", channel=channel, **kwargs)
        posted = str(response["channel"])
        self.resolver.remember(first.destination, posted)
        sent(items, posted, str(response["ts"]))

    def _reply(
        self,
        slack: CountingClient,
        items: Sequence[OutboxItem],
        incidents: list[Incident],
        copy: IncidentMessage,
    ) -> None:
        if outcome_unknown(items):  # post the notes no earlier attempt posted, and only those
            found = find_posted(slack, copy.channel, items, thread_ts=copy.ts)
            left = [(i, n) for i, n in zip(items, incidents, strict=True) if i.key not in found]
            if not left:
                return
            items, incidents = [i for i, _ in left], [n for _, n in left]
        titled = self.shared(copy)
        notes = [
            self.assembler.note(
                item.reason,
                incident,
                payload=item.payload,
                at=item.created_at,
                mentions=self._mentions(item, incident),
                titled=titled,
            )
            for item, incident in zip(items, incidents, strict=True)
        ]
        note = Message(
            text="\n".join(n.text for n in notes), blocks=[b for n in notes for b in n.blocks][:50]
        )
        self.pacer.wait_turn("post", copy.channel)
        slack.call(
            "chat.postMessage",
            channel=copy.channel,
            thread_ts=copy.ts,
            metadata=metadata(items),
            **note.as_kwargs(),
        )

    def _update(self, slack: CountingClient, copy: IncidentMessage, item: OutboxItem) -> None:
        """Re-render the copy from the current incident(s) and edit it in place."""
        rows = self.store.outbox(incident_id=item.incident_id)
        posting = next(
            (
                r
                for r in rows
                if r.destination == item.destination and r.kind == "post" and r.status == "sent"
            ),
            item,
        )
        banner = self.assembler.banner(posting.reason, posting.payload)
        ids = sharing(self.store.db, copy)
        message: AlertMessage
        if len(ids) > 1:
            incidents = [i for i in (self.store.get(n) for n in ids) if i is not None]
            message = build_group_message([self.assembler.view(i) for i in incidents], banner=banner)
        else:
            incident = self.store.get(item.incident_id)
            assert incident is not None
            message = self.assembler.incident_message(incident, banner=banner)
        self.pacer.wait_turn("update", copy.channel)
        slack.call("chat.update", channel=copy.channel, ts=copy.ts, **message.as_kwargs())

    def _mentions(self, item: OutboxItem, incident: Incident) -> tuple[str, ...]:
        if item.payload.get("fallback_for"):  # the ops channel reads it; it was meant for someone else
            return ()
        return route_mentions(
            item.payload.get("mentions") or (),
            dm=self.resolver.is_dm(item.destination),
            kpi=self.assembler.kpis.get(incident.kpi_key),
            resolver=self.resolver,
        )

    # ------------------------------------------------------------------ failures
    def _nothing_to_update(self, item: OutboxItem, report: DeliveryReport) -> None:
        error = (
            "no message here to update: the alert never reached this destination (see the fallback channel)"
        )
        self.store.mark_failed(item.id, worker_id=self.worker_id, now=self.clock.now(), error=error)
        report.failed += 1

    def _failed(
        self, item: OutboxItem, problem: SlackError, channel: str | None, report: DeliveryReport
    ) -> None:
        now = self.clock.now()
        error = f"{problem.method or 'slack'}: {problem.code}"
        report.errors.append(f"{item.destination}: {error}")
        if isinstance(problem, SlackRateLimitedError):
            wait = max(1.0, float(problem.retry_after or 1.0))
            if channel is not None:
                self.pacer.hold("update" if problem.method == "chat.update" else "post", channel, wait)
            retry = timedelta(seconds=wait)
            self.store.mark_retry(item.id, worker_id=self.worker_id, now=now, retry_after=retry, error=error)
            report.retried += 1
            return
        if problem.retryable and item.attempts < MAX_ATTEMPTS:
            retry = next_backoff(item.attempts)
            self.store.mark_retry(item.id, worker_id=self.worker_id, now=now, retry_after=retry, error=error)
            report.retried += 1
            return
        is_fallback = item.destination == self.fallback_channel or bool(item.payload.get("fallback_for"))
        fallback = None if is_fallback else self.fallback_channel
        self.store.mark_failed(
            item.id, worker_id=self.worker_id, now=now, error=problem.code, fallback=fallback
        )
        report.failed += 1
        if not is_fallback:
            report.fallbacks += 1
            log.warning(
                "alert #%s: %s unreachable (%s); sent to %s",
                item.incident_id,
                item.destination,
                error,
                fallback,
            )
            return
        report.lost += 1
        log.error(
            "alert #%s (%s) could not be delivered to %s nor to the fallback channel: %s",
            item.incident_id,
            item.reason,
            item.payload.get("fallback_for") or item.destination,
            error,
        )
