"""DigestJobs.send_now (`kpibot digest send`, the demo button): the latest period now, via the ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kpi_core.clock import ManualClock
from kpi_core.storage.db import Database
from scheduling.ledger import DigestLedger
from scheduling.scheduler import DigestJobs
from tests.kpi_core.digests.factories import make_digest
from tests.scheduling.fakes import FakeBuilder, FakePoster

DAILY = make_digest("weekdays at 09:00", channels=("#kpi-daily",))
MONDAY_EARLY = datetime(2026, 11, 23, 6, tzinfo=UTC)  # 07:00 in Berlin, before Monday's run


def _jobs(db: Database, clock: ManualClock, poster: FakePoster) -> DigestJobs:
    return DigestJobs(ledger=DigestLedger(db), build=FakeBuilder(), post=poster, worker="w1", clock=clock)


def test_send_now_posts_the_latest_scheduled_period_once_unless_forced(sqlite_db: Database) -> None:
    clock, poster = ManualClock(MONDAY_EARLY), FakePoster()
    jobs = _jobs(sqlite_db, clock, poster)
    # the latest run was Friday 09:00, which reported Thursday 19 Nov
    first = jobs.send_now(DAILY)
    assert (first.outcome, first.period_key, first.posted, first.late) == (
        "posted",
        "2026-11-19",
        ("#kpi-daily",),
        False,
    )
    clock.advance(minutes=5)
    assert jobs.send_now(DAILY).outcome == "done_before"
    assert poster.messages() == [("#kpi-daily", "2026-11-19")]
    forced = jobs.send_now(DAILY, force=True)
    assert forced.outcome == "posted"
    assert poster.messages() == [("#kpi-daily", "2026-11-19")] * 2
    # the scheduled run for the same period later finds it in the ledger
    clock.set(datetime(2026, 11, 20, 8, tzinfo=UTC))
    assert jobs.fire(DAILY).outcome == "done_before"  # type: ignore[union-attr]


def test_send_now_with_a_day_reports_the_period_containing_it(sqlite_db: Database) -> None:
    clock, poster = ManualClock(MONDAY_EARLY), FakePoster()
    weekly = make_digest("weekly on monday at 09:00", name="weekly", channels=("#kpi-weekly",))
    jobs = _jobs(sqlite_db, clock, poster)
    result = jobs.send_now(weekly, day=date(2026, 11, 11))
    assert (result.outcome, result.period_key) == ("posted", "2026-W46")
    record = jobs.ledger.get("weekly", "2026-W46")
    assert record is not None and record.status == "posted"
    assert jobs.send_now(DAILY, day=date(2026, 11, 11) + timedelta(days=1)).period_key == "2026-11-12"
