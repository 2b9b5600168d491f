"""ChannelDirectory: names to ids through conversations.list, cached, with a by-name fallback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.slack.channels import ChannelDirectory
from bot.slack.errors import SlackNotFoundError
from slack_sandbox import SlackEmulator

TOKEN = "xoxb-channels-test"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator.with_workspace(
        channels=[
            "kpi-daily",
            {"name": "exec", "private": True},
            {"name": "hidden", "private": True, "bot_member": False},
        ],
        bot_token=TOKEN,
    )
    with emulator:
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=TOKEN, timeout=5, retry_handlers=[])


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_names_resolve_to_ids_with_one_listing(emu: SlackEmulator, client: WebClient) -> None:
    channels = ChannelDirectory(client)
    assert channels.resolve("#kpi-daily") == emu.channel("kpi-daily").id
    assert channels.resolve("KPI-Daily") == emu.channel("kpi-daily").id
    assert channels.resolve("exec") == emu.channel("exec").id  # private, the bot is in it
    assert channels.resolve("C0123ABCD") == "C0123ABCD"  # ids pass through
    assert len(emu.calls_to("conversations.list")) == 1


def test_unknown_names_are_not_found_and_relisted_at_most_once_a_minute(
    emu: SlackEmulator, client: WebClient
) -> None:
    ticks = Ticks()
    channels = ChannelDirectory(client, monotonic=ticks)
    for name in ("#hidden", "#nope", "#nope"):
        with pytest.raises(SlackNotFoundError):
            channels.resolve(name)
    assert len(emu.calls_to("conversations.list")) == 1
    emu.add_channel("nope")
    ticks.now = 61
    assert channels.resolve("#nope") == emu.channel("nope").id
    assert len(emu.calls_to("conversations.list")) == 2


def test_without_the_scope_channels_are_posted_by_name(emu: SlackEmulator, client: WebClient) -> None:
    emu.inject_fault("conversations.list", "missing_scope", times=2)  # both types, then public only
    channels = ChannelDirectory(client)
    assert channels.resolve("#kpi-daily") == "#kpi-daily"
    assert channels.resolve("kpi-daily") == "#kpi-daily"
    assert len(emu.calls_to("conversations.list")) == 2
    channels.remember("#kpi-daily", "C0REMEMBER")
    assert channels.resolve("kpi-daily") == "C0REMEMBER"


def test_slack_unavailable_falls_back_to_the_name_and_tries_again_later(
    emu: SlackEmulator, client: WebClient
) -> None:
    emu.inject_fault("conversations.list", "server_error")
    channels = ChannelDirectory(client)
    assert channels.resolve("#kpi-daily") == "#kpi-daily"
    assert channels.resolve("#kpi-daily") == emu.channel("kpi-daily").id
