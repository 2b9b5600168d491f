"""Shared pieces of the Web API methods: the call context, argument parsing and message content checks."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sandbox.blocks_check import parse_blocks_arg, parse_object_list, validate_blocks
from slack_sandbox.state import Channel, MethodError
from slack_sandbox.workspace import Workspace

MAX_TEXT = 40_000
MAX_ATTACHMENTS = 100


@dataclass
class ApiCall:
    """One authenticated Web API call: the workspace it acts on and its arguments."""

    ws: Workspace
    args: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def arg(self, name: str) -> str | None:
        value = self.args.get(name)
        if value is None or value == "":
            return None
        return (
            value
            if isinstance(value, str)
            else json.dumps(value)
            if isinstance(value, list | dict)
            else str(value)
        )

    def require(self, name: str, error: str = "invalid_arguments") -> str:
        value = self.arg(name)
        if value is None:
            raise MethodError(
                error, response_metadata={"messages": [f"[ERROR] missing required field: {name}"]}
            )
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.args.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes")

    def limit(self, default: int, maximum: int) -> int:
        raw = self.arg("limit")
        try:
            value = int(raw) if raw is not None else default
        except ValueError:
            raise MethodError("invalid_limit") from None
        return default if value <= 0 else min(value, maximum)

    def channel_for_posting(self, ref: str) -> Channel:
        """The target of a post: it must exist for the bot, be open, and have the bot in it."""
        channel = self.ws.visible_channel(ref, user_opens_dm=True)
        if channel.is_archived:
            raise MethodError("is_archived")
        if self.ws.bot_user.id not in channel.members:
            if channel.kind == "public" and self.ws.chat_write_public:
                return channel
            raise MethodError("not_in_channel")
        return channel


Handler = Callable[[ApiCall], dict[str, Any]]


@dataclass
class Content:
    text: str | None
    blocks: list[dict[str, Any]] | None
    attachments: list[dict[str, Any]] | None


def parse_content(
    args: dict[str, Any],
    *,
    ws: Workspace,
    channel: Channel,
    warnings: list[str],
    required: bool = True,
    viewer: str | None = None,
) -> Content:
    """text/blocks/attachments checked as Slack does: no_text, msg_too_long, invalid_blocks, ..."""
    blocks = parse_blocks_arg(args.get("blocks"))
    attachments = _parse_attachments(args.get("attachments"))
    raw_text = args.get("text")
    text = None if raw_text is None else str(raw_text)
    if required and not text and not blocks and not attachments:
        raise MethodError("no_text")
    if text is not None and len(text) > MAX_TEXT:
        raise MethodError("msg_too_long")
    if blocks:
        validate_blocks(
            blocks, file_check=lambda ref, _pointer: file_problem(ws, channel, ref, viewer=viewer)
        )
        if not text:
            # Slack accepts this but logs a warning: screen readers and notifications use `text`.
            warnings.append("missing_text")
    return Content(text=text, blocks=blocks, attachments=attachments)


def _parse_attachments(value: Any) -> list[dict[str, Any]] | None:
    value = parse_object_list(value, error="invalid_attachments")
    if value is None:
        return None
    if len(value) > MAX_ATTACHMENTS:
        raise MethodError("too_many_attachments")
    return value


def file_problem(
    ws: Workspace, channel: Channel, ref: dict[str, Any], *, viewer: str | None = None
) -> str | None:
    """Why a slack_file reference cannot be shown in `channel`, or None if it can.

    A message everyone sees needs the file shared into its channel. An ephemeral message has one viewer,
    so a file shared into any conversation that viewer belongs to (their DM with the bot) is visible too.
    """
    file = ws.files.get(str(ref.get("id") or ""))
    if file is None and ref.get("url"):
        url = str(ref["url"]).split("?", 1)[0]
        file = next((f for f in ws.files.values() if url.endswith(f.path())), None)
    if file is None or not file.completed:
        return "invalid slack_file: no such file"
    if viewer is not None and any(
        file.is_shared_in(c.id) for c in ws.channels.values() if viewer in c.members
    ):
        return None
    if not file.is_shared_in(channel.id):
        return f"invalid slack_file: file {file.id} is not shared in channel {channel.id}"
    return None


def paginate(
    items: Sequence[Any], call: ApiCall, *, default: int = 100, maximum: int = 1000
) -> tuple[list[Any], str]:
    """Slack cursor pagination: a page of items and the next_cursor ("" on the last page)."""
    start = 0
    cursor = call.arg("cursor")
    if cursor is not None:
        try:
            decoded = base64.b64decode(cursor.encode(), validate=True).decode()
            if not decoded.startswith("next:"):
                raise ValueError(decoded)
            start = int(decoded.removeprefix("next:"))
        except ValueError:
            raise MethodError("invalid_cursor") from None
    size = call.limit(default, maximum)
    page = list(items[start : start + size])
    end = start + size
    next_cursor = base64.b64encode(f"next:{end}".encode()).decode() if end < len(items) else ""
    return page, next_cursor
