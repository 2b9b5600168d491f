"""SlackAlertJobs: actions under contention, snoozes, the digest's open alerts, the dashboard lines."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.bot.alerts.conftest import Worker
from tests.bot.alerts.harness import ROUTE, RULE, SILENT, post, reply, update

COPIES = ("#exec-alerts", "@cro", "@head-of-cs")


def fired(w: Worker, value: float = 4.6) -> int:
    w.record("churn_rate", value).jobs.tick(w.clock.now())
    w.watch.take()
    [incident] = w.jobs.store.open_incidents()
    return incident.id


def test_many_people_acknowledging_at_once_yields_one_ack(worker: Worker) -> None:
    w = worker
    incident_id = fired(w)
    people = [w.emulator.user(name).id for name in ("cro", "head-of-cs", "ceo", "cfo")] * 3
    barrier = threading.Barrier(len(people))
    results: list[Any] = []

    def click(user: str) -> None:
        barrier.wait()
        results.append(w.jobs.act("acknowledge", incident_id, user=user, expected_version=1))

    threads = [threading.Thread(target=click, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [r for r in results if r.ok]
    assert len(winners) == 1
    name = w.jobs.names.name(winners[0].incident.acked_by)
    assert all(r.text.startswith(f"Already acknowledged by {name} at 14:00 UTC") for r in results if not r.ok)
    events = [e.kind for e in w.jobs.store.events(incident_id)]
    assert events.count("acknowledged") == 1
    w.watch.expect(
        *[reply(c, f"Acknowledged by {name}", excludes=SILENT) for c in COPIES], *map(update, COPIES)
    )


def test_an_outdated_message_is_refused(worker: Worker) -> None:
    w = worker
    incident_id = fired(w)
    cro = w.emulator.user("cro").id
    assert w.jobs.act("snooze", incident_id, user=cro, snooze="1h").ok  # version 2 now
    stale = w.jobs.act("resolve", incident_id, user=cro, expected_version=1)
    assert not stale.ok and "changed since this message was shown (now snoozed, critical)" in stale.text
    assert w.jobs.act("resolve", incident_id, user=cro, expected_version=2).ok


def test_unknown_alert(worker: Worker) -> None:
    result = worker.jobs.act("acknowledge", 999, user=worker.emulator.user("cro").id)
    assert not result.ok and result.text.startswith("There is no alert #999.")


@pytest.mark.parametrize(
    ("choice", "user", "until", "worse"),
    [
        ("1h", "cro", datetime(2026, 11, 20, 15, tzinfo=UTC), False),
        ("24h", "cro", datetime(2026, 11, 21, 14, tzinfo=UTC), False),
        ("tomorrow", "cro", datetime(2026, 11, 21, 9, tzinfo=UTC), False),  # cro's timezone is UTC
        ("tomorrow", "ceo", datetime(2026, 11, 21, 14, tzinfo=UTC), False),  # 09:00 in New York
        ("worse", "cro", None, True),
    ],
)
def test_snooze_choices(worker: Worker, choice: str, user: str, until: datetime | None, worse: bool) -> None:
    got, until_worse = worker.jobs.snooze_until(
        choice, user=worker.emulator.user(user).id, now=worker.clock.now()
    )
    assert (got, until_worse) == (until, worse)
    with pytest.raises(ValueError, match="unknown snooze choice"):
        worker.jobs.snooze_until("forever", user=worker.emulator.user(user).id, now=worker.clock.now())


def test_snoozed_until_worse_comes_back_loudly_when_it_gets_worse(worker: Worker) -> None:
    w = worker
    incident_id = fired(w)
    result = w.jobs.act("snooze", incident_id, user=w.emulator.user("head-of-cs").id, snooze="worse")
    assert result.ok and result.text.endswith(": snoozed by sam success until it gets worse.")
    w.watch.expect(
        *[reply(c, "Snoozed by Sam Success until it gets worse") for c in COPIES], *map(update, COPIES)
    )
    w.clock.advance(hours=1)
    w.record("churn_rate", 4.5).jobs.tick(w.clock.now())  # better: still snoozed
    w.watch.expect()
    w.clock.advance(hours=1)
    w.record("churn_rate", 5.2).jobs.tick(w.clock.now())
    w.watch.expect(
        reply("#exec-alerts", "Snooze over", "<!here>"),
        reply("@cro", "Snooze over", excludes=SILENT),
        reply("@head-of-cs", "Snooze over", excludes=SILENT),
        *[update(c, "Firing since") for c in COPIES],
        post("@ceo", "Escalated to you"),  # snoozing is not acknowledging: 2 hours without an ack
    )


def test_open_alerts_for_digests_and_the_dashboard(make_worker: Any) -> None:
    info = {
        "name": "Customer Milestone",
        "condition": "uptime reaches milestone",
        "threshold": "Every 50 customers",
    }
    routes = [ROUTE, {"match": {"severity": "info"}, "digest_only": True}]
    w: Worker = make_worker(rules=[RULE, {**info, "severity": "info"}], routing={"routes": routes})
    w.record("uptime", 40)
    w.clock.advance(days=1)
    w.record("uptime", 60).record("churn_rate", 4.6)
    tick = w.jobs.tick(w.clock.now())
    assert tick.queued_for_digest == 1
    w.watch.expect(*[post(c, "Churn Rate Spike") for c in COPIES])  # the milestone waits for the digest
    w.clock.advance(days=1)
    w.record("uptime", 61).jobs.tick(w.clock.now())  # the announcement is over, but the digest shows it
    alerts = w.jobs.open_alerts()(w.clock.now())
    assert [(a.severity, a.title, a.kpi) for a in alerts] == [
        ("critical", "Churn Rate Spike", "churn_rate"),
        ("info", "Customer Milestone", "uptime"),
    ]
    assert alerts[1].since == datetime(2026, 11, 21, 14, tzinfo=UTC)
    assert w.jobs.open_alerts()(w.clock.now() + timedelta(days=8))[1:] == []  # a week later: gone
    assert w.jobs.open_alert_lines() == ["🔴 *Churn Rate Spike*: Churn Rate is 4.6% (&gt; 4%)"]


def test_resolved_by_hand_then_reopened_while_the_condition_holds(worker: Worker) -> None:
    w = worker
    incident_id = fired(w)
    result = w.jobs.act("resolve", incident_id, user=w.emulator.user("cro").id, expected_version=1)
    assert result.ok and result.text == "Resolved alert #1 (Churn Rate Spike)."
    w.watch.expect(
        *[reply(c, "Resolved by Rita Revenue at 20 Nov 14:00 UTC", excludes=SILENT) for c in COPIES],
        *[update(c, "Resolved by Rita Revenue", buttons=False) for c in COPIES],
    )
    w.clock.advance(minutes=5)
    w.jobs.tick(w.clock.now())  # still above 4%: the next check re-opens the same incident
    w.watch.expect(
        *[reply(c, "Fired again", excludes=SILENT) for c in COPIES],
        *[update(c, "Firing since 20 Nov 14:05 UTC", buttons=True) for c in COPIES],
    )
    assert [i.id for i in w.jobs.store.open_incidents()] == [incident_id]
