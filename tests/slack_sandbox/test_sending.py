"""What the emulator sends the bot: signed slash commands, block_actions and events, verified on the
receiving side by slack_sdk's SignatureVerifier."""

from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient

from slack_sandbox import EmulatorError, SlackEmulator, SlackSigner
from tests.slack_sandbox.conftest import SECRET, Receiver

CARD = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*MRR* $12,450"}},
    {
        "type": "actions",
        "block_id": "card_actions",
        "elements": [
            {
                "type": "button",
                "action_id": "share",
                "value": "mrr",
                "text": {"type": "plain_text", "text": "Share"},
            },
            {
                "type": "button",
                "action_id": "snooze",
                "value": "1h",
                "text": {"type": "plain_text", "text": "1 h"},
            },
            {
                "type": "button",
                "action_id": "snooze",
                "value": "24h",
                "text": {"type": "plain_text", "text": "24 h"},
            },
            {
                "type": "static_select",
                "action_id": "window",
                "placeholder": {"type": "plain_text", "text": "Window"},
                "options": [
                    {"text": {"type": "plain_text", "text": "30 days"}, "value": "30d"},
                    {"text": {"type": "plain_text", "text": "1 year"}, "value": "1y"},
                ],
            },
        ],
    },
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "more"},
        "accessory": {
            "type": "overflow",
            "action_id": "more",
            "options": [{"text": {"type": "plain_text", "text": "Info"}, "value": "info"}],
        },
    },
]


def test_signer_matches_slack_sdk() -> None:
    signer = SlackSigner(SECRET, clock=lambda: 1_700_000_000)
    headers = signer.headers("a=1")
    assert headers["X-Slack-Request-Timestamp"] == "1700000000"
    assert headers["X-Slack-Signature"].startswith("v0=") and len(headers["X-Slack-Signature"]) == 67
    assert signer.headers("a=1", forge=True)["X-Slack-Signature"] != headers["X-Slack-Signature"]
    assert signer.headers("a=1", skew=-600)["X-Slack-Request-Timestamp"] == "1699999400"


def test_slash_command_form(emu: SlackEmulator, receiver: Receiver) -> None:
    delivery = emu.send_slash_command("mrr 6m", user="ana", channel="general", app_url=receiver.url)
    assert delivery.status == 200 and delivery.kind == "slash_command"
    [request] = receiver.requests
    form = request.form
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form["command"] == "/kpi" and form["text"] == "mrr 6m"
    assert form["user_id"] == emu.user("ana").id and form["user_name"] == "ana"
    assert form["channel_id"] == emu.channel("general").id and form["channel_name"] == "general"
    assert form["team_id"] == emu.workspace.team_id and form["api_app_id"] == emu.workspace.app_id
    assert form["response_url"].startswith(f"{emu.base_url}/response/") and form["trigger_id"]
    assert form["response_url"] == delivery.response_url
    assert emu.ephemerals("ana") == []  # an empty ack shows nothing


def test_forged_and_stale_requests_get_401(emu: SlackEmulator, receiver: Receiver) -> None:
    forged = emu.send_slash_command(
        "mrr", user="ana", channel="general", app_url=receiver.url, forge_signature=True
    )
    stale = emu.send_slash_command(
        "mrr", user="ana", channel="general", app_url=receiver.url, timestamp_skew=-301
    )
    assert (forged.status, stale.status) == (401, 401)
    assert receiver.requests == [] and len(receiver.rejected) == 2
    assert emu.ephemerals("ana") == []  # nothing from Slack either: these never came from Slack


def test_command_ack_body_is_shown(emu: SlackEmulator, receiver: Receiver) -> None:
    receiver.respond = lambda _r: (200, json.dumps({"text": "Working on it…"}), "application/json")
    emu.send_slash_command("mrr", user="ana", channel="general", app_url=receiver.url)
    assert [e.text for e in emu.ephemerals("ana")] == ["Working on it…"]
    receiver.respond = lambda _r: (
        200,
        json.dumps({"response_type": "in_channel", "text": "Hi all"}),
        "application/json",
    )
    emu.send_slash_command("hello", user="ana", channel="general", app_url=receiver.url)
    assert [m.text for m in emu.messages("general")] == ["Hi all"]
    receiver.respond = lambda _r: (200, "plain words", "text/plain")
    emu.send_slash_command("x", user="bob", channel="general", app_url=receiver.url)
    assert [e.text for e in emu.ephemerals("bob")] == ["plain words"]


def test_command_failures_become_slackbot_notices(emu: SlackEmulator, receiver: Receiver) -> None:
    receiver.respond = lambda _r: (500, "boom", "text/plain")
    emu.send_slash_command("mrr", user="ana", channel="general", app_url=receiver.url)

    def slow(_r):
        receiver.release.wait(5)  # released when the test ends: the emulator gives up first
        return 200, "", "text/plain"

    receiver.respond = slow
    late = emu.send_slash_command("mrr", user="ana", channel="general", app_url=receiver.url, timeout=0.2)
    assert (late.status, late.error) == (None, "operation_timeout")
    notices = emu.ephemerals("ana")
    assert [n.text for n in notices] == [
        '/kpi failed with the error "dispatch_failed"',
        '/kpi failed with the error "operation_timeout"',
    ]
    assert {n.author for n in notices} == {"USLACKBOT"}
    unreachable = emu.send_slash_command("x", user="ana", channel="general", app_url="http://127.0.0.1:9/x")
    assert unreachable.status is None and unreachable.error.startswith("connection_failed")


