"""`/kpi alerts`, `/kpi ack <id>`, the View KPI button and the dashboard's alert box, through the real app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import actions as ids
from kpi_core.clock import ManualClock
from tests.bot.alerts.harness import (
    SILENT,
    AlertTimeline,
    ephemeral,
    open_timeline,
    reply,
    update,
    write_config,
)
from tests.bot.e2e.helpers import assert_valid_message, text_of

COPIES = ("#exec-alerts", "@cro", "@head-of-cs")


@pytest.fixture
def tl(tmp_path: Path, clock: ManualClock) -> Iterator[AlertTimeline]:
    yield from open_timeline(write_config(tmp_path / "config"), clock, f"sqlite:///{tmp_path / 'kpibot.db'}")


def command(tl: AlertTimeline, text: str, *, user: str, channel: str = "general") -> None:
    delivery = tl.emulator.send_slash_command(
        text, user=tl.stack.user(user), channel=tl.stack.channel(channel)
    )
    assert delivery.status == 200 and delivery.elapsed < 3.0


def answers(tl: AlertTimeline, user: str, count: int = 1) -> list:
    uid = tl.stack.user(user)
    found = tl.emulator.wait_for(
        lambda: len(tl.emulator.ephemerals(uid)) >= count and tl.emulator.ephemerals(uid)
    )
    for message in found:
        assert_valid_message(message)
    return found


def test_kpi_alerts_lists_open_incidents_with_buttons_that_work(tl: AlertTimeline) -> None:
    command(tl, "alerts", user="dana")
    [empty] = answers(tl, "dana")
    assert "No open alerts" in text_of(empty)
    tl.record("churn_rate", 4.6).tick()
    tl.watcher.take()
    command(tl, "alerts", user="cro")
    [listing] = answers(tl, "cro")
    assert "Open alerts (1)" in text_of(listing) and "#1 Churn Rate Spike" in text_of(listing)
    tl.clicks += 1
    tl.emulator.click(
        user=tl.stack.user("cro"),
        channel=tl.stack.channel("general"),
        ts=listing.ts,
        action_id=ids.encode_action_id(ids.ALERT_ACK, discriminator="1"),
    )
    tl.expect(
        ephemeral("cro", "Acknowledged alert #1 (Churn Rate Spike)"),
        ephemeral("cro", "Open alerts (1)"),  # the listing itself, from the command
        *[reply(c, "Acknowledged by Rita Revenue", excludes=SILENT) for c in COPIES],
        *map(update, COPIES),
        label="acked from the list",
    )


def test_kpi_ack_by_number(tl: AlertTimeline) -> None:
    tl.record("churn_rate", 4.6).tick()
    tl.watcher.take()
    command(tl, "ack #7", user="cro")
    command(tl, "ack soon", user="cro")
    command(tl, "ack 1", user="dana")  # not a member of #exec-alerts, not an owner
    command(tl, "ack 1", user="head-of-cs")
    cro = " ".join(text_of(m) for m in answers(tl, "cro", 2))  # two answers, in either order
    assert "There is no alert #7" in cro and "is not an alert number" in cro
    [refused] = answers(tl, "dana")
    assert "Only members of #exec-alerts can act on this alert" in text_of(refused)
    [done] = answers(tl, "head-of-cs")
    assert "Acknowledged alert #1 (Churn Rate Spike)" in text_of(done)
    tl.expect(
        *[ephemeral(u, "") for u in ("cro", "cro", "dana", "head-of-cs")],
        *[reply(c, "Acknowledged by Sam Success") for c in COPIES],
        *map(update, COPIES),
    )


def test_view_kpi_shows_the_card_privately(tl: AlertTimeline) -> None:
    tl.record("churn_rate", 4.6).tick()
    tl.watcher.take()
    tl.click("dana", "#exec-alerts", ids.VIEW_KPI)  # anyone may look
    [card] = answers(tl, "dana")
    # a rate recorded for today, which is still running: labelled so, never shown as a whole day
    title = card.blocks[0]["text"]["text"]
    assert title.startswith("Churn Rate · ") and title.endswith(" so far: 4.6%"), title
    assert tl.jobs.store.open_incidents()[0].state == "firing"


def test_the_dashboard_shows_open_alerts(tl: AlertTimeline) -> None:
    tl.record("churn_rate", 4.6).tick()
    command(tl, "dashboard", user="dana")
    [dashboard] = answers(tl, "dana")
    assert "Churn Rate Spike" in text_of(dashboard) and "4.6%" in text_of(dashboard)
