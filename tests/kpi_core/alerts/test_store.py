from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from kpi_core.alerts.outbox import Notification
from kpi_core.alerts.routing import RouteDecision
from kpi_core.alerts.store import IncidentStore
from kpi_core.storage.db import Database
from tests.kpi_core.alerts.test_lifecycle import RULE, result
from tests.kpi_core.alerts.test_notify import T0

HOUR = timedelta(hours=1)
ROUTE = RouteDecision(
    route="root.critical", destinations=("#kpi-alerts", "email:cro@datainsight.pro"), mentions=("@here",)
)


def _fire(store: IncidentStore, at: Any = T0) -> int:
    applied = store.apply_result(RULE, result("firing"), now=at)
    assert applied.incident is not None
    store.notify(applied.incident, [ROUTE], now=at)
    return applied.incident.id


def _together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same instant; return their results in order."""
    barrier = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            out[index] = call()
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return out


def test_lifecycle_through_the_store(db: Database) -> None:
    store = IncidentStore(db)
    incident_id = _fire(store)
    incident = store.get(incident_id)
    assert incident is not None and (incident.state, incident.version, incident.fired_at) == ("firing", 1, T0)
    assert [(o.reason, o.destination, o.kind, o.payload["mentions"]) for o in store.outbox()] == [
        ("fired", "#kpi-alerts", "post", ["@here"]),
        ("fired", "email:cro@datainsight.pro", "post", ["@here"]),
    ]
    again = store.apply_result(RULE, result("firing"), now=T0 + HOUR)  # same value: nothing to write
    assert again.event is None and again.incident is not None and again.incident.version == 1
    assert store.notify(again.incident, [ROUTE], now=T0 + HOUR) == 0
    recovered = store.apply_result(RULE, result("ok", 3.1, None), now=T0 + 2 * HOUR)
    assert recovered.event == "resolved" and recovered.enqueued == 2
    assert store.open_incidents() == []
    assert [(o.reason, o.kind, o.payload["mentions"]) for o in store.outbox()][2:] == [
        ("resolved", "thread", []),
        ("resolved", "thread", []),
    ]
    assert [e.kind for e in store.events(incident_id)] == ["fired", "resolved"]


def test_flapping_reopens_the_same_incident_within_the_cooldown(db: Database) -> None:
    store = IncidentStore(db)
    first = _fire(store)
    values = [("ok", 3.9), ("firing", 4.2), ("ok", 3.8), ("firing", 4.4)]
    for day, (state, value) in enumerate(values, start=1):
        store.apply_result(
            RULE, result(state, value, "critical" if state == "firing" else None), now=T0 + day * 24 * HOUR
        )
    (incident,) = store.open_incidents()
    assert (incident.id, incident.reopen_count, incident.state) == (first, 2, "firing")
    reasons = [o.reason for o in store.outbox(incident_id=first)]
    assert reasons == [
        "fired",
        "fired",
        "resolved",
        "resolved",
        "reopened",
        "reopened",
        "resolved",
        "resolved",
        "reopened",
        "reopened",
    ]
    store.apply_result(RULE, result("ok", 3.0, None), now=T0 + 5 * 24 * HOUR)
    later = store.apply_result(RULE, result("firing"), now=T0 + 9 * 24 * HOUR)  # past the 2-day cooldown
    assert later.incident is not None and later.incident.id != first and later.event == "fired"


def test_actions_compare_and_set(db: Database) -> None:
    store = IncidentStore(db)
    incident_id = _fire(store)
    acked = store.acknowledge(incident_id, by="U1", now=T0 + HOUR)
    assert acked.ok and acked.incident is not None and acked.incident.state == "acknowledged"
    twice = store.acknowledge(incident_id, by="U2", now=T0 + 2 * HOUR)
    assert (twice.ok, twice.message) == (False, "Already acknowledged by U1 at 11:00 UTC.")
    stale = store.snooze(incident_id, by="U2", now=T0 + 2 * HOUR, until=T0 + 5 * HOUR, expected_version=1)
    assert not stale.ok and stale.message.startswith("The alert changed since this message was shown")
    snoozed = store.snooze(incident_id, by="U2", now=T0 + 2 * HOUR, until_worse=True, expected_version=2)
    assert snoozed.ok and snoozed.incident is not None and snoozed.incident.snooze_value == 4.6
    done = store.resolve(incident_id, by="U3", now=T0 + 3 * HOUR, expected_state="snoozed")
    assert done.ok
    late = store.acknowledge(incident_id, by="U1", now=T0 + 4 * HOUR)
    assert late.message == "Already resolved by U3 at 13:00 UTC."
    assert store.acknowledge(999, by="U1", now=T0).message == "There is no alert #999."
    events = [(e.kind, e.actor) for e in store.events(incident_id)]
    assert events == [("fired", "kpibot"), ("acknowledged", "U1"), ("snoozed", "U2"), ("resolved", "U3")]
    threads = [(o.reason, o.payload["actor"]) for o in store.outbox() if o.kind == "thread"]
    assert threads == [("acknowledged", "U1")] * 2 + [("snoozed", "U2")] * 2 + [("resolved", "U3")] * 2


@pytest.mark.parametrize("attempt", range(3))
def test_two_people_acking_at_once(db: Database, attempt: int) -> None:
    store = IncidentStore(db)
    incident_id = _fire(store)
    first, second = _together(
        lambda: store.acknowledge(incident_id, by="UALICE", now=T0 + HOUR),
        lambda: store.acknowledge(incident_id, by="UBOB", now=T0 + HOUR),
    )
    assert sorted([first.ok, second.ok]) == [False, True]
    winner, loser = (first, second) if first.ok else (second, first)
    assert loser.message == f"Already acknowledged by {winner.incident.acked_by} at 11:00 UTC."
    assert [e.kind for e in store.events(incident_id)].count("acknowledged") == 1
    assert [o.reason for o in store.outbox()].count("acknowledged") == 2  # one per destination, once


@pytest.mark.parametrize("attempt", range(3))
def test_an_ack_racing_an_automatic_resolve(db: Database, attempt: int) -> None:
    store = IncidentStore(db)
    incident_id = _fire(store)
    ack, applied = _together(
        lambda: store.acknowledge(incident_id, by="UALICE", now=T0 + HOUR),
        lambda: store.apply_result(RULE, result("ok", 3.2, None), now=T0 + HOUR),
    )
    final = store.get(incident_id)
    assert final is not None and final.state == "resolved" and final.resolution == "auto"
    assert applied.event == "resolved"
    if not ack.ok:
        assert ack.message.startswith("Already resolved automatically at 11:00 UTC")
    kinds = [e.kind for e in store.events(incident_id)]
    assert kinds.count("resolved") == 1 and kinds.count("acknowledged") == int(ack.ok)


def _notification(
    incident_id: int, destination: str, reason: str = "fired", sequence: int = 1
) -> Notification:
    return Notification(
        incident_id, reason, sequence, destination, "root", "post", "critical", {"n": destination}
    )


def test_outbox_is_idempotent_even_under_concurrency(db: Database) -> None:
    store = IncidentStore(db)
    incident_id = _fire(store)
    batch = [_notification(incident_id, f"#c{i}") for i in range(5)]
    assert store.enqueue(batch, now=T0) == 5
    assert store.enqueue(batch, now=T0) == 0
    added = _together(*[lambda: store.enqueue([_notification(incident_id, "#race")], now=T0)] * 2)
    assert sorted(added) == [0, 1]
    assert len(store.outbox()) == 2 + 5 + 1


def test_two_workers_claim_disjoint_rows(db: Database) -> None:
    store = IncidentStore(db)
    incident_id = _fire(store)
    store.enqueue([_notification(incident_id, f"#c{i}") for i in range(40)], now=T0)
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    def drain(worker: str) -> None:
        while items := store.claim_due(now=T0, worker_id=worker, limit=3):
            claimed[worker] += [item.id for item in items]
            for item in items:
                assert store.mark_sent(item.id, worker_id=worker, now=T0, channel="C1", ts=f"{item.id}.0")

    _together(lambda: drain("a"), lambda: drain("b"))
    everything = claimed["a"] + claimed["b"]
    assert len(everything) == len(set(everything)) == 42
    assert {o.status for o in store.outbox()} == {"sent"}
    assert len(store.messages(incident_id)) == 42


def test_claiming_keeps_order_per_destination_and_leases_expire(db: Database) -> None:
    store = IncidentStore(db)
    incident_id = _fire(store)
    first, second = store.claim_due(now=T0, worker_id="a", limit=10)
    store.enqueue([_notification(incident_id, "#kpi-alerts", "resolved", 2)], now=T0)
    assert store.claim_due(now=T0, worker_id="b") == []  # the resolve waits for its post
    assert not store.mark_sent(first.id, worker_id="b", now=T0)  # not b's claim
    assert store.mark_retry(
        first.id, worker_id="a", now=T0, retry_after=timedelta(seconds=30), error="ratelimited"
    )
    assert store.claim_due(now=T0 + timedelta(seconds=29), worker_id="b") == []
    (retried,) = store.claim_due(now=T0 + timedelta(seconds=30), worker_id="b")
    assert (retried.id, retried.attempts, retried.last_error) == (first.id, 2, "ratelimited")
    assert store.mark_sent(retried.id, worker_id="b", now=T0 + timedelta(seconds=31))
    # worker a died holding `second`: after the lease it is due again for someone else; the resolve
    # for #kpi-alerts is due now that its post went out
    reclaimed, resolve = store.claim_due(now=T0 + timedelta(minutes=3), worker_id="c")
    assert (reclaimed.id, reclaimed.attempts) == (second.id, 2)
    assert (resolve.reason, resolve.destination) == ("resolved", "#kpi-alerts")
    assert not store.mark_sent(second.id, worker_id="a", now=T0)  # a's lost claim cannot record a send


def test_permanent_failures_go_to_the_fallback_channel(db: Database) -> None:
    store = IncidentStore(db)
    incident_id = _fire(store)
    channel_post, dm = store.claim_due(now=T0, worker_id="a")
    assert store.mark_failed(dm.id, worker_id="a", now=T0, error="users_not_found", fallback="#kpi-ops")
    assert store.mark_sent(channel_post.id, worker_id="a", now=T0, channel="C1", ts="1.0")
    (fallback,) = store.claim_due(now=T0, worker_id="a")
    assert (fallback.destination, fallback.reason, fallback.payload["fallback_for"]) == (
        "#kpi-ops",
        "fired",
        "email:cro@datainsight.pro",
    )
    assert fallback.payload["error"] == "users_not_found"
    assert [e.kind for e in store.events(incident_id)] == ["fired", "send_failed", "sent"]
    # later updates reach the fallback copy as well
    store.mark_sent(fallback.id, worker_id="a", now=T0, channel="C9", ts="9.0")
    store.apply_result(RULE, result("ok", 3.0, None), now=T0 + HOUR)
    destinations = {o.destination for o in store.outbox() if o.reason == "resolved"}
    assert destinations == {"#kpi-alerts", "email:cro@datainsight.pro", "#kpi-ops"}
