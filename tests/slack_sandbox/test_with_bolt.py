"""A real Bolt app on a real port, driven by the emulator the way Slack drives it: the pattern the feature
end-to-end tests follow (ack, respond through response_url, Web API calls, clicks, 401 on bad signatures)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from slack_sandbox import SlackEmulator
from tests.slack_sandbox.conftest import SECRET, TOKEN

CARD = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*MRR* $12,450 ↑ 12% MoM"}},
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "share",
                "value": "mrr",
                "text": {"type": "plain_text", "text": "Share in channel"},
            }
        ],
    },
]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def bolt_url(emu: SlackEmulator) -> Iterator[str]:
    app = App(signing_secret=SECRET, client=WebClient(base_url=emu.api_url, token=TOKEN))

    @app.command("/kpi")
    def kpi(ack: Any, respond: Any, command: dict[str, Any], client: WebClient) -> None:
        ack()
        if command["text"] == "upload":
            client.files_upload_v2(channel=command["channel_id"], content=b"png", filename="mrr.png")
            return
        respond(text="MRR $12,450", blocks=CARD)

    @app.action("share")
    def share(ack: Any, body: dict[str, Any], respond: Any, client: WebClient) -> None:
        ack()
        client.chat_postMessage(channel=body["channel"]["id"], text="MRR $12,450", blocks=CARD[:1])
        respond(delete_original=True)

    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), server_class=_Server, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    emu.request_url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    yield emu.request_url
    server.shutdown()
    server.server_close()


def test_command_then_share_click(emu: SlackEmulator, bolt_url: str) -> None:
    assert [c.method for c in emu.calls] == ["auth.test"]  # Bolt checks its token at start-up
    ack = emu.send_slash_command("mrr", user="ana", channel="general")
    assert ack.status == 200
    card = emu.wait_for(lambda: emu.ephemerals("ana"))[0]
    assert card.blocks == CARD and card.via == "response_url"
    click = emu.click(user="ana", channel="general", ts=card.ts, action_id="share")
    assert click.status == 200
    shared = emu.wait_for(lambda: emu.find_message(channel="general", contains="$12,450"))
    assert shared.user == emu.bot_user_id
    emu.wait_for(lambda: not emu.ephemerals("ana"))  # the ephemeral card was deleted through response_url
    assert emu.ephemerals("bob") == []


def test_upload_from_a_handler(emu: SlackEmulator, bolt_url: str) -> None:
    emu.send_slash_command("upload", user="ana", channel="general")
    message = emu.wait_for(lambda: emu.find_message(channel="general"))
    assert emu.file(message.files[0]).content == b"png"


def test_bolt_rejects_forged_and_stale_requests(emu: SlackEmulator, bolt_url: str) -> None:
    forged = emu.send_slash_command("mrr", user="ana", channel="general", forge_signature=True)
    stale = emu.send_slash_command("mrr", user="ana", channel="general", timestamp_skew=-6 * 60)
    assert (forged.status, stale.status) == (401, 401)
    assert [c.method for c in emu.calls] == ["auth.test"]  # no side effect at all
    assert emu.ephemerals("ana") == []
