"""The run ledger on SQLite and PostgreSQL: claims, leases, resuming, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kpi_core.storage.db import Database
from scheduling.ledger import ClaimLostError, DigestLedger, PostProgress

T0 = datetime(2026, 11, 17, 8, tzinfo=UTC)


def test_a_period_is_claimed_once(db: Database) -> None:
    ledger = DigestLedger(db)
    first = ledger.claim_run("daily", "2026-11-16", now=T0, worker="a", scheduled_for=T0)
    assert first is not None and (first.attempt, first.resumed, first.posts) == (1, False, {})
    assert ledger.claim_run("daily", "2026-11-16", now=T0, worker="b") is None
    assert ledger.claim_run("daily", "2026-11-17", now=T0, worker="b") is not None  # another period
    assert ledger.claim_run("weekly", "2026-11-16", now=T0, worker="b") is not None  # another digest
    record = ledger.get("daily", "2026-11-16")
    assert record is not None
    assert (record.status, record.claimed_by, record.attempts, record.scheduled_for) == (
        "claimed",
        "a",
        1,
        T0,
    )
    assert record.lease_expires_at == T0 + timedelta(minutes=10)


def test_progress_is_recorded_per_destination_and_a_stuck_run_is_taken_over(db: Database) -> None:
    ledger = DigestLedger(db, lease=timedelta(minutes=10))
    claim = ledger.claim_run("daily", "2026-11-16", now=T0, worker="a")
    assert claim is not None
    ledger.record_post(claim, PostProgress("#a", "1.1"), now=T0)
    ledger.record_post(claim, PostProgress("#a", "1.1", thread_parts=2, done=True), now=T0)
    ledger.record_post(claim, PostProgress("#b", "2.2", thread_parts=1), now=T0 + timedelta(minutes=1))
    # The worker dies here. Before its lease runs out nobody else may take the run ...
    assert ledger.claim_run("daily", "2026-11-16", now=T0 + timedelta(minutes=10), worker="b") is None
    # ... after it, the run is taken over with what was posted.
    later = T0 + timedelta(minutes=11, seconds=1)
    resumed = ledger.claim_run("daily", "2026-11-16", now=later, worker="b")
    assert resumed is not None and (resumed.attempt, resumed.resumed) == (2, True)
    assert resumed.posts == {
        "#a": PostProgress("#a", "1.1", 2, True),
        "#b": PostProgress("#b", "2.2", 1, False),
    }
    # The old worker wakes up: everything it tries now fails, so it cannot post twice.
    with pytest.raises(ClaimLostError):
        ledger.heartbeat(claim, now=later)
    with pytest.raises(ClaimLostError):
        ledger.record_post(claim, PostProgress("#b", "2.2", 2), now=later)
    with pytest.raises(ClaimLostError):
        ledger.finish(claim, now=later)
    ledger.finish(resumed, now=later)
    record = ledger.get("daily", "2026-11-16")
    assert record is not None and (record.status, record.posted_at, record.claimed_by) == (
        "posted",
        later,
        "b",
    )
    assert ledger.claim_run("daily", "2026-11-16", now=later + timedelta(days=1), worker="c") is None


def test_heartbeats_keep_a_slow_run_from_being_taken_over(db: Database) -> None:
    ledger = DigestLedger(db, lease=timedelta(minutes=10))
    claim = ledger.claim_run("daily", "k", now=T0, worker="a")
    assert claim is not None
    ledger.heartbeat(claim, now=T0 + timedelta(minutes=9))
    assert ledger.claim_run("daily", "k", now=T0 + timedelta(minutes=15), worker="b") is None
    assert ledger.claim_run("daily", "k", now=T0 + timedelta(minutes=19, seconds=1), worker="b") is not None


def test_failed_runs_are_retried_after_a_delay_up_to_max_attempts(db: Database) -> None:
    ledger = DigestLedger(db, max_attempts=2, retry_delay=timedelta(minutes=5))
    claim = ledger.claim_run("daily", "k", now=T0, worker="a")
    assert claim is not None
    ledger.fail(claim, now=T0, error="slack 503")
    assert ledger.claim_run("daily", "k", now=T0 + timedelta(minutes=4), worker="b") is None
    retry = ledger.claim_run("daily", "k", now=T0 + timedelta(minutes=5), worker="b")
    assert retry is not None and retry.attempt == 2
    ledger.fail(retry, now=T0 + timedelta(minutes=5), error="slack 503 again")
    assert ledger.claim_run("daily", "k", now=T0 + timedelta(hours=1), worker="c") is None  # attempts used up
    record = ledger.get("daily", "k")
    assert record is not None and (record.status, record.error, record.attempts) == (
        "failed",
        "slack 503 again",
        2,
    )


def test_a_permanent_failure_is_not_retried(db: Database) -> None:
    ledger = DigestLedger(db)
    claim = ledger.claim_run("daily", "k", now=T0, worker="a")
    assert claim is not None
    ledger.fail(claim, now=T0, error="channel_not_found", retryable=False)
    assert ledger.claim_run("daily", "k", now=T0 + timedelta(hours=1), worker="b") is None


def test_force_takes_any_run_and_forgets_its_posts(db: Database) -> None:
    ledger = DigestLedger(db)
    claim = ledger.claim_run("daily", "k", now=T0, worker="a")
    assert claim is not None
    ledger.record_post(claim, PostProgress("#a", "1.1", done=True), now=T0)
    ledger.finish(claim, now=T0)
    forced = ledger.claim_run("daily", "k", now=T0, worker="cli", force=True)
    assert forced is not None and forced.posts == {} and forced.attempt == 2


def test_skips_are_recorded_once_and_last_posted_at_ignores_them(db: Database) -> None:
    ledger = DigestLedger(db)
    assert ledger.record_skip("daily", "2026-11-14", now=T0, scheduled_for=T0, reason="missed") is True
    assert ledger.record_skip("daily", "2026-11-14", now=T0, scheduled_for=T0, reason="missed") is False
    assert ledger.claim_run("daily", "2026-11-14", now=T0, worker="a") is None
    assert ledger.last_posted_at("daily") is None
    claim = ledger.claim_run("daily", "2026-11-15", now=T0, worker="a")
    assert claim is not None
    ledger.finish(claim, now=T0 + timedelta(seconds=3))
    assert ledger.last_posted_at("daily") == T0 + timedelta(seconds=3)
    assert ledger.last_posted_at("daily", excluding="2026-11-15") is None
    assert [(r.period_key, r.status) for r in ledger.runs(digest="daily")] == [
        ("2026-11-15", "posted"),
        ("2026-11-14", "skipped"),
    ]


def test_abandon_closes_only_a_stuck_run(db: Database) -> None:
    ledger = DigestLedger(db, lease=timedelta(minutes=10))
    claim = ledger.claim_run("daily", "k", now=T0, worker="a")
    assert claim is not None
    record = ledger.get("daily", "k")
    assert record is not None and not record.stuck(T0 + timedelta(minutes=5))
    assert ledger.abandon(record, now=T0 + timedelta(minutes=5), reason="too late") is False
    assert record.stuck(T0 + timedelta(minutes=10))
    assert ledger.abandon(record, now=T0 + timedelta(minutes=10), reason="too late") is True
    closed = ledger.get("daily", "k")
    assert closed is not None and (closed.status, closed.error) == ("failed", "too late")
    assert ledger.claim_run("daily", "k", now=T0 + timedelta(hours=1), worker="b") is None
