"""chat.* methods, plus reading messages back (conversations.history / conversations.replies)."""

from __future__ import annotations

import json
from typing import Any

from slack_sandbox.api_common import ApiCall, Handler, paginate, parse_content
from slack_sandbox.messages import Message
from slack_sandbox.state import Channel, MethodError


def _metadata(call: ApiCall) -> dict[str, Any] | None:
    raw = call.args.get("metadata")
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise MethodError("invalid_metadata_format") from None
    if not isinstance(raw, dict) or "event_type" not in raw or "event_payload" not in raw:
        raise MethodError("invalid_metadata_format")
    return raw


def _optional_flag(call: ApiCall, name: str) -> bool | None:
    return call.flag(name) if call.arg(name) is not None else None


def post_message(call: ApiCall) -> dict[str, Any]:
    channel = call.channel_for_posting(call.require("channel", "channel_not_found"))
    content = parse_content(call.args, ws=call.ws, channel=channel, warnings=call.warnings)
    message = call.ws.post_message(
        channel,
        text=content.text or "",
        blocks=content.blocks,
        attachments=content.attachments,
        thread_ts=call.arg("thread_ts"),
        reply_broadcast=call.flag("reply_broadcast"),
        metadata=_metadata(call),
        unfurl_links=_optional_flag(call, "unfurl_links"),
        unfurl_media=_optional_flag(call, "unfurl_media"),
    )
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": call.ws.render(message)}


def post_ephemeral(call: ApiCall) -> dict[str, Any]:
    channel = call.channel_for_posting(call.require("channel", "channel_not_found"))
    user = call.ws.find_user(call.require("user", "user_not_found"))
    if user is None:
        raise MethodError("user_not_found")
    if user.id not in channel.members:
        raise MethodError("user_not_in_channel")
    content = parse_content(call.args, ws=call.ws, channel=channel, warnings=call.warnings, viewer=user.id)
    ephemeral = call.ws.post_ephemeral(
        channel,
        user.id,
        text=content.text or "",
        blocks=content.blocks,
        attachments=content.attachments,
        thread_ts=call.arg("thread_ts"),
    )
    return {"ok": True, "message_ts": ephemeral.ts}


def _own_message(call: ApiCall, *, error: str) -> tuple[Channel, Message]:
    """The bot's message addressed by channel id + ts (chat.update / chat.delete take ids, not names)."""
    channel = call.ws.channels.get(call.require("channel", "channel_not_found"))
    if channel is None or (channel.is_private and call.ws.bot_user.id not in channel.members):
        raise MethodError("channel_not_found")
    message = call.ws.message(channel.id, call.require("ts", "message_not_found"))
    if message is None:
        raise MethodError("message_not_found")
    if message.user != call.ws.bot_user.id:
        raise MethodError(error)
    if channel.is_archived:
        raise MethodError("is_archived")
    return channel, message


def update(call: ApiCall) -> dict[str, Any]:
    channel, message = _own_message(call, error="cant_update_message")
    content = parse_content(call.args, ws=call.ws, channel=channel, warnings=call.warnings, required=False)
    nothing = content.text is None and content.blocks is None and content.attachments is None
    if nothing and "blocks" not in call.args and "attachments" not in call.args:
        raise MethodError("no_text")
    call.ws.update_message(
        message,
        text=content.text,
        # An explicit empty list removes the blocks; an absent argument keeps them.
        blocks=content.blocks if content.blocks is not None else ([] if "blocks" in call.args else None),
        attachments=content.attachments
        if content.attachments is not None
        else ([] if "attachments" in call.args else None),
    )
    if call.args.get("metadata"):  # given: replaces the message's metadata; absent: kept
        message.metadata = _metadata(call)
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": call.ws.render(message),
    }


def delete(call: ApiCall) -> dict[str, Any]:
    channel, message = _own_message(call, error="cant_delete_message")
    call.ws.delete_message(message)
    return {"ok": True, "channel": channel.id, "ts": message.ts}


def _readable_channel(call: ApiCall) -> Channel:
    channel = call.ws.visible_channel(call.require("channel", "channel_not_found"))
    if call.ws.bot_user.id not in channel.members:
        raise MethodError("not_in_channel")
    return channel


def history(call: ApiCall) -> dict[str, Any]:
    channel = _readable_channel(call)
    oldest = float(call.arg("oldest") or 0)
    latest = float(call.arg("latest") or "inf")
    inclusive = call.flag("inclusive")
    messages = [
        m
        for m in reversed(call.ws.top_level(channel.id))
        if not m.deleted and (oldest <= float(m.ts) <= latest if inclusive else oldest < float(m.ts) < latest)
    ]
    page, next_cursor = paginate(messages, call, default=100, maximum=999)
    return {
        "ok": True,
        "messages": [_with_metadata(call, call.ws.render(m)) for m in page],
        "has_more": bool(next_cursor),
        "response_metadata": {"next_cursor": next_cursor},
    }


def _with_metadata(call: ApiCall, message: dict[str, Any]) -> dict[str, Any]:
    """Slack returns a message's metadata from history and replies only with include_all_metadata=true."""
    if not call.flag("include_all_metadata"):
        message.pop("metadata", None)
    return message


def replies(call: ApiCall) -> dict[str, Any]:
    channel = _readable_channel(call)
    parent = call.ws.message(channel.id, call.require("ts", "thread_not_found"))
    if parent is None:
        raise MethodError("thread_not_found")
    if parent.is_reply:
        parent = call.ws.message(channel.id, parent.thread_ts or "") or parent
    thread = [parent, *(r for r in parent.replies if not r.deleted)]
    page, next_cursor = paginate(thread, call, default=1000, maximum=1000)
    return {
        "ok": True,
        "messages": [_with_metadata(call, call.ws.render(m)) for m in page],
        "has_more": bool(next_cursor),
        "response_metadata": {"next_cursor": next_cursor},
    }


METHODS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "conversations.history": history,
    "conversations.replies": replies,
}
