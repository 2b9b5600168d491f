"""chat.* and message reading, driven through a real slack_sdk WebClient."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_sandbox import SlackEmulator, flatten_text
from tests.slack_sandbox.conftest import FakeClock

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*MRR* $12,450"}}


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return str(info.value.response["error"])


def test_auth_checks(emu: SlackEmulator, client: WebClient) -> None:
    assert client.auth_test()["user_id"] == emu.bot_user_id
    assert error_of(WebClient(base_url=emu.api_url).auth_test) == "not_authed"
    assert error_of(WebClient(base_url=emu.api_url, token="xoxb-wrong").auth_test) == "invalid_auth"
    # The legacy `token` form field works too (slack_sdk moves it to the header, raw clients may not).
    body = b"token=xoxb-test-token&channel=general&text=via+form"
    request = urllib.request.Request(f"{emu.api_url}chat.postMessage", data=body)
    reply = json.loads(urllib.request.urlopen(request).read())
    assert reply["ok"] and emu.messages("general")[-1].text == "via form"
    assert error_of(client.api_call, "chat.unknownThing") == "unknown_method"


def test_post_message_by_name_and_id(emu: SlackEmulator, client: WebClient, clock: FakeClock) -> None:
    first = client.chat_postMessage(channel="#general", text="MRR is up", blocks=[SECTION])
    general = emu.channel("general")
    assert first["channel"] == general.id
    assert first["ts"] == f"{clock.t:.6f}"
    assert first["message"]["bot_id"] == emu.workspace.bot_id
    assert first["message"]["blocks"] == [SECTION]
    second = client.chat_postMessage(channel=general.id, text="again", unfurl_links=False)
    assert float(second["ts"]) > float(first["ts"])  # same clock instant, still strictly increasing
    stored = emu.messages("general")
    assert [m.text for m in stored] == ["MRR is up", "again"]
    assert stored[1].unfurl_links is False
    assert "$12,450" in flatten_text(stored[0])
    assert emu.calls_to("chat.postMessage")[0].args["blocks"] == [SECTION]  # JSON body, decoded


def test_threads_and_broadcast(emu: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="general", text="parent")["ts"]
    client.chat_postMessage(channel="general", text="quiet reply", thread_ts=parent)
    loud = client.chat_postMessage(
        channel="general", text="loud reply", thread_ts=parent, reply_broadcast=True
    )
    assert loud["message"]["subtype"] == "thread_broadcast"
    top = emu.messages("general")
    assert [m.text for m in top] == ["parent", "loud reply"]
    assert [r.text for r in top[0].replies] == ["quiet reply", "loud reply"]
    assert [m.text for m in emu.thread("general", parent)] == ["parent", "quiet reply", "loud reply"]
    assert emu.find_message(thread_ts=parent).text == "loud reply"
    replies = client.conversations_replies(channel=emu.channel("general").id, ts=parent)
    assert [m["text"] for m in replies["messages"]] == ["parent", "quiet reply", "loud reply"]
    assert replies["messages"][0]["reply_count"] == 2
    history = client.conversations_history(channel=emu.channel("general").id)
    assert [m["text"] for m in history["messages"]] == ["loud reply", "parent"]  # newest first
    assert (
        error_of(client.chat_postMessage, channel="general", text="x", thread_ts="1.000001")
        == "thread_not_found"
    )


def test_post_message_errors(emu: SlackEmulator, client: WebClient) -> None:
    assert error_of(client.chat_postMessage, channel="nope", text="x") == "channel_not_found"
    assert (
        error_of(client.chat_postMessage, channel="hidden", text="x") == "channel_not_found"
    )  # private, not in
    assert error_of(client.chat_postMessage, channel="outside", text="x") == "not_in_channel"
    assert error_of(client.chat_postMessage, channel="old", text="x") == "is_archived"
    assert error_of(client.api_call, "chat.postMessage", json={"channel": "general"}) == "no_text"
    assert error_of(client.chat_postMessage, channel="general", text="x" * 40_001) == "msg_too_long"
    assert error_of(client.api_call, "chat.postMessage", json={"text": "x"}) == "channel_not_found"
    assert emu.messages("general") == []
    assert [c.error for c in emu.calls_to("chat.postMessage")][:2] == [
        "channel_not_found",
        "channel_not_found",
    ]


def test_public_channel_posting_can_be_allowed(clock: FakeClock) -> None:
    emu = SlackEmulator.with_workspace(
        channels=[{"name": "open", "bot_member": False}], chat_write_public=True
    )
    with emu:
        client = WebClient(base_url=emu.api_url, token=emu.bot_token)
        assert client.chat_postMessage(channel="open", text="hello")["ok"]


def test_missing_text_is_a_recorded_warning(emu: SlackEmulator, client: WebClient) -> None:
    with pytest.warns(UserWarning):  # slack_sdk warns on the client side as well
        reply = client.chat_postMessage(channel="general", blocks=[SECTION])
    assert reply["response_metadata"]["warnings"] == ["missing_text"]
    assert emu.calls_to("chat.postMessage")[0].warnings == ["missing_text"]
    client.chat_postMessage(channel="general", blocks=[SECTION], text="fallback")
    assert emu.calls_to("chat.postMessage")[1].warnings == []


def test_post_to_user_id_opens_the_dm(emu: SlackEmulator, client: WebClient) -> None:
    ana = emu.user("ana@example.com")
    reply = client.chat_postMessage(channel=ana.id, text="your KPI is red")
    dm = emu.im_channel("ana")
    assert dm is not None and reply["channel"] == dm.id and dm.id.startswith("D")
    assert emu.messages(dm.id)[0].text == "your KPI is red"


def test_ephemeral(emu: SlackEmulator, client: WebClient) -> None:
    ts = client.chat_postEphemeral(channel="general", user=emu.user("ana").id, text="only you")["message_ts"]
    [eph] = emu.ephemerals("ana")
    assert (eph.ts, eph.text, eph.channel) == (ts, "only you", emu.channel("general").id)
    assert emu.ephemerals("bob") == [] and emu.messages("general") == []
    carol = emu.user("carol").id
    assert (
        error_of(client.chat_postEphemeral, channel="general", user=carol, text="x") == "user_not_in_channel"
    )
    assert error_of(client.chat_postEphemeral, channel="general", user="U999", text="x") == "user_not_found"
    assert error_of(client.chat_postEphemeral, channel="outside", user=carol, text="x") == "not_in_channel"


def test_update_keeps_history(emu: SlackEmulator, client: WebClient, clock: FakeClock) -> None:
    posted = client.chat_postMessage(channel="general", text="v1", blocks=[SECTION])
    channel, ts = posted["channel"], posted["ts"]
    clock.advance(60)
    updated = client.chat_update(channel=channel, ts=ts, text="v2")
    assert updated["text"] == "v2" and updated["message"]["blocks"] == [SECTION]  # omitted blocks are kept
    assert updated["message"]["edited"] == {"user": emu.bot_user_id, "ts": f"{clock.t:.6f}"}
    client.chat_update(channel=channel, ts=ts, text="v3", blocks=[])  # an empty list removes them
    [message] = emu.messages("general")
    assert (message.text, message.blocks) == ("v3", [])
    assert [v.text for v in message.history] == ["v1", "v2"]
    assert message.history[0].blocks == [SECTION]
    assert error_of(client.chat_update, channel=channel, ts="123.456", text="x") == "message_not_found"
    assert error_of(client.chat_update, channel="general", ts=ts, text="x") == "channel_not_found"  # ids only


def test_cannot_update_someone_elses_message(emu: SlackEmulator, client: WebClient) -> None:
    general = emu.channel("general")
    human = emu.workspace.post_message(general, text="typed by ana", user=emu.user("ana").id)
    assert error_of(client.chat_update, channel=general.id, ts=human.ts, text="x") == "cant_update_message"
    assert error_of(client.chat_delete, channel=general.id, ts=human.ts) == "cant_delete_message"


def test_delete(emu: SlackEmulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="general", text="oops")
    client.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert emu.messages("general") == []
    assert emu.messages("general", include_deleted=True)[0].deleted
    assert error_of(client.chat_delete, channel=posted["channel"], ts=posted["ts"]) == "message_not_found"


def test_raw_http_edges(emu: SlackEmulator) -> None:
    def raw(path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> dict:
        request = urllib.request.Request(f"{emu.base_url}{path}", data=data, headers=headers or {})
        return json.loads(urllib.request.urlopen(request).read())

    assert raw("/api/auth.test?token=xoxb-test-token")["ok"]  # GET with the token in the query
    bearer = {"Authorization": "Bearer xoxb-test-token", "Content-Type": "application/json"}
    assert raw("/api/chat.postMessage", b"{not json", bearer)["error"] == "invalid_json"
    # Slack ignores a token inside a JSON body.
    body = json.dumps({"token": "xoxb-test-token", "channel": "general", "text": "x"}).encode()
    assert raw("/api/chat.postMessage", body, {"Content-Type": "application/json"})["error"] == "not_authed"
    emoji = json.dumps({"channel": "general", "text": "📈 MRR ↑ 12 %"}).encode()
    assert raw("/api/chat.postMessage", emoji, bearer)["message"]["text"] == "📈 MRR ↑ 12 %"
    with pytest.raises(urllib.error.HTTPError) as info:
        raw("/nowhere")
    assert info.value.code == 404
