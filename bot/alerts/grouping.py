"""Storm grouping: when many incidents fire at once for one destination, they share one message.

A claimed batch is split into groups and single rows:
- new posts of the same reason (fired, escalation) to the same destination, GROUP_MIN or more: one
  message for up to GROUP_SIZE incidents, each with its own buttons (every incident still has exactly one
  message per destination; it is just shared);
- thread rows and edits for a shared message: one combined thread note and one edit.

    groups, singles = plan(items, copy_of=sender.copy_of, shared=sender.shares)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from bot.blocks.alert_list import GROUP_SIZE
from kpi_core.alerts.outbox import OutboxItem
from kpi_core.alerts.store import IncidentMessage
from kpi_core.storage.alert_models import IncidentMessageRow
from kpi_core.storage.db import Database

GROUP_MIN = 5  # fewer new alerts than this for one destination in one batch: a message each
GROUPABLE_POSTS = ("fired", "escalation")


@dataclass(frozen=True)
class Group:
    """Rows delivered together: `kind` "post" (one new shared message) or "thread" (a shared message's
    combined note and edit). `copy` is the shared message for thread groups."""

    kind: str
    items: tuple[OutboxItem, ...]
    copy: IncidentMessage | None = None


def plan(
    items: Sequence[OutboxItem],
    *,
    copy_of: Callable[[OutboxItem], IncidentMessage | None],
    shared: Callable[[IncidentMessage], bool],
) -> tuple[list[Group], list[OutboxItem]]:
    """Split a claimed batch into groups and rows delivered one by one."""
    posts: dict[tuple[str, str, str], list[OutboxItem]] = {}
    threads: dict[tuple[str, str, str, str], tuple[IncidentMessage, list[OutboxItem]]] = {}
    singles: list[OutboxItem] = []
    for item in items:
        copy = copy_of(item)
        if item.kind == "post" and copy is None and item.reason in GROUPABLE_POSTS:
            key = (item.destination, item.reason, str(item.payload.get("fallback_for") or ""))
            posts.setdefault(key, []).append(item)
        elif item.kind in ("thread", "update") and copy is not None and shared(copy):
            threads.setdefault((copy.channel, copy.ts, item.kind, item.reason), (copy, []))[1].append(item)
        else:
            singles.append(item)
    groups: list[Group] = []
    for batch in posts.values():
        if len(batch) < GROUP_MIN:
            singles += batch
            continue
        for start in range(0, len(batch), GROUP_SIZE):
            groups.append(Group("post", tuple(batch[start : start + GROUP_SIZE])))
    for copy, batch in threads.values():
        groups.append(Group("thread", tuple(batch), copy))
    return groups, singles


def sharing(db: Database, copy: IncidentMessage) -> list[int]:
    """The incidents whose message is this one message (a storm message is shared), oldest first."""
    with db.session() as session:
        return list(
            session.scalars(
                select(IncidentMessageRow.incident_id)
                .where(IncidentMessageRow.channel == copy.channel, IncidentMessageRow.ts == copy.ts)
                .order_by(IncidentMessageRow.incident_id)
            )
        )
