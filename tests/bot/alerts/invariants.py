"""The exactly-once invariant of alert delivery, checked after a drain against what the emulator holds.

Every outbox row is finished: `sent` or `failed` with a reason. A sent `post`/`thread` row is in exactly one
message of the bot (found by the outbox key in the message's metadata, top-level or in a thread); a failed
one is in none, and unless it was itself a fallback copy, the fallback channel got a copy of it. No message
carries a key the outbox does not know. `update` rows edit and never post.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.alerts.delivery import METADATA_TYPE
from kpi_core.alerts.destinations import DIGEST
from kpi_core.alerts.outbox import OutboxItem
from kpi_core.alerts.store import IncidentStore
from slack_sandbox.emulator import SlackEmulator


@dataclass
class Census:
    """What the check found: rows by status, messages per key, and the broken promises."""

    rows: int = 0
    sent: int = 0
    failed: int = 0
    messages: Counter[str] = field(default_factory=Counter)
    doubled: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.doubled or self.lost or self.problems)

    def __str__(self) -> str:
        return (
            f"{self.rows} rows, {self.sent} sent, {self.failed} failed; doubled {self.doubled[:5]}, "
            f"lost {self.lost[:5]}, problems {self.problems[:5]}"
        )


def alert_keys_in_slack(emulator: SlackEmulator) -> Counter[str]:
    """How many of the bot's messages (top-level and replies, anywhere) carry each outbox key."""
    seen: Counter[str] = Counter()
    for channel in emulator.channels():
        for message in emulator.messages(channel.id):
            for one in (message, *message.replies):
                meta = one.metadata or {}
                if one.deleted or meta.get("event_type") != METADATA_TYPE:
                    continue
                seen.update(str(key) for key in (meta.get("event_payload") or {}).get("keys") or ())
    return seen


def check_exactly_once(store: IncidentStore, emulator: SlackEmulator) -> Census:
    rows = [row for row in store.outbox() if row.destination != DIGEST]
    census = Census(rows=len(rows), messages=alert_keys_in_slack(emulator))
    keys = {row.key for row in rows}
    for key in census.messages:
        if key not in keys:
            census.problems.append(f"a message carries {key}, which no outbox row has")
    for row in rows:
        count = census.messages.get(row.key, 0)
        posts = row.kind in ("post", "thread")
        if row.status == "sent":
            census.sent += 1
            if posts and count == 0:
                census.lost.append(f"{row.key} is marked sent but Slack has no message for it")
        elif row.status == "failed":
            census.failed += 1
            if not row.last_error:
                census.problems.append(f"{row.key} failed without a reason")
            if not row.payload.get("fallback_for") and not _fallback_told(rows, row):
                census.lost.append(f"{row.key} failed ({row.last_error}) and the fallback was not told")
        else:
            census.problems.append(f"{row.key} is still {row.status} after the drain")
        if count > (1 if posts else 0):
            census.doubled.append(f"{row.key} is in {count} messages")
    return census


def _fallback_told(rows: list[OutboxItem], failed: OutboxItem) -> bool:
    """The fallback channel got this notification, or (for the edits and notes of a copy that never
    existed, "no message here to update") it got the alert when the destination first failed."""
    same = (failed.incident_id, failed.reason, failed.sequence)
    never_posted = (failed.last_error or "").startswith("no message here to update")
    return any(
        r.payload.get("fallback_for") == failed.destination
        and r.status == "sent"
        and r.incident_id == failed.incident_id
        and (never_posted or (r.incident_id, r.reason, r.sequence) == same)
        for r in rows
    )
