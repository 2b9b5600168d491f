"""Block Kit validation: the limits, and the invalid_blocks error Slack returns."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_sandbox import SlackEmulator
from slack_sandbox.blocks_check import check_blocks, parse_blocks_arg
from slack_sandbox.state import MethodError


def text(t: str, kind: str = "mrkdwn") -> dict[str, Any]:
    return {"type": kind, "text": t}


def button(label: str, action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": text(label, "plain_text"), "action_id": action_id, **extra}


VALID = [
    {"type": "header", "text": text("MRR", "plain_text")},
    {"type": "section", "text": text("*$12,450*"), "fields": [text("a"), text("b")]},
    {"type": "context", "elements": [text("as of 09:00 CET")]},
    {"type": "image", "image_url": "https://example.com/c.png", "alt_text": "MRR chart"},
    {"type": "divider"},
    {
        "type": "actions",
        "block_id": "acts",
        "elements": [
            button("Share in channel", "share", value="mrr", style="primary"),
            {
                "type": "static_select",
                "action_id": "window",
                "placeholder": text("Window", "plain_text"),
                "options": [{"text": text("30d", "plain_text"), "value": "30d"}],
            },
        ],
    },
]


def test_valid_blocks_pass() -> None:
    assert check_blocks(VALID) == []


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([{"type": "divider"}] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
        ([{"type": "section", "text": text("x" * 3001)}], "/blocks/0/text/text"),
        ([{"type": "section", "text": text("")}], "must be more than 0 characters"),
        ([{"type": "section", "fields": [text("f")] * 11}], "/blocks/0/fields"),
        ([{"type": "section", "fields": [text("x" * 2001)]}], "/blocks/0/fields/0/text"),
        ([{"type": "section"}], "must provide text or fields"),
        ([{"type": "header", "text": text("x" * 151, "plain_text")}], "must be less than 151 characters"),
        ([{"type": "header", "text": text("x")}], "must be plain_text"),
        ([{"type": "actions", "elements": [button(str(i), f"a{i}") for i in range(26)]}], "no more than 25"),
        ([{"type": "actions", "elements": [button("x", "a" * 256)]}], "/blocks/0/elements/0/action_id"),
        ([{"type": "actions", "elements": [button("x" * 76)]}], "/blocks/0/elements/0/text/text"),
        ([{"type": "actions", "elements": [button("x", style="loud")]}], "must be primary or danger"),
        ([{"type": "context", "elements": [text("c")] * 11}], "no more than 10 items allowed"),
        ([{"type": "image", "alt_text": "chart"}], "exactly one of image_url or slack_file"),
        ([{"type": "image", "image_url": "https://x/c.png"}], "alt_text is required"),
        ([{"type": "image", "image_url": "https://x/c.png", "alt_text": ""}], "/blocks/0/alt_text"),
        ([{"type": "image", "image_url": "ftp://x/c.png", "alt_text": "c"}], "valid http(s) URL"),
        ([{"type": "sparkle"}], "unsupported type: 'sparkle'"),
        ([{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}], "duplicate block_id"),
        (
            [{"type": "input", "label": text("x", "plain_text")}],
            "[json-pointer:/blocks/0]",
        ),  # SDK: no element
    ],
)
def test_each_limit_is_enforced(blocks: list[dict[str, Any]], expected: str) -> None:
    errors = check_blocks(blocks)
    assert any(expected in e for e in errors), errors


def test_parse_blocks_arg() -> None:
    assert parse_blocks_arg('[{"type": "divider"}]') == [{"type": "divider"}]
    assert parse_blocks_arg(None) is None
    for bad in ("not json", '{"type": "divider"}', "[1, 2]"):
        with pytest.raises(MethodError) as info:
            parse_blocks_arg(bad)
        assert info.value.error == "invalid_blocks_format"


def test_invalid_blocks_response_like_slack(emu: SlackEmulator, client: WebClient) -> None:
    blocks = [{"type": "section", "text": text("x" * 3001)}]
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="general", text="t", blocks=blocks)
    body = info.value.response.data
    assert body["error"] == "invalid_blocks"
    assert body["errors"] == ["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]
    assert body["response_metadata"]["messages"] == [f"[ERROR] {body['errors'][0]}"]
    assert emu.messages("general") == []
    # Form-encoded bodies carry blocks as a JSON string; a malformed one is invalid_blocks_format.
    with pytest.raises(SlackApiError) as info:
        client.api_call("chat.postMessage", params={"channel": "general", "text": "t", "blocks": "[{"})
    assert info.value.response["error"] == "invalid_blocks_format"


def test_every_block_checked_on_update_and_ephemeral(emu: SlackEmulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="general", text="t", blocks=VALID)
    too_many = [{"type": "divider"}] * 51
    for call in (
        lambda: client.chat_update(channel=posted["channel"], ts=posted["ts"], text="t", blocks=too_many),
        lambda: client.chat_postEphemeral(
            channel="general", user=emu.user("ana").id, text="t", blocks=too_many
        ),
    ):
        with pytest.raises(SlackApiError) as info:
            call()
        assert info.value.response["error"] == "invalid_blocks"
    assert emu.messages("general")[0].blocks == VALID
