"""Socket Mode in the emulator: apps.connections.open and its tokens, the WebSocket link (handshake, hello,
ping/pong, close), and envelopes acked over it, driven by a raw RFC 6455 client (slack_sdk's own client:
test_socket_mode_sdk.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_sandbox import EmulatorError, SlackEmulator
from slack_sandbox.websocket import (
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Frame,
    accept_key,
    parse_close,
)
from tests.slack_sandbox.conftest import TOKEN, FakeClock, Receiver
from tests.slack_sandbox.socket_client import APP_TOKEN, RawLink, open_url, socket_emulator


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[SlackEmulator]:
    with socket_emulator(clock) as emulator:
        yield emulator


@pytest.fixture
def raw(emu: SlackEmulator) -> Iterator[RawLink]:
    link = RawLink(open_url(emu))
    assert link.recv_json()["type"] == "hello"
    yield link
    link.close()


# ---------------------------------------------------------------------- apps.connections.open
def test_apps_connections_open_hands_out_a_link_url(emu: SlackEmulator) -> None:
    url = open_url(emu)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("ws", f"127.0.0.1:{emu.port}", "/link/")
    assert "ticket=" in parts.query and "app_id=A" in parts.query
    [call] = emu.calls_to("apps.connections.open")
    assert call.ok and call.response == {"ok": True, "url": url}


@pytest.mark.parametrize(
    ("token", "error"),
    [
        (TOKEN, "not_allowed_token_type"),  # a bot token is the wrong kind of token
        ("xapp-1-sandbox-wrong", "invalid_auth"),
        ("xoxb-unknown", "invalid_auth"),
    ],
)
def test_apps_connections_open_wants_the_app_token(emu: SlackEmulator, token: str, error: str) -> None:
    with pytest.raises(SlackApiError) as failed:
        WebClient(base_url=emu.api_url).apps_connections_open(app_token=token)
    assert failed.value.response["error"] == error


def test_apps_connections_open_without_a_token_is_not_authed(emu: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as failed:
        WebClient(base_url=emu.api_url).api_call("apps.connections.open")
    assert failed.value.response["error"] == "not_authed"


def test_without_socket_mode_no_app_token_works(clock: FakeClock) -> None:
    with SlackEmulator(clock=clock) as plain, pytest.raises(SlackApiError) as failed:
        WebClient(base_url=plain.api_url).apps_connections_open(app_token=APP_TOKEN)
    assert failed.value.response["error"] == "invalid_auth"
    with pytest.raises(EmulatorError):
        SlackEmulator(app_token="xoxb-not-an-app-token")


def test_the_app_token_cannot_call_bot_methods(emu: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as failed:
        WebClient(base_url=emu.api_url, token=APP_TOKEN).chat_postMessage(channel="general", text="hi")
    assert failed.value.response["error"] == "not_allowed_token_type"
    assert emu.messages("general") == []


# ---------------------------------------------------------------------- the link
def test_handshake_and_hello(emu: SlackEmulator) -> None:
    link = RawLink(open_url(emu))
    try:
        assert link.status == 101
        assert link.headers["upgrade"] == "websocket" and link.headers["connection"] == "Upgrade"
        assert link.headers["sec-websocket-accept"] == accept_key(link.key)
        hello = link.recv_json()
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": emu.workspace.app_id}
        assert len(emu.socket_links()) == 1
    finally:
        link.close()


def test_a_ticket_opens_one_link(emu: SlackEmulator) -> None:
    url = open_url(emu)
    first = RawLink(url)
    second = RawLink(url)
    try:
        assert (first.status, second.status) == (101, 401)
        assert RawLink(url.replace("ticket=", "ticket=x")).status == 401
        assert RawLink(open_url(emu), version="8").status == 426
    finally:
        first.close()
        second.close()


def test_pings_get_pongs_both_ways(emu: SlackEmulator, raw: RawLink) -> None:
    raw.send(OP_PING, b"session:1.5")
    assert raw.recv() == Frame(OP_PONG, b"session:1.5")
    [link] = emu.socket_links()
    link.ping(b"from-slack")
    assert raw.recv() == Frame(OP_PING, b"from-slack")
    raw.send(OP_PONG, b"from-slack")
    emu.wait_for(lambda: link.pongs == [b"from-slack"])


def test_the_app_closes_and_the_emulator_echoes(emu: SlackEmulator, raw: RawLink) -> None:
    [link] = emu.socket_links()
    raw.send(OP_CLOSE, b"\x03\xe8bye")
    frame = raw.recv()
    assert frame is not None and frame.opcode == OP_CLOSE and parse_close(frame.payload) == (1000, "bye")
    assert raw.recv() is None  # then the server ends the TCP connection
    emu.wait_for(lambda: not emu.socket_links())
    assert (link.close_code, link.close_reason, link.closed_by) == (1000, "bye", "app")


def test_unmasked_client_frames_are_a_protocol_error(emu: SlackEmulator, raw: RawLink) -> None:
    raw.send(OP_TEXT, b"{}", masked=False)
    frame = raw.recv()
    assert frame is not None and parse_close(frame.payload)[0] == 1002
    emu.wait_for(lambda: not emu.socket_links())


def test_stop_closes_links_with_going_away(clock: FakeClock) -> None:
    emulator = SlackEmulator(clock=clock, app_token=APP_TOKEN).start()
    link = RawLink(open_url(emulator))
    link.recv_json()
    stopping = threading.Thread(target=emulator.stop)
    stopping.start()
    frame = link.recv()
    assert frame is not None and parse_close(frame.payload)[0] == 1001
    link.close()  # the app lets go; stop() was waiting for that
    stopping.join(5)
    assert not stopping.is_alive() and emulator.socket_links() == []


# ---------------------------------------------------------------------- envelopes and acks
def test_a_slash_command_envelope_and_its_ack_with_payload(emu: SlackEmulator, raw: RawLink) -> None:
    result: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: result.update(d=emu.send_slash_command("mrr", user="ana", channel="general"))
    )
    thread.start()
    envelope = raw.recv_json()
    assert envelope["type"] == "slash_commands" and envelope["accepts_response_payload"] is True
    payload = envelope["payload"]
    assert (payload["command"], payload["text"], payload["user_name"]) == ("/kpi", "mrr", "ana")
    assert payload["response_url"].startswith(emu.base_url)
    ack = {"envelope_id": envelope["envelope_id"], "payload": {"text": "Working on it"}}
    text = json.dumps(ack).encode()  # sent in two fragments, as a client may
    raw.send(OP_TEXT, text[:10], fin=False)
    raw.send(OP_CONTINUATION, text[10:])
    thread.join(5)
    delivery = result["d"]
    assert (delivery.status, delivery.transport, delivery.ack) == (200, "socket", ack)
    assert json.loads(delivery.response_body) == {"text": "Working on it"}
    assert emu.deliveries == [delivery]
    [shown] = emu.ephemerals(emu.user("ana").id)
    assert shown.text == "Working on it" and shown.via == "command_ack"


def test_envelopes_take_turns_over_the_open_links(emu: SlackEmulator, raw: RawLink) -> None:
    second = RawLink(open_url(emu))
    try:
        assert second.recv_json()["num_connections"] == 2
        for expected in (raw, second, raw):
            sending = threading.Thread(
                target=emu.send_slash_command, args=("mrr",), kwargs={"user": "ana", "channel": "general"}
            )
            sending.start()
            expected.send_json({"envelope_id": expected.recv_json()["envelope_id"]})
            sending.join(5)
        assert [d.status for d in emu.deliveries] == [200, 200, 200]
        assert emu.ephemerals() == []  # acks without a payload show nothing
    finally:
        second.close()


def test_acks_for_unknown_envelopes_are_kept_aside(emu: SlackEmulator, raw: RawLink) -> None:
    raw.send_json({"envelope_id": "nope"})
    emu.wait_for(lambda: emu.stray_acks == [{"envelope_id": "nope"}])


def test_no_ack_in_time_is_an_operation_timeout(emu: SlackEmulator, raw: RawLink) -> None:
    delivery = emu.send_slash_command("mrr", user="ana", channel="general", timeout=0.2)
    assert (delivery.status, delivery.error) == (None, "operation_timeout")
    [notice] = emu.ephemerals(emu.user("ana").id)
    assert notice.text == '/kpi failed with the error "operation_timeout"'


def test_no_open_link_is_a_dispatch_failure(emu: SlackEmulator) -> None:
    delivery = emu.send_slash_command("mrr", user="ana", channel="general")
    assert (delivery.status, delivery.error, delivery.transport) == (None, "not_connected", "socket")
    [notice] = emu.ephemerals(emu.user("ana").id)
    assert notice.text == '/kpi failed with the error "dispatch_failed"'


def test_http_stays_available_and_unsigned_sockets_refuse_forgery(
    emu: SlackEmulator, receiver: Receiver
) -> None:
    delivery = emu.send_slash_command(
        "mrr", user="ana", channel="general", app_url=receiver.url, transport="http"
    )
    assert (delivery.transport, delivery.status) == ("http", 200)
    assert [r.form["text"] for r in receiver.requests] == ["mrr"]
    with pytest.raises(EmulatorError):
        emu.send_slash_command("mrr", user="ana", channel="general", forge_signature=True)
