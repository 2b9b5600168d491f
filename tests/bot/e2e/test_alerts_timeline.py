"""Alert timelines through the local Slack: what is pushed when, and which messages must (and only they)
appear between which times. The real bot runs on a real port; clicks are signed block_actions; time is a
ManualClock that only the test (and the sender's pacing) moves. See tests/bot/alerts/harness.py.

Config: `churn_rate > 4%` is critical; the route posts in #exec-alerts with @here, DMs the KPI's owners
(cro, head-of-cs, found by email), repeats every 4 h while unacknowledged and escalates to the CEO after
30 minutes. Dana (an analyst) can read #exec-alerts but is not a member of it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import actions as ids
from kpi_core.clock import ManualClock
from kpi_core.storage.observations import ObservationStore
from tests.bot.alerts.harness import (
    ROUTE,
    RULE,
    SILENT,
    AlertTimeline,
    ephemeral,
    error,
    open_timeline,
    post,
    reply,
    restart,
    update,
    write_config,
)

COPIES = ("#exec-alerts", "@cro", "@head-of-cs")


@pytest.fixture
def timeline(tmp_path: Path, clock: ManualClock) -> Iterator[AlertTimeline]:
    yield from open_timeline(write_config(tmp_path / "config"), clock, f"sqlite:///{tmp_path / 'kpibot.db'}")


def fire(tl: AlertTimeline, value: float = 4.6) -> None:
    """The KPI crosses critical: one message per destination, with buttons; @here only in the channel."""
    tl.record("churn_rate", value).tick()
    tl.expect(
        post("#exec-alerts", "Critical · Churn Rate Spike", "<!here>", f"{value}%", "> 4%", buttons=True),
        post(
            "@cro", "Critical · Churn Rate Spike", "Call every churned account", buttons=True, excludes=SILENT
        ),
        post("@head-of-cs", "Critical · Churn Rate Spike", buttons=True, excludes=SILENT),
        label="crosses critical",
    )


def notes(where: tuple[str, ...], *contains: str, buttons: bool | None = None) -> list:
    """A thread note and an edit of the message, in each copy; none of them pings anyone."""
    return [reply(w, *contains, excludes=SILENT) for w in where] + [
        update(w, *contains, buttons=buttons) for w in where
    ]


# ------------------------------------------------------------------------------------------ 1. full path
def test_full_path_from_critical_to_resolved(timeline: AlertTimeline) -> None:
    tl = timeline
    tl.record("churn_rate", 3.1).tick()
    tl.expect(label="healthy: nothing")
    tl.advance(minutes=5)
    fire(tl)  # 14:05
    incident = tl.jobs.store.open_incidents()[0]
    tl.quiet_for(minutes=25)  # until 14:30: nothing
    tl.advance(minutes=5).tick()  # 14:35: 30 minutes without an ack
    tl.expect(
        post("@ceo", "Escalated to you", "Critical · Churn Rate Spike", buttons=True), label="escalation"
    )
    tl.quiet_for(minutes=205, step=timedelta(minutes=15))  # until 18:00: nothing
    tl.advance(minutes=5).tick()  # 18:05: 4 hours since the first notification
    tl.expect(
        reply("#exec-alerts", "Still critical", "<!here>"),
        reply("@cro", "Still critical", excludes=SILENT),
        reply("@head-of-cs", "Still critical", excludes=SILENT),
        *[update(w, "Firing since", buttons=True) for w in COPIES],
        label="repeat after 4 h",
    )
    tl.advance(minutes=2)
    tl.click("cro", "@cro", ids.ALERT_ACK)  # the owner, in their DM
    everywhere = (*COPIES, "@ceo")
    tl.expect(*notes(everywhere, "Acknowledged by Rita Revenue at 20 Nov 18:07 UTC"), label="ack updates all")
    assert tl.jobs.store.get(incident.id).state == "acknowledged"  # type: ignore[union-attr]
    tl.quiet_for(hours=8, step=timedelta(minutes=30))  # no repeats, no escalation once acknowledged
    tl.record("churn_rate", 3.2).tick()  # the value recovers
    tl.expect(
        *notes(everywhere, "Resolved automatically at 21 Nov 02:07 UTC", buttons=False), label="resolved"
    )
    tl.quiet_for(hours=6, step=timedelta(hours=1))
    kinds = [event.kind for event in tl.jobs.store.events(incident.id)]
    assert kinds.count("fired") == 1 and kinds.count("escalated") == 1 and kinds.count("resolved") == 1
    assert [e.actor for e in tl.jobs.store.events(incident.id) if e.kind == "acknowledged"] == [
        tl.stack.user("cro")
    ]
    assert kinds.count("sent") == 3 + 1 + 3 + 4 + 4  # posts, escalation, repeats, ack notes, resolve notes


# ------------------------------------------------------------------------------------------ 2. unauthorized
def test_a_non_member_is_told_why_and_nothing_changes(timeline: AlertTimeline) -> None:
    tl = timeline
    fire(tl)
    tl.advance(minutes=3)
    tl.click("dana", "#exec-alerts", ids.ALERT_ACK)
    tl.expect(ephemeral("dana", "Only members of #exec-alerts", "Nothing was changed"), label="refused")
    [incident] = tl.jobs.store.open_incidents()
    assert incident.state == "firing" and incident.version == 1
    assert "acknowledged" not in [e.kind for e in tl.jobs.store.events(incident.id)]
    tl.click("cfo", "#exec-alerts", ids.ALERT_ACK)  # a member of the channel may act (the default policy)
    tl.expect(*notes((*COPIES,), "Acknowledged by Carla Finance"), label="a member acks")


def test_owners_policy_refuses_members_and_lets_escalation_targets_act(
    tmp_path: Path, clock: ManualClock
) -> None:
    config = write_config(tmp_path / "config", who_can_act="owners")
    for tl in open_timeline(config, clock, f"sqlite:///{tmp_path / 'kpibot.db'}"):
        fire(tl)
        tl.click("cfo", "#exec-alerts", ids.ALERT_RESOLVE)
        tl.expect(
            ephemeral("cfo", "Only the KPI's owners and the escalation targets"), label="member refused"
        )
        tl.click("ceo", "#exec-alerts", ids.ALERT_SNOOZE, choice="tomorrow")  # the escalation target
        tl.expect(*notes(COPIES, "Snoozed by Chen Exec until 21 Nov 14:00 UTC"), label="ceo snoozes")


# ------------------------------------------------------------------------------------------ 3. races
def test_double_click_and_two_people_at_once(timeline: AlertTimeline) -> None:
    tl = timeline
    fire(tl)
    tl.advance(minutes=10)
    tl.jobs.deliver_enabled = False  # the updates are slow to arrive: every click sees the old message
    clickers = [("cro", "@cro"), ("cro", "@cro"), ("head-of-cs", "@head-of-cs"), ("cro", "#exec-alerts")]
    threads = [threading.Thread(target=tl.click, args=(u, w, ids.ALERT_ACK)) for u, w in clickers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    losers = tl.expect(*[ephemeral("*", "Already acknowledged by", "at 14:10 UTC")] * 3, label="one wins")
    [incident] = tl.jobs.store.open_incidents()
    winner = tl.jobs.names.name(incident.acked_by)
    who = tl.emulator.workspace.users[incident.acked_by or ""].name
    told = Counter(seen.where for seen in losers) + Counter([f"@{who}"])
    assert told == Counter(f"@{u}" for u, _ in clickers)  # everyone else was told who won
    assert all(winner in seen.text for seen in losers)
    assert [e.kind for e in tl.jobs.store.events(incident.id)].count("acknowledged") == 1
    tl.jobs.deliver_enabled = True
    tl.jobs.deliver()
    tl.expect(*notes(COPIES, f"Acknowledged by {winner}"), label="the winner's ack, once")


def test_ack_racing_an_automatic_resolve(timeline: AlertTimeline) -> None:
    tl = timeline
    fire(tl)
    tl.advance(hours=1).record("churn_rate", 3.0)
    tl.jobs.evaluate(tl.clock.now())  # resolved in the database; the messages still show the buttons
    tl.click("cro", "@cro", ids.ALERT_ACK)
    tl.expect(
        ephemeral("cro", "Already resolved automatically at 15:00 UTC", "alert when > 4%"), label="ack lost"
    )
    tl.jobs.deliver()
    tl.expect(*notes(COPIES, "Resolved automatically", buttons=False), label="resolve delivered")
    [incident] = tl.jobs.store.incidents()
    assert incident.state == "resolved" and incident.acked_by is None


def test_ack_wins_then_the_resolve_follows(timeline: AlertTimeline) -> None:
    tl = timeline
    fire(tl)
    tl.advance(minutes=20)
    tl.click("head-of-cs", "@head-of-cs", ids.ALERT_ACK)
    tl.expect(*notes(COPIES, "Acknowledged by Sam Success"), label="ack")
    tl.advance(minutes=1).record("churn_rate", 3.0).tick()
    tl.expect(*notes(COPIES, "Resolved automatically", buttons=False), label="then resolved")


# ------------------------------------------------------------------------------------------ 4. fallback
def test_unknown_email_and_missing_channels_go_to_the_fallback(tmp_path: Path, clock: ManualClock) -> None:
    rule = {**RULE, "recipients": ["nobody@northwind.example", "#gone", "C0GONE0001", "C0OLD0001"]}
    route = {**ROUTE, "owner_dms": False, "escalate_after": None, "escalation": None}
    config = write_config(tmp_path / "config", rules=[rule], routing={"routes": [route]})
    for tl in open_timeline(config, clock, f"sqlite:///{tmp_path / 'kpibot.db'}"):
        tl.record("churn_rate", 5.0).tick()
        tl.expect(
            post("#exec-alerts", "Critical · Churn Rate Spike", "<!here>", buttons=True),
            error("users.lookupByEmail", "users_not_found"),
            error("chat.postMessage", "channel_not_found"),
            error("chat.postMessage", "is_archived"),
            post(
                "#kpi-ops", "Sent here because", "nobody@northwind.example", "users_not_found", buttons=True
            ),
            reply("#kpi-ops", "Sent here because", "#gone", "channel_not_found", excludes=SILENT),
            reply("#kpi-ops", "Sent here because", "C0GONE0001", "channel_not_found", excludes=SILENT),
            reply("#kpi-ops", "Sent here because", "C0OLD0001", "is_archived", excludes=SILENT),
            *[update("#kpi-ops", "Sent here because", buttons=True)] * 3,
            label="never dropped",
        )
        [incident] = tl.jobs.store.open_incidents()
        failed = [e.detail for e in tl.jobs.store.events(incident.id) if e.kind == "send_failed"]
        assert {(f["destination"], f["error"], f["fallback"]) for f in failed} == {
            ("email:nobody@northwind.example", "users_not_found", "#kpi-ops"),
            ("#gone", "channel_not_found", "#kpi-ops"),
            ("C0GONE0001", "channel_not_found", "#kpi-ops"),
            ("C0OLD0001", "is_archived", "#kpi-ops"),
        }
        tl.advance(hours=1).record("churn_rate", 3.0).tick()  # the fallback copy follows the incident too
        tl.expect(
            *notes(("#exec-alerts", "#kpi-ops"), "Resolved automatically", buttons=False), label="resolved"
        )


# ------------------------------------------------------------------------------------------ 5. 429
def test_a_429_is_retried_after_retry_after_and_delivered_once(timeline: AlertTimeline) -> None:
    tl = timeline
    tl.emulator.inject_fault("chat.postMessage", "ratelimited", retry_after=30)
    tl.record("churn_rate", 4.6).tick()
    tl.expect(
        error("chat.postMessage", "ratelimited"),
        post("@cro", "Critical", buttons=True),
        post("@head-of-cs", "Critical", buttons=True),
        label="429 for #exec-alerts",
    )
    tl.quiet_for(seconds=25, step=timedelta(seconds=5))  # Retry-After is 30 s: nothing before
    tl.advance(seconds=5).tick()
    tl.expect(
        post("#exec-alerts", "Critical · Churn Rate Spike", "<!here>", buttons=True), label="after the wait"
    )
    tl.quiet_for(minutes=20)
    [row] = [r for r in tl.jobs.store.outbox() if r.destination == "#exec-alerts"]
    assert row.status == "sent" and row.attempts == 2 and "ratelimited" not in (row.last_error or "")


def test_server_errors_back_off_then_deliver(timeline: AlertTimeline) -> None:
    tl = timeline
    tl.emulator.inject_fault("chat.postMessage", "server_error", times=2)
    tl.record("churn_rate", 4.6).tick()
    tl.expect(
        error("chat.postMessage", "fatal_error"),
        error("chat.postMessage", "fatal_error"),
        post("@head-of-cs", "Critical"),
        label="two 500s",
    )
    tl.quiet_for(seconds=4, step=timedelta(seconds=1))  # backoff: 5 s after the first failure
    tl.advance(seconds=1).tick()
    tl.expect(post("#exec-alerts", "Critical"), post("@cro", "Critical"), label="after the backoff")


# ------------------------------------------------------------------------------------------ 6. restarts
def test_restart_between_firing_and_resolving(timeline: AlertTimeline) -> None:
    tl = timeline
    fire(tl)
    tl = restart(tl)  # a new process: nothing in memory survives
    tl.advance(minutes=10).tick()
    tl.expect(label="no duplicate after the restart")
    tl.click("cro", "#exec-alerts", ids.ALERT_ACK)  # handled by the new process, on the old messages
    tl.expect(*notes(COPIES, "Acknowledged by Rita Revenue"), label="ack after restart")
    tl = restart(tl)
    tl.advance(minutes=30).record("churn_rate", 2.0).tick()
    tl.expect(*notes(COPIES, "Resolved automatically", buttons=False), label="resolve not lost")
    assert len(tl.emulator.messages("exec-alerts")) == 1
    tl.stop()


def test_crash_after_posting_before_bookkeeping_never_posts_twice(timeline: AlertTimeline) -> None:
    tl = timeline
    # Slack posts the message, but the connection drops before the bot hears back (a crash, in effect).
    tl.emulator.inject_fault("chat.postMessage", "disconnect", processed=True)
    tl.record("churn_rate", 4.6).tick()
    tl.expect(
        post("#exec-alerts", "Critical", buttons=True),
        error("chat.postMessage", "disconnect"),
        post("@cro", "Critical"),
        post("@head-of-cs", "Critical"),
        label="posted, but unacknowledged by Slack",
    )
    tl = restart(tl)
    tl.advance(seconds=5).tick()  # the retry finds its own message (by the outbox key in its metadata)
    tl.expect(label="found, not posted again")
    [message] = tl.emulator.messages("exec-alerts")
    [incident] = tl.jobs.store.open_incidents()
    copy = next(m for m in tl.jobs.store.messages(incident.id) if m.destination == "#exec-alerts")
    assert copy.ts == message.ts
    tl.advance(minutes=5).record("churn_rate", 2.0).tick()
    tl.expect(*notes(COPIES, "Resolved automatically", buttons=False), label="resolved in that message")
    tl.stop()


def test_a_dead_senders_claim_expires_and_the_resolve_is_delivered_once(timeline: AlertTimeline) -> None:
    tl = timeline
    fire(tl)
    tl.advance(minutes=10).record("churn_rate", 2.0)
    tl.jobs.evaluate(tl.clock.now())
    claimed = tl.jobs.store.claim_due(now=tl.clock.now(), worker_id="dead-process", limit=10)
    assert len(claimed) == 3  # the process dies holding the resolve notes
    tl = restart(tl)
    tl.tick()
    tl.expect(label="claimed by the dead process: not yet")
    tl.advance(minutes=2, seconds=1).tick()  # its lease (2 minutes) ran out
    tl.expect(*notes(COPIES, "Resolved automatically", buttons=False), label="delivered once")
    tl.stop()


# ------------------------------------------------------------------------------------------ 8. flapping
def test_a_flapping_kpi_reopens_the_same_incident(timeline: AlertTimeline) -> None:
    tl = timeline
    fire(tl)
    tl.advance(hours=1).record("churn_rate", 3.9).tick()
    tl.expect(*notes(COPIES, "Resolved automatically", buttons=False), label="recovers")
    tl.advance(hours=1).record("churn_rate", 4.4).tick()
    tl.expect(
        *[reply(w, "Fired again", "(re-opened)", excludes=SILENT) for w in COPIES],
        *[update(w, "Firing since 20 Nov 16:00 UTC", "re-opened 1×", buttons=True) for w in COPIES],
        label="flaps: the same messages",
    )
    tl.advance(hours=1).record("churn_rate", 3.8).tick()
    tl.expect(*notes(COPIES, "Resolved automatically", buttons=False), label="recovers again")
    assert len(tl.jobs.store.incidents()) == 1 and tl.jobs.store.incidents()[0].reopen_count == 1
    tl.advance(days=3).record("churn_rate", 4.9).tick()  # past the cooldown: a new incident, new messages
    tl.expect(
        post("#exec-alerts", "Critical", "4.9%", buttons=True),
        post("@cro", "Critical", buttons=True),
        post("@head-of-cs", "Critical", buttons=True),
        label="a new incident",
    )
    assert len(tl.emulator.messages("exec-alerts")) == 2


# ------------------------------------------------------------------------------------------ 7. PostgreSQL
def test_two_evaluators_on_one_postgresql_database(
    tmp_path: Path, clock: ManualClock, postgres_admin_url: str
) -> None:
    from tests.bot.alerts.replicas import two_replicas

    with two_replicas(write_config(tmp_path / "config"), clock, postgres_admin_url) as (
        emulator,
        a,
        b,
        watch,
    ):
        ObservationStore(a.runtime.db).record(
            "churn_rate", clock.now().date(), 4.6, source="push", now=clock.now()
        )
        _together(lambda: a.tick(clock.now()), lambda: b.tick(clock.now()))
        watch.expect(
            post("#exec-alerts", "Critical", "<!here>", buttons=True),
            post("@cro", "Critical"),
            post("@head-of-cs", "Critical"),
            label="each message once",
        )
        clock.advance(minutes=31)
        _together(lambda: a.tick(clock.now()), lambda: b.tick(clock.now()))
        watch.expect(post("@ceo", "Escalated"), label="one escalation")
        clock.advance(hours=4)
        _together(lambda: a.tick(clock.now()), lambda: b.tick(clock.now()))
        watch.expect(
            *[reply(w, "Still critical") for w in COPIES], *[update(w) for w in COPIES], label="repeat"
        )
        ObservationStore(b.runtime.db).record(
            "churn_rate", clock.now().date(), 1.9, source="push", now=clock.now()
        )
        _together(lambda: a.tick(clock.now()), lambda: b.tick(clock.now()))
        watch.expect(
            *notes((*COPIES, "@ceo"), "Resolved automatically", buttons=False), label="resolved once"
        )
        assert len(emulator.messages("exec-alerts")) == 1


def _together(*work: object) -> None:
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: object) -> None:
        barrier.wait()
        try:
            job()  # type: ignore[operator]
        except BaseException as problem:  # surfaced below
            errors.append(problem)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# ------------------------------------------------------------------------------------------ storms
def test_a_storm_shares_one_message_per_destination(tmp_path: Path, clock: ManualClock) -> None:
    rules = [
        {**RULE, "name": f"Churn above {level}", "condition": f"churn_rate > {level}%"}
        for level in (4, 4.1, 4.2, 4.4, 4.5)
    ]
    config = write_config(tmp_path / "config", rules=rules)
    for tl in open_timeline(config, clock, f"sqlite:///{tmp_path / 'kpibot.db'}"):
        tl.record("churn_rate", 4.6).tick()
        tl.expect(
            post(
                "#exec-alerts",
                "5 alerts at once: 5 critical",
                "<!here>",
                "#1 Churn above 4",
                "#5 Churn above 4.5",
            ),
            post("@cro", "5 alerts at once", excludes=SILENT),
            post("@head-of-cs", "5 alerts at once", excludes=SILENT),
            label="one message per destination",
        )
        message = tl.message("#exec-alerts")
        assert len([b for b in message.blocks if b["type"] == "actions"]) == 5
        tl.clicks += 1
        tl.emulator.click(
            user=tl.stack.user("cro"),
            channel=tl.channel_id("#exec-alerts"),
            ts=message.ts,
            action_id=ids.encode_action_id(ids.ALERT_ACK, discriminator="3"),
        )
        tl.expect(
            *notes(COPIES, "#3 Churn above 4.2", "Acknowledged by Rita Revenue"), label="ack one of five"
        )
        tl.advance(hours=1).record("churn_rate", 3.0).tick()
        tl.expect(
            *[
                reply(c, "#1 Churn above 4*: Resolved", "#5 Churn above 4.5*: Resolved", excludes=SILENT)
                for c in COPIES
            ],
            *[update(c, "5 alerts, all resolved", buttons=False) for c in COPIES],
            label="all resolved: one combined note and one edit per destination",
        )
