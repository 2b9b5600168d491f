"""Helpers for the end-to-end tests: send `/kpi`, wait for the answer, validate every message."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from kpibot_demo.stack import SandboxStack
from slack_sandbox import Ephemeral, SlackEmulator


def ask(stack: SandboxStack, text: str, *, user: str = "dana", channel: str = "general") -> list[Ephemeral]:
    """Send `/kpi <text>` as Slack would and return the ephemeral answers once they have arrived."""
    user_id, channel_id = stack.user(user), stack.channel(channel)
    before = len(stack.emulator.ephemerals(user_id))
    delivery = stack.emulator.send_slash_command(text, user=user_id, channel=channel_id)
    assert delivery.status == 200, delivery
    assert delivery.elapsed < 3.0  # acknowledged within Slack's limit
    return stack.emulator.wait_for(lambda: stack.emulator.ephemerals(user_id)[before:] or None, timeout=20)


def text_of(message: Any) -> str:
    from slack_sandbox import flatten_text

    return flatten_text(message)


def assert_valid_message(message: Any) -> None:
    """Every message: a fallback text, at most 50 blocks, each block parses with slack_sdk's models."""
    assert message.text, "every message carries a plain text fallback"
    blocks = message.blocks or []
    assert len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


def all_messages(emulator: SlackEmulator) -> list[Any]:
    """Every message the bot composed (file-share messages made by an upload are Slack's, not ours)."""
    out: list[Any] = []
    for channel in emulator.channels():
        for message in emulator.messages(channel.id):
            out.append(message)
            out.extend(message.replies)
    out.extend(emulator.ephemerals())
    return [m for m in out if getattr(m, "via", "") != "files.completeUploadExternal"]
