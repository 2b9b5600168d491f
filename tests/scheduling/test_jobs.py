"""The digest jobs with an injected clock, a fake poster and the real ledger: exactly one post per period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kpi_core.clock import ManualClock
from kpi_core.digests.periods import period_containing
from kpi_core.storage.db import Database
from scheduling.jobs import catch_up, fire_digest, run_digest
from scheduling.ledger import DigestLedger
from tests.kpi_core.digests.factories import make_digest
from tests.scheduling.fakes import Call, FakeBuilder, FakePoster, FakeSlackError, SimulatedCrash

FIRE = datetime(2026, 11, 17, 8, tzinfo=UTC)  # Tuesday 09:00 in Berlin
DAILY = make_digest("weekdays at 09:00", channels=("#kpi-daily", "#exec"))


def _run(ledger: DigestLedger, poster: FakePoster, now: datetime, **kwargs: object):  # type: ignore[no-untyped-def]
    return run_digest(
        DAILY, fire_time=FIRE, now=now, ledger=ledger, build=FakeBuilder(), post=poster, worker="w1", **kwargs
    )  # type: ignore[arg-type]


def test_the_job_firing_twice_posts_once(sqlite_db: Database) -> None:
    ledger, poster = DigestLedger(sqlite_db), FakePoster()
    first = _run(ledger, poster, FIRE)
    second = _run(ledger, poster, FIRE + timedelta(seconds=1))
    assert (first.outcome, first.posted, first.period_key) == (
        "posted",
        ("#kpi-daily", "#exec"),
        "2026-11-16",
    )
    assert (second.outcome, second.posted) == ("done_before", ())
    assert poster.messages() == [("#kpi-daily", "2026-11-16"), ("#exec", "2026-11-16")]


def test_a_restart_in_the_middle_of_a_run_posts_only_what_is_missing(db: Database) -> None:
    crashing = FakePoster(thread_parts=1, crash_after=2)  # message + thread in #kpi-daily, then dies
    with pytest.raises(SimulatedCrash):
        _run(DigestLedger(db), crashing, FIRE)
    assert crashing.calls == [
        Call("message", "#kpi-daily", "2026-11-16"),
        Call("thread", "#kpi-daily", "2026-11-16", 1),
    ]
    # The restarted process (a new ledger object, a new poster) within the lease: the run is still held.
    restarted, poster = DigestLedger(db), FakePoster(thread_parts=1)
    assert _run(restarted, poster, FIRE + timedelta(minutes=2)).outcome == "in_progress"
    assert poster.calls == []
    # After the lease: the run is taken over and only #exec is posted.
    result = _run(restarted, poster, FIRE + timedelta(minutes=11))
    assert (result.outcome, result.posted, result.already_posted) == ("posted", ("#exec",), ("#kpi-daily",))
    assert poster.calls == [Call("message", "#exec", "2026-11-16"), Call("thread", "#exec", "2026-11-16", 1)]
    record = restarted.get("daily", "2026-11-16")
    assert record is not None and record.status == "posted" and record.attempts == 2


def test_a_crash_inside_a_thread_resumes_with_the_next_thread_part(sqlite_db: Database) -> None:
    crashing = FakePoster(thread_parts=3, crash_after=2)  # message + 1 of 3 thread parts
    with pytest.raises(SimulatedCrash):
        _run(DigestLedger(sqlite_db), crashing, FIRE)
    poster = FakePoster(thread_parts=3)
    assert _run(DigestLedger(sqlite_db), poster, FIRE + timedelta(minutes=11)).outcome == "posted"
    assert poster.calls[:2] == [
        Call("thread", "#kpi-daily", "2026-11-16", 2),
        Call("thread", "#kpi-daily", "2026-11-16", 3),
    ]
    assert [c.kind for c in poster.calls[2:]] == ["message", "thread", "thread", "thread"]  # #exec, whole


def test_a_failing_channel_does_not_stop_the_others_and_is_retried(sqlite_db: Database) -> None:
    ledger = DigestLedger(sqlite_db, retry_delay=timedelta(minutes=5))
    poster = FakePoster(errors={"#kpi-daily": FakeSlackError("ratelimited", retryable=True)})
    failed = _run(ledger, poster, FIRE)
    assert (failed.outcome, failed.posted) == ("failed", ("#exec",))
    assert "#kpi-daily: ratelimited" in failed.detail
    assert _run(ledger, poster, FIRE + timedelta(minutes=1)).outcome == "failed"  # waiting for the retry
    retried = _run(ledger, poster, FIRE + timedelta(minutes=5))
    assert (retried.outcome, retried.posted, retried.already_posted) == (
        "posted",
        ("#kpi-daily",),
        ("#exec",),
    )
    assert poster.messages() == [("#exec", "2026-11-16"), ("#kpi-daily", "2026-11-16")]


def test_a_permanent_slack_error_is_recorded_and_not_retried(sqlite_db: Database) -> None:
    ledger = DigestLedger(sqlite_db)
    poster = FakePoster(errors={"#exec": FakeSlackError("channel_not_found", retryable=False)})
    assert _run(ledger, poster, FIRE).outcome == "failed"
    assert _run(ledger, poster, FIRE + timedelta(hours=1)).outcome == "failed"
    record = ledger.get("daily", "2026-11-16")
    assert record is not None and record.error == "#exec: channel_not_found" and record.attempts == 1
    assert poster.messages() == [("#kpi-daily", "2026-11-16")]


def test_a_build_error_is_recorded_as_a_failed_run(sqlite_db: Database) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("service down")

    ledger, poster = DigestLedger(sqlite_db), FakePoster()
    result = run_digest(DAILY, fire_time=FIRE, now=FIRE, ledger=ledger, build=broken, post=poster, worker="w")  # type: ignore[arg-type]
    assert (result.outcome, result.detail) == ("failed", "service down")
    record = ledger.get("daily", "2026-11-16")
    assert record is not None and record.status == "failed" and "service down" in (record.error or "")
    assert poster.calls == []


def test_skip_if_no_new_data(sqlite_db: Database) -> None:
    digest = make_digest("weekdays at 09:00", skip_if_no_new_data=True)
    ledger, poster, builder = DigestLedger(sqlite_db), FakePoster(), FakeBuilder()
    common = {"ledger": ledger, "build": builder, "post": poster, "worker": "w"}
    first = run_digest(digest, fire_time=FIRE, now=FIRE, **common)  # type: ignore[arg-type]
    assert first.outcome == "posted"  # no previous run: everything is new
    nxt = FIRE + timedelta(days=1)
    second = run_digest(digest, fire_time=nxt, now=nxt, **common)  # type: ignore[arg-type]
    assert (second.outcome, second.detail) == ("skipped", "no new data")  # the fake has no recorded KPIs
    assert builder.calls[1] == ("daily", "2026-11-17", FIRE, False)  # compared with the last post
    assert poster.messages() == [("#kpi-daily", "2026-11-16")]
    forced = run_digest(digest, fire_time=nxt, now=nxt, force=True, **common)  # type: ignore[arg-type]
    assert forced.outcome == "posted"


def test_catch_up_within_the_grace_posts_once_marked_late(sqlite_db: Database) -> None:
    clock = ManualClock(FIRE + timedelta(hours=2))  # the bot was down from 08:30 to 11:00 Berlin time
    ledger, poster = DigestLedger(sqlite_db), FakePoster()
    results = catch_up([DAILY], ledger, now=clock.now(), build=FakeBuilder(), post=poster, worker="w")
    assert [(r.outcome, r.period_key, r.late) for r in results] == [("posted", "2026-11-16", True)]
    assert [c.late for c in poster.calls] == [True, True]
    record = ledger.get("daily", "2026-11-16")
    assert record is not None and record.late and record.scheduled_for == FIRE
    clock.advance(minutes=5)  # the periodic catch-up runs again: nothing more
    again = catch_up([DAILY], ledger, now=clock.now(), build=FakeBuilder(), post=poster, worker="w")
    assert [r.outcome for r in again] == ["done_before"]
    assert len(poster.calls) == 2


def test_catch_up_beyond_the_grace_records_a_skip_and_does_not_post(sqlite_db: Database) -> None:
    now = FIRE + timedelta(hours=6, minutes=1)
    ledger, poster = DigestLedger(sqlite_db), FakePoster()
    [result] = catch_up([DAILY], ledger, now=now, build=FakeBuilder(), post=poster, worker="w")
    assert (result.outcome, result.period_key) == ("skipped", "2026-11-16")
    assert poster.calls == []
    record = ledger.get("daily", "2026-11-16")
    assert record is not None and record.status == "skipped"
    assert record.error == "missed beyond the grace: 6h01m after 2026-11-17 08:00 UTC (grace 6h00m)"
    # A digest with a longer grace, or a grace given for the catch-up, still posts.
    longer = make_digest("weekdays at 09:00", name="longer", grace="12h")
    [late] = catch_up([longer], ledger, now=now, build=FakeBuilder(), post=poster, worker="w")
    assert late.outcome == "posted" and late.late


def test_a_stuck_run_is_resumed_within_the_grace_and_abandoned_beyond_it(sqlite_db: Database) -> None:
    with pytest.raises(SimulatedCrash):
        _run(DigestLedger(sqlite_db), FakePoster(crash_after=1), FIRE)
    ledger, poster = DigestLedger(sqlite_db), FakePoster()
    inside = fire_digest(
        DAILY, now=FIRE + timedelta(minutes=30), ledger=ledger, build=FakeBuilder(), post=poster, worker="w"
    )
    assert inside is not None and (inside.outcome, inside.posted) == ("posted", ("#exec",))
    # Another day: a run stuck until after the grace is closed as failed, never posted stale.
    tomorrow = FIRE + timedelta(days=1)
    with pytest.raises(SimulatedCrash):
        run_digest(
            DAILY,
            fire_time=tomorrow,
            now=tomorrow,
            ledger=ledger,
            build=FakeBuilder(),
            post=FakePoster(crash_after=1),
            worker="w",
        )
    beyond = fire_digest(
        DAILY, now=tomorrow + timedelta(hours=7), ledger=ledger, build=FakeBuilder(), post=poster, worker="w"
    )
    assert beyond is not None and beyond.outcome == "failed"
    record = ledger.get("daily", "2026-11-17")
    assert record is not None and record.status == "failed" and "stuck run abandoned" in (record.error or "")
    assert poster.messages() == [("#exec", "2026-11-16")]


def test_a_fire_time_long_ago_is_recorded_as_skipped(sqlite_db: Database) -> None:
    yearly = make_digest("0 9 1 1 *", name="yearly")
    result = fire_digest(
        yearly,
        now=datetime(2026, 1, 1, 7, tzinfo=UTC),
        ledger=DigestLedger(sqlite_db),
        build=FakeBuilder(),
        post=FakePoster(),
        worker="w",
    )
    # 09:00 Berlin on 1 Jan 2026 is still ahead; the fire before was a year ago (a monthly period).
    assert result is not None and (result.outcome, result.period_key) == ("skipped", "2024-12")
    assert result.fire_time == datetime(2025, 1, 1, 8, tzinfo=UTC)


def test_an_explicit_period_is_posted_once_and_forced_again(sqlite_db: Database) -> None:
    """`kpibot digest send --date D [--force]`: the ledger is respected unless forced."""
    ledger, poster = DigestLedger(sqlite_db), FakePoster()
    later = FIRE + timedelta(days=3)
    period = period_containing(DAILY, date(2026, 11, 11), scheduled_for=later)
    common = {
        "fire_time": later,
        "now": later,
        "ledger": ledger,
        "build": FakeBuilder(),
        "post": poster,
        "worker": "cli",
    }
    assert run_digest(DAILY, period=period, **common).outcome == "posted"  # type: ignore[arg-type]
    assert run_digest(DAILY, period=period, **common).outcome == "done_before"  # type: ignore[arg-type]
    assert run_digest(DAILY, period=period, force=True, **common).outcome == "posted"  # type: ignore[arg-type]
    assert poster.messages() == [("#kpi-daily", "2026-11-11"), ("#exec", "2026-11-11")] * 2
