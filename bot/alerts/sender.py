"""The outbox drain: every alert notification reaches Slack through here, exactly once per outbox row.

    sender = OutboxSender(store, client=client, assembler=assembler, fallback_channel="#kpi-ops", clock=clock)
    report = sender.drain()     # claims due rows (atomically: two replicas never send one row twice)

Row kinds: `post` (a new message with buttons; the incident's copy for that destination), `thread` (a
reply in the copy's thread, then chat.update of the copy), `update` (chat.update only). The copy is
re-rendered from the incident as it is now, so every copy shows the latest state.

Failures: 429 -> the row waits for Slack's Retry-After (and its channel is held back); 5xx, timeouts and
connection errors -> exponential backoff, up to MAX_ATTEMPTS; anything permanent (channel_not_found,
users_not_found, is_archived...) -> `mark_failed(fallback=...)`, so the alert goes to the fallback channel
saying what could not be reached. After a crash between a post and its bookkeeping, the retry finds the
message it already posted (by the outbox key in its metadata) instead of posting it twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from bot.alerts.destinations import DestinationResolver
from bot.alerts.messages import MessageAssembler
from bot.alerts.pacing import Pacer
from bot.slack.errors import SlackError, SlackNotInChannelError, SlackRateLimitedError, classify
from kpi_core.alerts.lifecycle import Incident
from kpi_core.alerts.outbox import DEFAULT_LEASE, OutboxItem, next_backoff
from kpi_core.alerts.store import IncidentMessage, IncidentStore
from kpi_core.clock import Clock

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8  # 5 s .. 10 min of backoff; then the fallback channel
METADATA_TYPE = "kpibot_alert"
CHANNEL_WIDE = {"@here": "<!here>", "here": "<!here>", "@channel": "<!channel>", "@everyone": "<!everyone>"}


@dataclass
class DeliveryReport:
    """What one drain did. `calls` counts Slack Web API writes and lookups made by the sender."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    fallbacks: int = 0
    lost: int = 0  # could not be delivered even to the fallback channel (logged as errors)
    calls: Counter[str] = field(default_factory=Counter)
    waited: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def merge(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.fallbacks += other.fallbacks
        self.lost += other.lost
        self.calls.update(other.calls)
        self.waited += other.waited
        self.errors += other.errors


class _Counting:
    """The client, counting calls into the current report."""

    def __init__(self, client: WebClient, report: DeliveryReport) -> None:
        self._client, self._report = client, report
        self.channel: str | None = None  # where the last call went (a 429 holds that channel back)

    def call(self, method: str, **kwargs: Any) -> Any:
        self._report.calls[method] += 1
        self.channel = kwargs.get("channel")
        try:
            return getattr(self._client, method.replace(".", "_"))(**kwargs)
        except Exception as error:
            raise classify(error, method=method) from error


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
        batch: int = 20,
        max_rows: int = 2000,
    ) -> None:
        self.store = store
        self.client = client
        self.assembler = assembler
        self.fallback_channel = fallback_channel
        self.clock = clock
        self.worker_id = worker_id
        self.resolver = resolver or DestinationResolver(client)
        self.pacer = pacer or Pacer()
        self.batch = batch
        self.max_rows = max_rows

    def drain(self) -> DeliveryReport:
        """Deliver every row due now (and the fallback copies that failures create), then return."""
        report = DeliveryReport()
        waited_before = self.pacer.waited
        handled = 0
        while handled < self.max_rows:
            # Long enough for a batch paced one second apart, with room to spare.
            lease = max(DEFAULT_LEASE, timedelta(seconds=self.batch * self.pacer.interval * 3))
            items = self.store.claim_due(
                now=self.clock.now(), worker_id=self.worker_id, limit=self.batch, lease=lease
            )
            if not items:
                break
            for item in _round_robin(items):
                self._deliver(item, report)
            handled += len(items)
        report.waited = self.pacer.waited - waited_before
        return report

    # ------------------------------------------------------------------ one row
    def _deliver(self, item: OutboxItem, report: DeliveryReport) -> None:
        slack = _Counting(self.client, report)
        incident = self.store.get(item.incident_id)
        if incident is None:  # deleted under us: nothing to show
            self.store.mark_failed(
                item.id, worker_id=self.worker_id, now=self.clock.now(), error="no_incident"
            )
            report.failed += 1
            return
        channel: str | None = None
        ts: str | None = None
        try:
            copy = self._copy(item)
            if item.kind == "post" or (copy is None and item.payload.get("fallback_for")):
                channel, ts = self._post(slack, item, incident, copy)
            elif item.kind in ("thread", "update"):
                if copy is None:
                    self.store.mark_failed(
                        item.id,
                        worker_id=self.worker_id,
                        now=self.clock.now(),
                        error="no message here to update: the alert never reached this destination "
                        "(its copy went to the fallback channel)",
                    )
                    report.failed += 1
                    return
                channel, ts = copy.channel, copy.ts
                if item.kind == "thread":
                    self._reply(slack, item, incident, copy)
                self._update(slack, item, incident, copy)
            else:
                raise SlackError(f"unknown_kind_{item.kind}")
        except Exception as error:
            self._failed(item, classify(error), slack.channel, report)
            return
        if self.store.mark_sent(
            item.id, worker_id=self.worker_id, now=self.clock.now(), channel=channel, ts=ts
        ):
            report.sent += 1
        else:  # our claim expired and another sender took the row: it may be delivered twice
            log.warning("outbox row %s: claim lost after sending (lease too short?)", item.key)

    def _copy(self, item: OutboxItem) -> IncidentMessage | None:
        return next(
            (m for m in self.store.messages(item.incident_id) if m.destination == item.destination), None
        )

    def _post(
        self, slack: _Counting, item: OutboxItem, incident: Incident, copy: IncidentMessage | None
    ) -> tuple[str, str]:
        if copy is not None:  # e.g. an escalation to someone who already has the message: say so in it
            self._reply(slack, item, incident, copy)
            self._update(slack, item, incident, copy)
            return copy.channel, copy.ts
        channel = self.resolver.channel_for(item.destination)
        if item.attempts > 1:
            found = self._already_posted(slack, channel, item, thread_ts=None)
            if found is not None:
                return found
        message = self.assembler.incident_message(
            incident,
            banner=self.assembler.banner(item.reason, item.payload),
            mentions=self._mentions_for(item, incident),
        )
        self.pacer.wait_turn("post", channel)
        try:
            response = slack.call(
                "chat.postMessage", channel=channel, metadata=_metadata(item), **message.as_kwargs()
            )
        except Exception as error:
            problem = classify(error, method="chat.postMessage")
            if not (isinstance(problem, SlackNotInChannelError) and item.destination.startswith("#")):
                raise problem from error
            slack.call("conversations.join", channel=channel)  # a public channel the bot was not in yet
            response = slack.call(
                "chat.postMessage", channel=channel, metadata=_metadata(item), **message.as_kwargs()
            )
        posted = str(response["channel"])
        self.resolver.remember(item.destination, posted)
        return posted, str(response["ts"])

    def _reply(self, slack: _Counting, item: OutboxItem, incident: Incident, copy: IncidentMessage) -> None:
        if item.attempts > 1 and self._already_posted(slack, copy.channel, item, thread_ts=copy.ts):
            return
        mentions = self._mentions_for(item, incident)
        note = self.assembler.note(
            item.reason, incident, payload=item.payload, at=item.created_at, mentions=mentions
        )
        self.pacer.wait_turn("post", copy.channel)
        slack.call(
            "chat.postMessage",
            channel=copy.channel,
            thread_ts=copy.ts,
            metadata=_metadata(item),
            **note.as_kwargs(),
        )

    def _update(self, slack: _Counting, item: OutboxItem, incident: Incident, copy: IncidentMessage) -> None:
        first = self.store.outbox(incident_id=item.incident_id)
        posting = next(
            (
                r
                for r in first
                if r.destination == item.destination and r.kind == "post" and r.status == "sent"
            ),
            item,
        )
        message = self.assembler.incident_message(
            incident, banner=self.assembler.banner(posting.reason, posting.payload)
        )
        self.pacer.wait_turn("update", copy.channel)
        slack.call("chat.update", channel=copy.channel, ts=copy.ts, **message.as_kwargs())

    def _already_posted(
        self, slack: _Counting, channel: str, item: OutboxItem, *, thread_ts: str | None
    ) -> tuple[str, str] | None:
        """The message an earlier attempt of this row posted, if Slack has it (found by its outbox key)."""
        oldest = f"{(item.created_at - timedelta(minutes=5)).timestamp():.6f}"
        try:
            if thread_ts is None:
                response = slack.call(
                    "conversations.history",
                    channel=channel,
                    oldest=oldest,
                    limit=200,
                    include_all_metadata=True,
                )
            else:
                response = slack.call(
                    "conversations.replies",
                    channel=channel,
                    ts=thread_ts,
                    limit=200,
                    include_all_metadata=True,
                )
        except Exception as error:  # cannot check: posting again is better than not posting
            log.info("could not check %s for an earlier attempt of %s: %s", channel, item.key, error)
            return None
        for message in response.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == item.key:
                return channel, str(message.get("ts"))
        return None

    # ------------------------------------------------------------------ failures
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
            self.store.mark_retry(
                item.id, worker_id=self.worker_id, now=now, retry_after=timedelta(seconds=wait), error=error
            )
            report.retried += 1
            return
        if problem.retryable and item.attempts < MAX_ATTEMPTS:
            self.store.mark_retry(
                item.id,
                worker_id=self.worker_id,
                now=now,
                retry_after=next_backoff(item.attempts),
                error=error,
            )
            report.retried += 1
            return
        is_fallback = item.destination == self.fallback_channel or bool(item.payload.get("fallback_for"))
        self.store.mark_failed(
            item.id,
            worker_id=self.worker_id,
            now=now,
            error=problem.code,
            fallback=None if is_fallback else self.fallback_channel,
        )
        report.failed += 1
        if is_fallback:
            report.lost += 1
            log.error(
                "alert #%s (%s) could not be delivered to %s nor to the fallback channel: %s",
                item.incident_id,
                item.reason,
                item.payload.get("fallback_for") or item.destination,
                error,
            )
        else:
            report.fallbacks += 1
            log.warning(
                "alert #%s: %s unreachable (%s); sent to %s",
                item.incident_id,
                item.destination,
                error,
                self.fallback_channel,
            )

    # ------------------------------------------------------------------ mentions
    def _mentions_for(self, item: OutboxItem, incident: Incident) -> tuple[str, ...]:
        if item.payload.get("fallback_for"):  # the ops channel reads it; it was meant for someone else
            return ()
        return self.mentions(item.payload.get("mentions") or (), incident=incident, item=item)

    def mentions(self, wanted: Sequence[str], *, incident: Incident, item: OutboxItem) -> tuple[str, ...]:
        """Route mentions as Slack markup. `@here`/`@channel` only in channels (meaningless in a DM); `owner`
        mentions the KPI's owners; emails and user ids mention that person."""
        dm = self.resolver.is_dm(item.destination)
        out: list[str] = []
        for raw in wanted:
            text = str(raw).strip()
            lowered = text.lower()
            if lowered in CHANNEL_WIDE:
                if not dm:
                    out.append(CHANNEL_WIDE[lowered])
            elif lowered in ("owner", "owners"):
                kpi = self.assembler.kpis.get(incident.kpi_key)
                for owner in kpi.owners if kpi is not None else ():
                    out += self._person(owner)
            elif text.startswith("<") and text.endswith(">"):
                out.append(text)
            else:
                out += self._person(text)
        return tuple(dict.fromkeys(out))

    def _person(self, who: str) -> list[str]:
        try:
            user = self.resolver.user_id(who.removeprefix("@"))
        except SlackError:
            user = None
        return [f"<@{user}>"] if user else []


def _metadata(item: OutboxItem) -> dict[str, Any]:
    return {"event_type": METADATA_TYPE, "event_payload": {"key": item.key, "incident": item.incident_id}}


def _round_robin(items: Sequence[OutboxItem]) -> list[OutboxItem]:
    """One row per destination in turn, so a storm in one channel does not hold up the others."""
    queues: dict[str, list[OutboxItem]] = {}
    for item in items:
        queues.setdefault(item.destination, []).append(item)
    out: list[OutboxItem] = []
    while queues:
        for destination in list(queues):
            out.append(queues[destination].pop(0))
            if not queues[destination]:
                del queues[destination]
    return out


def no_retry_client(client: WebClient) -> WebClient:
    """The same Slack, without slack-sdk's own retry handlers: the outbox keeps the retry state (and a
    handler would sleep through a 429 inside a tick)."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=[])