def test_command_needs_membership_and_an_app_url(emu: SlackEmulator, receiver: Receiver) -> None:
    with pytest.raises(EmulatorError, match="not in"):
        emu.send_slash_command("mrr", user="carol", channel="general", app_url=receiver.url)
    with pytest.raises(EmulatorError, match="no app URL"):
        emu.send_slash_command("mrr", user="ana", channel="general")
    emu.request_url = receiver.url
    assert emu.send_slash_command("mrr", user="ana", channel="general").ok
    dm = emu.send_slash_command("mrr", user="ana", channel=open_dm(emu, "ana"), app_url=receiver.url)
    assert dm.fields["channel_name"] == "directmessage"


def open_dm(emu: SlackEmulator, user: str) -> str:
    client = WebClient(base_url=emu.api_url, token=emu.bot_token)
    return str(client.conversations_open(users=emu.user(user).id)["channel"]["id"])


def test_click_button_in_channel_message(emu: SlackEmulator, client: WebClient, receiver: Receiver) -> None:
    posted = client.chat_postMessage(channel="general", text="MRR", blocks=CARD)
    delivery = emu.click(
        user="bob", channel="general", ts=posted["ts"], action_id="snooze", value="24h", app_url=receiver.url
    )
    assert delivery.ok
    payload = receiver.requests[0].payload
    assert payload["type"] == "block_actions"
    assert payload["user"] == {
        "id": emu.user("bob").id,
        "username": "bob",
        "name": "bob",
        "team_id": "T0KPIBOT1",
    }
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": posted["channel"],
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": posted["channel"], "name": "general"}
    assert payload["message"]["ts"] == posted["ts"] and payload["message"]["blocks"] == CARD
    [action] = payload["actions"]
    assert (action["type"], action["action_id"], action["block_id"], action["value"]) == (
        "button",
        "snooze",
        "card_actions",
        "24h",
    )
    assert action["text"]["text"] == "24 h" and action["action_ts"]
    assert payload["response_url"] == delivery.response_url and payload["trigger_id"] == delivery.trigger_id


def test_click_selects_and_ephemeral(emu: SlackEmulator, client: WebClient, receiver: Receiver) -> None:
    ana = emu.user("ana").id
    ts = client.chat_postEphemeral(channel="general", user=ana, text="MRR", blocks=CARD)["message_ts"]
    emu.click(user="ana", channel="general", ts=ts, action_id="window", selected="1y", app_url=receiver.url)
    emu.click(user="ana", channel="general", ts=ts, action_id="more", selected="info", app_url=receiver.url)
    select, overflow = (r.payload for r in receiver.requests)
    assert select["container"]["is_ephemeral"] is True and "message" not in select
    assert select["actions"][0]["selected_option"] == {
        "text": {"type": "plain_text", "text": "1 year"},
        "value": "1y",
    }
    assert select["actions"][0]["type"] == "static_select"
    assert (
        overflow["actions"][0]["type"] == "overflow" and overflow["actions"][0]["block_id"] == "auto_block_2"
    )
    with pytest.raises(EmulatorError):  # bob does not see ana's ephemeral message
        emu.click(user="bob", channel="general", ts=ts, action_id="share", app_url=receiver.url)
    with pytest.raises(EmulatorError):
        emu.click(
            user="ana", channel="general", ts=ts, action_id="window", selected="2y", app_url=receiver.url
        )
    with pytest.raises(EmulatorError):
        emu.click(user="ana", channel="general", ts=ts, action_id="nope", app_url=receiver.url)


def test_click_with_forged_signature(emu: SlackEmulator, client: WebClient, receiver: Receiver) -> None:
    ts = client.chat_postMessage(channel="general", text="MRR", blocks=CARD)["ts"]
    delivery = emu.click(
        user="bob", channel="general", ts=ts, action_id="share", app_url=receiver.url, forge_signature=True
    )
    assert delivery.status == 401 and receiver.requests == [] and emu.deliveries == [delivery]


def test_event_callback(emu: SlackEmulator, receiver: Receiver) -> None:
    event = {"type": "app_mention", "user": emu.user("ana").id, "text": "<@U0KPIBOT1> mrr", "channel": "C1"}
    delivery = emu.send_event(event, app_url=receiver.url)
    body = json.loads(receiver.requests[0].body)
    assert delivery.ok and body["type"] == "event_callback" and body["event"]["type"] == "app_mention"
    assert body["authorizations"][0]["user_id"] == emu.bot_user_id
    assert receiver.requests[0].headers["Content-Type"] == "application/json"
