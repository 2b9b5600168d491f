"""Finding what an interrupted digest attempt already put in Slack, so a resumed run adopts it.

Every digest message carries metadata: `{"event_type": "kpibot_digest", "event_payload": {"digest",
"period", "channel", "attempt", "part"}}`, part 0 being the main message and 1.. the thread overflow.
After an attempt that may have been cut off (a timeout, a reset, a crash before the ledger was written),
the poster reads the channel's history (from the period's fire time on, with include_all_metadata) and the
message's thread, and adopts what it finds: its own message, its thread parts, its chart files (by name).

    main = find_main_message(call, channel_id=cid, digest=digest, channel="#kpi-daily")
    thread = read_thread(call, channel_id=cid, ts=main)
    parts, files = posted_parts(thread, digest, "#kpi-daily"), shared_files(thread, names)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.charts import ChartImage
from bot.slack.errors import SlackError
from kpi_core.digests.content import Digest

METADATA_TYPE = "kpibot_digest"
MAX_PAGES = 10
Call = Callable[..., Any]  # (method, **kwargs) -> response: the poster's rate-limit-aware call


def digest_metadata(digest: Digest, *, channel: str, attempt: int, part: int) -> dict[str, Any]:
    """What a digest message says about itself (Slack shows metadata to apps, never to people)."""
    return {
        "event_type": METADATA_TYPE,
        "event_payload": {
            "digest": digest.name,
            "period": digest.period.key,
            "channel": channel,
            "attempt": attempt,
            "part": part,
        },
    }


def _is_ours(message: Mapping[str, Any], digest: Digest, channel: str) -> int | None:
    """The part number of one of this digest's messages for this period and channel, else None."""
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    if meta.get("event_type") != METADATA_TYPE:
        return None
    if (payload.get("digest"), payload.get("period"), payload.get("channel")) != (
        digest.name,
        digest.period.key,
        channel,
    ):
        return None
    part = payload.get("part")
    return part if isinstance(part, int) else None


def find_main_message(
    call: Call, *, channel_id: str, digest: Digest, channel: str, since: datetime | None = None
) -> str | None:
    """The ts of this digest's main message for this period in the channel, if an attempt posted it.
    History is read from the period's fire time, or from `since` (the run's first attempt) if earlier."""
    start = min(digest.period.scheduled_for, since) if since is not None else digest.period.scheduled_for
    oldest = (start - timedelta(minutes=5)).timestamp()
    cursor: str | None = None
    for _page in range(MAX_PAGES):
        response = call(
            "conversations.history",
            channel=channel_id,
            oldest=f"{oldest:.6f}",
            limit=200,
            include_all_metadata=True,
            **({"cursor": cursor} if cursor else {}),
        )
        for message in response.get("messages") or []:
            if _is_ours(message, digest, channel) == 0:
                return str(message["ts"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return None
    return None


def read_thread(call: Call, *, channel_id: str, ts: str) -> list[dict[str, Any]]:
    """Every reply in the message's thread (with metadata), the message itself left out."""
    replies: list[dict[str, Any]] = []
    cursor: str | None = None
    for _page in range(MAX_PAGES):
        response = call(
            "conversations.replies",
            channel=channel_id,
            ts=ts,
            limit=200,
            include_all_metadata=True,
            **({"cursor": cursor} if cursor else {}),
        )
        replies += [m for m in response.get("messages") or [] if m.get("ts") != ts]
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            break
    return replies


def posted_parts(thread: list[dict[str, Any]], digest: Digest, channel: str) -> set[int]:
    """The thread overflow parts (1..) already in the thread."""
    return {part for m in thread if (part := _is_ours(m, digest, channel)) is not None and part > 0}


def shared_files(thread: list[dict[str, Any]], names: Mapping[int, str]) -> dict[int, str]:
    """Chart section index -> file id, for the chart files already shared into the thread (by file name)."""
    wanted = {name: index for index, name in names.items()}
    found: dict[int, str] = {}
    for message in thread:
        for file in message.get("files") or []:
            index = wanted.get(str(file.get("name")))
            if index is not None and file.get("id"):
                found.setdefault(index, str(file["id"]))
    return found


def upload_chart(client: WebClient, image: ChartImage, *, filename: str, channel_id: str, ts: str) -> str:
    """Share a chart into the message's thread (files_upload_v2); the file id. The file's name is how a
    later attempt recognises it (`shared_files`) when this call's answer is lost."""
    response = client.files_upload_v2(
        content=image.png,
        filename=filename,
        title=image.alt_text[:250],
        alt_txt=image.alt_text[:1000],
        channel=channel_id,
        thread_ts=ts,
    )
    file = response.get("file") or (response.get("files") or [{}])[0]
    file_id = file.get("id") if isinstance(file, dict) else None
    if not file_id:
        raise SlackError("no_file_id", method="files_upload_v2")
    return str(file_id)
