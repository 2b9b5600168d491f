"""The scheduler wiring over a real Runtime (config files, database, KpiService), two replicas racing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import create_engine, text

from kpi_core.clock import ManualClock
from kpi_core.digests.content import HeadlineSection
from kpi_core.digests.periods import digest_period
from kpi_core.runtime import Runtime
from kpi_core.settings import Settings
from kpi_core.storage.observations import ObservationStore
from scheduling.ledger import DigestLedger
from scheduling.scheduler import DigestJobs, build_scheduler, make_builder, schedule_listing
from tests.scheduling.fakes import FakePoster

FIRE = datetime(2026, 11, 17, 8, tzinfo=UTC)  # Tuesday 09:00 Berlin
KPIS = {
    "dau": {"name": "Daily active users", "category": "growth", "grain": "daily"},
    "mrr": {"name": "MRR", "category": "revenue", "unit": "USD", "grain": "monthly"},
    "tickets": {
        "name": "Support tickets",
        "category": "support",
        "grain": "daily",
        "direction": "lower",
        "source": {"sql": "SELECT day, n FROM tickets ORDER BY day", "database": "warehouse"},
    },
}
DIGESTS = {
    "timezone": "Europe/Berlin",
    "digests": {
        "daily": {
            "schedule": "weekdays at 09:00",
            "channels": ["#kpi-daily", "#exec"],
            "sections": [{"headline": ["dau", "mrr", "tickets"]}],
        },
        "weekly": {
            "schedule": "0 9 * * 1",
            "timezone": "America/New_York",
            "channel": "#kpi-weekly",
            "sections": [{"table": "all"}],
        },
        "paused": {"schedule": "daily at 07:00", "channel": "#x", "enabled": False, "sections": ["movers"]},
    },
}


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    warehouse = tmp_path / "warehouse.db"
    engine = create_engine(f"sqlite:///{warehouse}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE tickets (day TEXT, n INTEGER)"))
        connection.execute(text("INSERT INTO tickets VALUES ('2026-11-16', 42)"))
    engine.dispose()
    directory = tmp_path / "config"
    directory.mkdir()
    catalog = {"databases": {"warehouse": f"sqlite:///{warehouse}"}, "kpis": KPIS}
    (directory / "kpis.yml").write_text(json.dumps(catalog))  # JSON is YAML
    (directory / "digests.yml").write_text(json.dumps(DIGESTS))
    return directory


def _runtime(config_dir: Path, db_url: str, clock: ManualClock) -> Runtime:
    settings = Settings(DATABASE_URL=db_url, KPIBOT_CONFIG=config_dir, KPIBOT_TIMEZONE="Europe/Berlin")
    return Runtime.create(settings, clock=clock)


@pytest.fixture
def runtime(config_dir: Path, tmp_path: Path) -> Iterator[Runtime]:
    created = _runtime(config_dir, f"sqlite:///{tmp_path / 'kpibot.db'}", ManualClock(FIRE))
    yield created
    created.close()


def test_one_memory_job_store_per_scheduler_and_a_job_per_digest(runtime: Runtime) -> None:
    scheduler = build_scheduler(runtime, post_digest=FakePoster())
    assert isinstance(scheduler, BackgroundScheduler)
    assert isinstance(scheduler._jobstores["default"], MemoryJobStore)  # never a shared store
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"digest:daily", "digest:weekly", "refresh:daily", "digests:catch-up"}
    daily = jobs["digest:daily"]
    assert isinstance(daily.trigger, CronTrigger) and str(daily.trigger.timezone) == "Europe/Berlin"
    assert (
        str(daily.trigger)
        == "cron[month='*', day='*', day_of_week='mon,tue,wed,thu,fri', hour='9', minute='0']"
    )
    assert str(jobs["digest:weekly"].trigger.timezone) == "America/New_York"
    assert (daily.misfire_grace_time, daily.coalesce, daily.max_instances) == (None, True, 1)


def test_the_digest_job_builds_from_the_service_and_posts_once(runtime: Runtime) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    store = ObservationStore(runtime.db, grains={"dau": "daily", "mrr": "monthly"})
    store.record_many(
        [
            ("dau", date(2026, 11, 16), 950.0),
            ("dau", date(2026, 11, 15), 940.0),
            ("mrr", date(2026, 11, 1), 18000.0),
        ],
        source="push",
        now=FIRE - timedelta(hours=6),
    )
    poster = FakePoster()
    scheduler = build_scheduler(runtime, post_digest=poster, clock=clock)
    job = scheduler.get_job("digest:daily")
    for _ in range(2):  # the job fires twice
        job.func(*job.args, **job.kwargs)
    assert poster.messages() == [("#kpi-daily", "2026-11-16"), ("#exec", "2026-11-16")]
    catch_up = scheduler.get_job("digests:catch-up")
    results = catch_up.func(*catch_up.args)
    assert {(r.digest, r.outcome) for r in results} == {("daily", "done_before"), ("weekly", "skipped")}


def test_make_builder_reads_real_snapshots(runtime: Runtime) -> None:
    ObservationStore(runtime.db, grains={"dau": "daily"}).record(
        "dau", date(2026, 11, 16), 950.0, source="push", now=FIRE
    )
    build = make_builder(service=runtime.service, config=runtime.config, clock=runtime.clock)
    digest = runtime.config.digests.digest("daily")
    content = build(digest, digest_period(digest, FIRE), previous_run_at=None, late=False)
    headline = content.sections[0]
    assert isinstance(headline, HeadlineSection)
    assert [(line.key, line.value, line.note) for line in headline.items] == [
        ("dau", 950.0, None),
        ("mrr", None, "no data"),
        ("tickets", None, "no data"),
    ]


def test_schedule_listing_in_each_jobs_own_timezone(runtime: Runtime) -> None:
    listing = schedule_listing(runtime.config, now=FIRE + timedelta(minutes=1), timezone="Europe/Berlin")
    rows = [(job.name, job.next_run.isoformat() if job.next_run else None) for job in listing]
    assert rows == [
        ("refresh:daily", "2026-11-18T00:30:00+01:00"),
        ("digest:daily", "2026-11-18T09:00:00+01:00"),
        ("digest:weekly", "2026-11-23T09:00:00-05:00"),
        ("digest:paused", None),
    ]
    assert listing[-1].enabled is False


def test_two_replicas_against_one_database_post_each_period_once(config_dir: Path, db_url: str) -> None:
    """Two schedulers (separate processes in production: separate engines and job stores here) and the job
    firing twice in each: every period is posted exactly once."""
    clock = ManualClock(FIRE)
    replicas = [_runtime(config_dir, db_url, clock) for _ in range(2)]
    poster = FakePoster(thread_parts=1)
    schedulers = [build_scheduler(r, post_digest=poster, clock=clock, refresh=False) for r in replicas]
    jobs = [s.get_job("digest:daily") for s in schedulers for _ in range(2)]
    fires = [FIRE + timedelta(days=d) for d in (0, 1, 2, 3)]  # Tue..Fri
    for fire in fires:
        clock.set(fire)
        barrier = threading.Barrier(len(jobs))
        errors: list[BaseException] = []

        def fire_job(job=None, barrier=barrier, errors=errors) -> None:  # type: ignore[no-untyped-def]
            barrier.wait()
            try:
                job.func(*job.args)
            except BaseException as error:  # surfaced below
                errors.append(error)

        threads = [threading.Thread(target=fire_job, kwargs={"job": job}) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
    expected = [
        (channel, (fire - timedelta(days=1)).date().isoformat())
        for fire in fires
        for channel in ("#kpi-daily", "#exec")
    ]
    assert sorted(poster.messages()) == sorted(expected)
    assert len(poster.calls) == 2 * len(expected)  # and one thread part each
    ledger = DigestLedger(replicas[0].db)
    assert [r.status for r in ledger.runs(digest="daily")] == ["posted"] * 4
    for replica in replicas:
        replica.close()


def test_a_started_scheduler_runs_the_catch_up_at_once(runtime: Runtime) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.set(FIRE + timedelta(hours=1))  # started an hour after the daily digest was due
    poster = FakePoster()
    scheduler = build_scheduler(runtime, post_digest=poster, clock=clock, refresh=False)
    done = threading.Event()
    outcome: list[JobExecutionEvent] = []

    def listen(event: JobExecutionEvent) -> None:
        if event.job_id == "digests:catch-up":
            outcome.append(event)
            done.set()

    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    try:
        assert done.wait(timeout=30), "the catch-up job did not run at start"
    finally:
        scheduler.shutdown(wait=True)
    assert outcome[0].exception is None
    assert [(c.channel, c.period_key, c.late) for c in poster.calls] == [
        ("#kpi-daily", "2026-11-16", True),
        ("#exec", "2026-11-16", True),
    ]


def test_digest_jobs_can_be_driven_by_hand(runtime: Runtime) -> None:
    """What the demo's "advance clock" does: fire every digest that is due at the manual clock's time."""
    clock = ManualClock(FIRE)
    poster = FakePoster()
    build = make_builder(service=runtime.service, config=runtime.config, clock=clock)
    jobs = DigestJobs(ledger=DigestLedger(runtime.db), build=build, post=poster, worker="demo", clock=clock)
    digests = runtime.config.digests.enabled()
    assert [r.outcome for r in jobs.catch_up(digests)] == ["posted", "skipped"]
    clock.advance(days=6)  # Monday 23 Nov, 09:00 Berlin: daily again; weekly (New York) not yet
    # (the weekly's last fire is still last Monday's, already recorded as missed)
    assert [(r.digest, r.outcome) for r in jobs.catch_up(digests)] == [
        ("daily", "posted"),
        ("weekly", "done_before"),
    ]
    clock.advance(hours=6)  # 09:00 in New York
    assert [(r.digest, r.outcome, r.period_key) for r in jobs.catch_up(digests)] == [
        ("daily", "done_before", "2026-11-22"),
        ("weekly", "posted", "2026-W47"),
    ]
