"""Seeding, the event hook for the demo page, wait_for, and kpi_core clocks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient

from kpi_core.clock import ManualClock
from slack_sandbox import EmulatorError, SlackEmulator, StateEvent


def test_with_workspace_seeds_people_and_channels() -> None:
    emu = SlackEmulator.with_workspace(
        channels=["#kpi-daily", {"name": "exec-alerts", "private": True, "members": ["ana"]}],
        users=[{"name": "ana", "email": "ana@corp.io", "tz": "America/New_York"}, "bob"],
    )
    daily, exec_alerts = emu.channel("kpi-daily"), emu.channel("exec-alerts")
    ana, bob = emu.user("ana@corp.io"), emu.user("bob")
    assert bob.email == "bob@example.com" and ana.tz == "America/New_York"
    assert set(daily.members) == {ana.id, bob.id, emu.bot_user_id}
    assert exec_alerts.is_private and set(exec_alerts.members) == {ana.id, emu.bot_user_id}
    with pytest.raises(EmulatorError):
        emu.channel("nope")
    with pytest.raises(EmulatorError):
        emu.add_channel("kpi-daily")


def test_subscribe_sees_every_change_in_order(emu: SlackEmulator, client: WebClient) -> None:
    events: list[StateEvent] = []
    unsubscribe = emu.subscribe(events.append)
    posted = client.chat_postMessage(channel="general", text="v1")
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="v2")
    client.chat_postEphemeral(channel="general", user=emu.user("ana").id, text="psst")
    unsubscribe()
    client.chat_postMessage(channel="general", text="unseen")
    kinds = [e.kind for e in events]
    assert kinds == ["message", "api_call", "message_changed", "api_call", "ephemeral", "api_call"]
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert events[0].data["text"] == "v1" and events[0].channel == posted["channel"]
    assert events[2].data["text"] == "v2" and events[2].data["edited"]
    assert events[4].user == emu.user("ana").id
    assert events[1].data["method"] == "chat.postMessage"


def test_a_broken_subscriber_does_not_break_slack(emu: SlackEmulator, client: WebClient) -> None:
    def explode(_event: StateEvent) -> None:
        raise RuntimeError("listener bug")

    emu.subscribe(explode)
    assert client.chat_postMessage(channel="general", text="still works")["ok"]


def test_wait_for_wakes_on_changes(emu: SlackEmulator, client: WebClient) -> None:
    worker = threading.Thread(target=lambda: client.chat_postMessage(channel="general", text="from a thread"))
    worker.start()
    message = emu.wait_for(lambda: emu.find_message(channel="general", contains="thread"), timeout=5)
    worker.join()
    assert message.text == "from a thread"
    with pytest.raises(TimeoutError):
        emu.wait_for(lambda: emu.find_message(contains="never"), timeout=0.05)


def test_manual_clock_drives_timestamps() -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    with SlackEmulator.with_workspace(channels=["general"], clock=clock) as emu:
        client = WebClient(base_url=emu.api_url, token=emu.bot_token)
        first = client.chat_postMessage(channel="general", text="a")["ts"]
        clock.advance(hours=1)
        second = client.chat_postMessage(channel="general", text="b")["ts"]
    assert first == f"{datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp():.6f}"
    assert float(second) - float(first) == pytest.approx(3600)


def test_message_json_for_rendering(emu: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="general", text="card")
    client.chat_postMessage(channel="general", text="r", thread_ts=parent["ts"])
    rendered = emu.workspace.render(emu.messages("general")[0])
    assert rendered["reply_count"] == 1 and rendered["reply_users"] == [emu.bot_user_id]
    assert rendered["thread_ts"] == parent["ts"] and rendered["latest_reply"] > parent["ts"]


def test_timeline_is_what_a_viewer_sees(emu: SlackEmulator, client: WebClient) -> None:
    ana = emu.user("ana").id
    parent = client.chat_postMessage(channel="general", text="card")["ts"]
    client.chat_postMessage(channel="general", text="in thread", thread_ts=parent)
    client.chat_postEphemeral(channel="general", user=ana, text="for ana")
    client.chat_postEphemeral(channel="general", user=ana, text="ana, in thread", thread_ts=parent)
    client.chat_postEphemeral(channel="general", user=emu.user("bob").id, text="for bob")
    seen = emu.timeline("general", viewer="ana")
    assert [m["text"] for m in seen] == ["card", "for ana"]
    assert [r["text"] for r in seen[0]["replies"]] == ["in thread", "ana, in thread"]
    assert seen[1]["is_ephemeral"] is True
    assert [m["text"] for m in emu.timeline("general")] == ["card"]
