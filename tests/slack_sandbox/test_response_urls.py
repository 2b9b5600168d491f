"""response_url semantics, driven with slack_sdk's WebhookClient (what Bolt's `respond` uses)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from slack_sandbox import SlackEmulator
from tests.slack_sandbox.conftest import FakeClock, Receiver

BUTTON = [
    {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": "share", "text": {"type": "plain_text", "text": "Share"}}
        ],
    }
]


def command_url(emu: SlackEmulator, receiver: Receiver, user: str = "ana", channel: str = "general") -> str:
    delivery = emu.send_slash_command("mrr", user=user, channel=channel, app_url=receiver.url)
    assert delivery.response_url is not None
    return delivery.response_url


def test_ephemeral_by_default_and_in_channel(emu: SlackEmulator, receiver: Receiver) -> None:
    hook = WebhookClient(command_url(emu, receiver))
    assert hook.send(text="only for ana", blocks=BUTTON).status_code == 200
    [eph] = emu.ephemerals("ana")
    assert (eph.text, eph.blocks, eph.via) == ("only for ana", BUTTON, "response_url")
    assert hook.send(text="for everyone", response_type="in_channel").status_code == 200
    assert [m.text for m in emu.messages("general")] == ["for everyone"]
    assert emu.calls_to("response_url")[1].args["response_type"] == "in_channel"


def test_in_channel_needs_no_membership(emu: SlackEmulator, receiver: Receiver) -> None:
    emu.join("outside", "ana")  # the bot is not a member of #outside
    hook = WebhookClient(command_url(emu, receiver, channel="outside"))
    assert hook.send(text="posted via response_url", response_type="in_channel").status_code == 200
    assert emu.messages("outside")[0].text == "posted via response_url"


def test_replace_and_delete_original_ephemeral(
    emu: SlackEmulator, client: WebClient, receiver: Receiver
) -> None:
    ana = emu.user("ana").id
    ts = client.chat_postEphemeral(channel="general", user=ana, text="card", blocks=BUTTON)["message_ts"]
    hook = WebhookClient(
        emu.click(user="ana", channel="general", ts=ts, action_id="share", app_url=receiver.url).response_url
        or ""
    )
    assert hook.send(text="shared ✓", replace_original=True).status_code == 200
    [eph] = emu.ephemerals("ana")
    assert (eph.ts, eph.text, eph.blocks, eph.edited is not None) == (ts, "shared ✓", [], True)
    assert hook.send(delete_original=True).status_code == 200
    assert emu.ephemerals("ana") == [] and emu.ephemerals("ana", include_deleted=True)[0].deleted


def test_replace_and_delete_original_message(
    emu: SlackEmulator, client: WebClient, receiver: Receiver
) -> None:
    posted = client.chat_postMessage(channel="general", text="alert", blocks=BUTTON)
    hook = WebhookClient(
        emu.click(
            user="bob", channel="general", ts=posted["ts"], action_id="share", app_url=receiver.url
        ).response_url
        or ""
    )
    assert hook.send(text="acknowledged by bob", replace_original=True).status_code == 200
    [message] = emu.messages("general")
    assert (message.ts, message.text, message.history[0].text) == (
        posted["ts"],
        "acknowledged by bob",
        "alert",
    )
    hook.send(text="just for bob")  # neither replace nor delete: a new ephemeral for the clicker
    assert [e.text for e in emu.ephemerals("bob")] == ["just for bob"]
    hook.send(delete_original=True)
    assert emu.messages("general") == []


def test_command_replace_original_replaces_the_last_response(emu: SlackEmulator, receiver: Receiver) -> None:
    hook = WebhookClient(command_url(emu, receiver))
    hook.send(text="Loading…")
    hook.send(text="MRR $12,450", replace_original=True)
    assert [e.text for e in emu.ephemerals("ana")] == ["MRR $12,450"]


def test_five_uses_and_thirty_minutes(emu: SlackEmulator, receiver: Receiver, clock: FakeClock) -> None:
    hook = WebhookClient(command_url(emu, receiver))
    assert [hook.send(text=str(i)).status_code for i in range(6)] == [200] * 5 + [404]
    assert emu.calls_to("response_url")[-1].error == "used_url"
    fresh = WebhookClient(command_url(emu, receiver))
    clock.advance(30 * 60 + 1)
    expired = fresh.send(text="too late")
    assert expired.status_code == 404 and "expired_url" in expired.body
    assert WebhookClient(f"{emu.base_url}/response/T0KPIBOT1/unknown").send(text="x").status_code == 404


def test_bad_content_and_faults(emu: SlackEmulator, receiver: Receiver) -> None:
    hook = WebhookClient(command_url(emu, receiver))
    assert hook.send(text="").status_code == 400  # no_text
    invalid = hook.send(
        text="t", blocks=[{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]
    )
    assert invalid.status_code == 400 and "invalid_blocks" in invalid.body
    emu.inject_fault("response_url", "server_error", status=503)
    assert hook.send(text="t").status_code == 503
    assert emu.ephemerals("ana") == []
    assert hook.send(text="finally").status_code == 200
