"""The demo workspace derived from the config, the event fan-out, and the clock steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kpi_core.config.loader import load_config
from kpibot_demo.controller import step_for, waypoints
from kpibot_demo.events import QUEUE_SIZE, EventHub
from kpibot_demo.workspace import channel_about, channel_names, demo_channels, demo_people, role_title
from scheduling.triggers import digest_trigger
from slack_sandbox import StateEvent
from tests.conftest import DEMO_CONFIG


@pytest.mark.parametrize(
    ("local", "title"),
    [("cfo", "CFO"), ("head-of-cs", "Head of CS"), ("growth", "Growth"), ("head_of.sales", "Head of Sales")],
)
def test_role_title(local: str, title: str) -> None:
    assert role_title(local) == title


def test_people_are_the_owners_and_recipients_plus_the_analyst() -> None:
    config = load_config(DEMO_CONFIG)
    people = demo_people(config)
    emails = [p["email"] for p in people]
    owners = {o for kpi in config.kpis.values() for o in kpi.owners}
    assert owners <= set(emails)
    assert "cto@northwind.example" in emails  # an alert recipient
    assert emails[-1] == "dana@northwind.example" and len(emails) == len(set(emails))


def test_channels_come_from_digests_routes_and_the_fallback() -> None:
    config = load_config(DEMO_CONFIG)
    names = channel_names(config)
    assert names[0] == "general"
    for name in ("kpi-daily", "kpi-weekly", "kpi-board", "exec", "exec-alerts", "kpi-alerts", "kpi-ops"):
        assert name in names
    rooms = {r["name"]: r["members"] for r in demo_channels(config, demo_people(config))}
    outside = [name for name, members in rooms.items() if "dana" not in members]
    assert sorted(outside) == ["exec", "exec-alerts", "kpi-alerts", "kpi-board"]  # alerts and leadership
    assert all("cfo" in members for members in rooms.values())
    about = channel_about(config)
    assert "critical alerts on monthly_churn_rate" in about["exec-alerts"]
    assert "Weekly business review digest" in about["kpi-weekly"]


def test_events_fan_out_and_a_slow_reader_is_told_to_resync() -> None:
    hub = EventHub()
    with hub.connect() as fast, hub.connect() as slow:
        hub.on_state_event(StateEvent(1, "message", channel="C1", ts="1.0"))
        hub.on_state_event(StateEvent(2, "api_call", data={"method": "auth.test"}))  # not for the page
        event = fast.next(timeout=0)
        assert event is not None and event["kind"] == "message" and event["channel"] == "C1"
        assert fast.next(timeout=0) is None
        for n in range(QUEUE_SIZE + 5):
            hub.publish("clock", now=str(n))
        assert slow.next(timeout=0) == {"kind": "resync"}
        assert slow.next(timeout=0) is None
        assert hub.client_count == 2
    assert hub.client_count == 0


def test_clock_steps_are_small_enough_for_alert_timers() -> None:
    assert step_for(timedelta(hours=1)) == timedelta(minutes=15)
    assert step_for(timedelta(days=1)) == timedelta(minutes=15)
    assert step_for(timedelta(days=7)) == timedelta(hours=1)


def test_advancing_stops_exactly_at_digest_fire_times() -> None:
    """So a digest posts on time, not "late", whatever second the demo clock started at."""
    daily = load_config(DEMO_CONFIG).digests.digest("daily")  # weekdays 09:00 Europe/Berlin
    start = datetime(2026, 11, 23, 7, 58, 12, tzinfo=UTC)  # a Monday
    stops = waypoints(start, timedelta(days=1), triggers=[digest_trigger(daily)])
    assert datetime(2026, 11, 23, 8, 0, tzinfo=UTC) in stops  # 09:00 in Berlin
    assert stops[:2] == [datetime(2026, 11, 23, 8, 0, tzinfo=UTC), start + timedelta(minutes=15)]
    assert stops[-1] == start + timedelta(days=1)
    assert len(stops) == 96 + 1 and stops == sorted(set(stops))
