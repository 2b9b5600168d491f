"""slack_sdk's builtin Socket Mode client (the one Bolt's SocketModeHandler uses) against the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from kpibot_demo.stack import close_socket_mode
from slack_sandbox import SlackEmulator
from tests.slack_sandbox.conftest import TOKEN, FakeClock
from tests.slack_sandbox.socket_client import APP_TOKEN, socket_emulator

CARD = [
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "share",
                "value": "mrr",
                "text": {"type": "plain_text", "text": "Share"},
            }
        ],
    }
]


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[SlackEmulator]:
    with socket_emulator(clock) as emulator:
        yield emulator


@pytest.fixture
def web(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=TOKEN, timeout=5)


@pytest.fixture
def sdk(emu: SlackEmulator, web: WebClient) -> Iterator[SocketModeClient]:
    client = SocketModeClient(app_token=APP_TOKEN, web_client=web)

    def answer(client: SocketModeClient, request: SocketModeRequest) -> None:
        payload = {"text": f"got {request.payload.get('text')}"} if request.type == "slash_commands" else None
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id, payload=payload))

    client.socket_mode_request_listeners.append(answer)
    client.connect()
    yield client
    close_socket_mode(client, emu)


def test_slack_sdk_client_round_trip(emu: SlackEmulator, web: WebClient, sdk: SocketModeClient) -> None:
    delivery = emu.send_slash_command("mrr", user="ana", channel="general")
    assert (delivery.status, json.loads(delivery.response_body)) == (200, {"text": "got mrr"})
    ts = web.chat_postMessage(channel="general", text="card", blocks=CARD)["ts"]
    click = emu.click(user="ana", channel="general", ts=ts, action_id="share")
    envelope = json.loads(click.body)
    assert click.status == 200 and envelope["type"] == "interactive"
    assert envelope["accepts_response_payload"] is False  # Slack ignores a payload in a block_actions ack
    assert envelope["payload"]["actions"][0]["action_id"] == "share"
    [link] = emu.socket_links()
    assert link.pings  # the client pings right after connecting; each ping got its pong


def test_disconnect_makes_the_client_reconnect(emu: SlackEmulator, sdk: SocketModeClient) -> None:
    [old] = emu.send_disconnect(reason="refresh_requested")
    emu.wait_for(lambda: not old.open and len(emu.socket_links()) == 1, timeout=10)
    assert len(emu.calls_to("apps.connections.open", ok=True)) == 2
    assert (old.close_code, old.closed_by) == (1000, "emulator")
    again = emu.send_slash_command("again", user="ana", channel="general")
    assert again.status == 200 and again.url == emu.socket_links()[0].url != old.url
