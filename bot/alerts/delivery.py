"""Small pieces of the outbox sender: the delivery report, a counting client, the outbox key carried in a
message's metadata (to find a message an interrupted attempt already posted), route mentions, ordering."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.alerts.destinations import DestinationResolver
from bot.slack.errors import SlackError, classify
from kpi_core.alerts.outbox import OutboxItem
from kpi_core.config.models import KpiDefinition

log = logging.getLogger(__name__)
METADATA_TYPE = "kpibot_alert"
MAX_LOOKUP_PAGES = 20  # 4,000 messages since the rows were queued: more than a storm leaves
CHANNEL_WIDE = {"@here": "<!here>", "here": "<!here>", "@channel": "<!channel>", "@everyone": "<!everyone>"}


@dataclass
class DeliveryReport:
    """What one drain did. `calls` counts the sender's own Slack calls (posts, edits, joins, checks)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    fallbacks: int = 0
    lost: int = 0  # could not be delivered even to the fallback channel (logged as errors)
    grouped: int = 0  # rows delivered inside a shared (storm) message or a combined thread note
    calls: Counter[str] = field(default_factory=Counter)
    waited: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())


class CountingClient:
    """The client, counting calls into a report and remembering the channel of the last one (so a 429
    can hold that channel back). Errors come out as the bot.slack.errors vocabulary."""

    def __init__(self, client: WebClient, report: DeliveryReport) -> None:
        self._client, self._report = client, report
        self.channel: str | None = None

    def call(self, method: str, **kwargs: Any) -> Any:
        self._report.calls[method] += 1
        self.channel = kwargs.get("channel")
        try:
            return getattr(self._client, method.replace(".", "_"))(**kwargs)
        except Exception as error:
            raise classify(error, method=method) from error


def no_retry_client(client: WebClient) -> WebClient:
    """The same Slack without slack-sdk's retry handlers: the outbox keeps the retry state (and a handler
    would sleep through a 429 inside a tick)."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=[])


def metadata(items: Sequence[OutboxItem]) -> dict[str, Any]:
    """The outbox keys a message delivers, in its metadata: a retry finds it instead of posting twice."""
    return {
        "event_type": METADATA_TYPE,
        "event_payload": {
            "keys": [item.key for item in items],
            "incidents": [item.incident_id for item in items],
        },
    }


def outcome_unknown(items: Sequence[OutboxItem]) -> bool:
    """Whether an earlier attempt of these rows may have reached Slack. Any earlier attempt may have: a
    timeout, a dropped connection or a 5xx leave the outcome unknown, a sender may have died holding the
    claim, and even a 429 or a deferral can come after an earlier call of the same attempt took effect
    (a thread note posted, then its chat.update rate-limited). So: every retry looks first."""
    return any(item.attempts > 1 for item in items)


def find_posted(
    slack: CountingClient, channel: str, items: Sequence[OutboxItem], *, thread_ts: str | None
) -> dict[str, str]:
    """The messages earlier attempts of these rows posted: outbox key -> ts, for the keys Slack has.

    Only the keys a message's metadata lists count as delivered by it: a grouped post found for 12 rows
    says nothing about a 13th retried with them. Raises SlackError when Slack cannot be asked: a row whose
    outcome is unknown is not posted until someone has looked.
    """
    since: datetime = min(item.created_at for item in items) - timedelta(minutes=5)
    wanted = {item.key for item in items}
    found: dict[str, str] = {}
    cursor: str | None = None
    for _page in range(MAX_LOOKUP_PAGES):
        args: dict[str, Any] = {"channel": channel, "limit": 200, "include_all_metadata": True}
        if cursor:
            args["cursor"] = cursor
        if thread_ts is None:
            response = slack.call("conversations.history", oldest=f"{since.timestamp():.6f}", **args)
        else:
            response = slack.call("conversations.replies", ts=thread_ts, **args)
        for message in response.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            for key in wanted.intersection(payload.get("keys") or ()):
                found.setdefault(key, str(message.get("ts")))
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None or len(found) == len(wanted):
            break
    return found


def route_mentions(
    wanted: Sequence[str],
    *,
    dm: bool,
    kpi: KpiDefinition | None,
    resolver: DestinationResolver,
) -> tuple[str, ...]:
    """Route mentions as Slack markup. `@here`/`@channel` only in channels (meaningless in a DM); `owner`
    mentions the KPI's owners; emails and user ids mention that person; unknown people are skipped."""
    out: list[str] = []
    for raw in wanted:
        text = str(raw).strip()
        lowered = text.lower()
        if lowered in CHANNEL_WIDE:
            if not dm:
                out.append(CHANNEL_WIDE[lowered])
        elif lowered in ("owner", "owners"):
            for owner in kpi.owners if kpi is not None else ():
                out += _person(owner, resolver)
        elif text.startswith("<") and text.endswith(">"):
            out.append(text)
        else:
            out += _person(text, resolver)
    return tuple(dict.fromkeys(out))


def _person(who: str, resolver: DestinationResolver) -> list[str]:
    try:
        user = resolver.user_id(who.removeprefix("@"))
    except SlackError:
        user = None
    return [f"<@{user}>"] if user else []


def round_robin(items: Sequence[OutboxItem]) -> list[OutboxItem]:
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


def payload_of(item: OutboxItem) -> Mapping[str, Any]:
    return item.payload or {}
