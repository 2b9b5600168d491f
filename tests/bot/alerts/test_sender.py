"""The outbox sender against the local Slack: joins, mentions, exhausted retries, an unreachable fallback."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.alerts.destinations import DestinationResolver
from bot.alerts.sender import MAX_ATTEMPTS
from bot.slack.errors import SlackNotFoundError
from kpi_core.alerts.outbox import next_backoff
from kpibot_demo.stack import BOT_TOKEN
from tests.bot.alerts.conftest import Worker
from tests.bot.alerts.harness import ROUTE, RULE, SILENT, error, post, reply, update

ONLY_CHANNEL = {**ROUTE, "owner_dms": False, "escalate_after": None, "escalation": None}


def test_a_public_channel_the_bot_is_not_in_is_joined(make_worker: Any) -> None:
    w: Worker = make_worker(routing={"routes": [{**ONLY_CHANNEL, "channels": ["#quiet-room"]}]})
    w.emulator.add_channel("quiet-room", bot_member=False)
    w.record("churn_rate", 4.6).jobs.tick(w.clock.now())
    w.watch.expect(
        error("chat.postMessage", "not_in_channel"), post("#quiet-room", "Critical"), label="joined"
    )
    assert w.emulator.bot_user_id in w.emulator.channel("quiet-room").members


def test_owner_mentions_and_no_here_in_direct_messages(make_worker: Any) -> None:
    w: Worker = make_worker(routing={"routes": [{**ROUTE, "mentions": ["@here", "owner"]}]})
    w.record("churn_rate", 4.6).jobs.tick(w.clock.now())
    cro, hocs = w.emulator.user("cro").id, w.emulator.user("head-of-cs").id
    w.watch.expect(
        post("#exec-alerts", f"<!here> <@{cro}> <@{hocs}> Critical"),
        post("@cro", f"<@{cro}> <@{hocs}> Critical", excludes=("<!here>",)),
        post("@head-of-cs", f"<@{cro}>", excludes=("<!here>",)),
    )


def test_exhausted_retries_go_to_the_fallback_channel(make_worker: Any) -> None:
    w: Worker = make_worker(routing={"routes": [ONLY_CHANNEL]})
    w.emulator.inject_fault("chat.postMessage", "server_error", times=MAX_ATTEMPTS)
    w.record("churn_rate", 4.6).jobs.tick(w.clock.now())
    for attempt in range(1, MAX_ATTEMPTS):
        w.clock.advance(seconds=next_backoff(attempt).total_seconds())
        w.jobs.deliver()
    w.watch.expect(
        *[error("chat.postMessage", "fatal_error")] * MAX_ATTEMPTS,
        post("#kpi-ops", "Sent here because", "#exec-alerts", "fatal_error", excludes=SILENT),
    )
    failed = [r for r in w.jobs.store.outbox() if r.status == "failed"]
    assert [(r.destination, r.attempts) for r in failed] == [("#exec-alerts", MAX_ATTEMPTS)]


def test_an_unreachable_fallback_is_reported_loudly(
    make_worker: Any, caplog: pytest.LogCaptureFixture
) -> None:
    rule = {**RULE, "recipients": ["nobody@northwind.example"]}
    w: Worker = make_worker(rules=[rule], fallback_channel="#nowhere", routing={"routes": [ONLY_CHANNEL]})
    w.allow_lost = ("nobody@northwind.example",)  # the one loss the invariant check may see: logged loudly
    caplog.set_level(logging.ERROR, logger="bot.alerts.sender")
    tick = w.record("churn_rate", 4.6).jobs.tick(w.clock.now())
    assert (tick.delivery.sent, tick.delivery.fallbacks, tick.delivery.lost) == (1, 1, 1)
    w.watch.expect(post("#exec-alerts", "Critical"), error("users.lookupByEmail", "users_not_found"))
    assert (
        "could not be delivered to email:nobody@northwind.example nor to the fallback channel" in caplog.text
    )


def test_repeat_after_the_interval_updates_and_mentions_again(worker: Worker) -> None:
    w = worker
    w.record("churn_rate", 4.6).jobs.tick(w.clock.now())
    w.watch.take()
    w.clock.advance(hours=4)
    w.jobs.tick(w.clock.now())
    w.watch.expect(
        post("@ceo", "Escalated to you"),
        reply("#exec-alerts", "Still critical", "<!here>"),
        reply("@cro", "Still critical", excludes=SILENT),
        reply("@head-of-cs", "Still critical", excludes=SILENT),
        update("#exec-alerts"),
        update("@cro"),
        update("@head-of-cs"),
    )


def test_destinations_resolve_or_fail_permanently(worker: Worker) -> None:
    resolver = DestinationResolver(WebClient(base_url=worker.emulator.api_url, token=BOT_TOKEN))
    assert resolver.channel_for("#exec-alerts") == worker.emulator.channel("exec-alerts").id
    dm = resolver.channel_for("email:cro@northwind.example")
    assert dm == resolver.channel_for(worker.emulator.user("cro").id)  # cached, one DM
    for destination, code in (
        ("@CRO", "unknown_user"),
        ("email:nobody@northwind.example", "users_not_found"),
        ("#no-such-room", "channel_not_found"),
        ("digest", "not_a_slack_destination"),
    ):
        with pytest.raises(SlackNotFoundError) as raised:
            resolver.channel_for(destination)
        assert raised.value.code == code
    assert len(worker.emulator.calls_to("users.lookupByEmail")) == 2  # answers are remembered


def test_the_outbox_is_idempotent_across_repeated_ticks(worker: Worker) -> None:
    w = worker
    w.record("churn_rate", 4.6)
    for _ in range(3):
        w.jobs.tick(w.clock.now())
    assert len(w.emulator.calls_to("chat.postMessage")) == 3
    assert {r.status for r in w.jobs.store.outbox()} == {"sent"}
    w.clock.advance(minutes=10)
    assert w.jobs.tick(w.clock.now()).delivery.sent == 0


def test_messages_render_times_in_the_bot_timezone(make_worker: Any) -> None:
    w: Worker = make_worker()
    w.jobs.assembler.zone = __import__("zoneinfo").ZoneInfo("Europe/Berlin")
    w.record("churn_rate", 4.6).jobs.tick(w.clock.now())
    seen = w.watch.take()
    assert all("Firing since 20 Nov 15:00 CET" in s.text for s in seen if s.kind == "post")
