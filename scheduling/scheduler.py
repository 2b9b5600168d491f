"""The APScheduler 3.11 wiring for `kpibot serve`: one in-memory scheduler per process.

Every replica runs its own `BackgroundScheduler` with a `MemoryJobStore`; a job store is never shared.
Exactly-once comes from the ledger (scheduling/ledger.py): every replica fires every digest, one claims it.
APScheduler's own misfire handling is switched off (`misfire_grace_time=None`, `coalesce=True`): a late
job always runs, once, and `fire_digest` decides with the digest's grace whether to post or skip.

>>> scheduler = build_scheduler(runtime, post_digest=poster)   # doctest: +SKIP
>>> scheduler.start()                                           # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from kpi_core.clock import Clock
from kpi_core.cohorts.service import cohort_table_as_of
from kpi_core.config.loader import AppConfig
from kpi_core.config.models import Grain, KpiDefinition, SqlSource
from kpi_core.digests.collect import SnapshotSource, collect_digest
from kpi_core.digests.config import DigestDefinition
from kpi_core.digests.content import Digest, OpenAlert
from kpi_core.digests.periods import DigestPeriod, period_containing
from kpi_core.runtime import Runtime
from scheduling.jobs import (
    DigestBuilder,
    DigestPoster,
    RunResult,
    catch_up,
    fire_digest,
    refresh_kpis,
    run_digest,
)
from scheduling.ledger import DigestLedger
from scheduling.triggers import digest_trigger, next_fire_time, previous_fire_time, refresh_trigger

logger = logging.getLogger(__name__)
CATCH_UP_EVERY = timedelta(minutes=5)  # also releases runs whose worker died (their lease ran out)
OpenAlerts = Callable[[datetime], Sequence[OpenAlert]]
# Given to every job (not only as scheduler defaults, which APScheduler applies only once it starts).
JOB_OPTIONS: dict[str, object] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


@dataclass(frozen=True)
class ScheduledJob:
    """One line of `kpibot schedule`: a job and its next run, in the job's own timezone."""

    name: str  # "digest:daily", "refresh:daily"
    kind: str  # "digest" | "refresh"
    schedule: str  # "weekdays at 09:00", "daily at 00:30"
    timezone: str
    next_run: datetime | None  # aware, in `timezone`; None when disabled
    enabled: bool = True


def make_builder(
    *, service: SnapshotSource, config: AppConfig, clock: Clock, open_alerts: OpenAlerts | None = None
) -> DigestBuilder:
    """The `build` collaborator of the digest jobs: snapshots from the service, alerts from a provider."""

    def build(
        digest: DigestDefinition, period: DigestPeriod, *, previous_run_at: datetime | None, late: bool
    ) -> Digest:
        now = clock.now()
        return collect_digest(
            digest,
            period,
            service=service,
            catalog=config.catalog,
            now=now,
            open_alerts=open_alerts(now) if open_alerts else (),
            previous_run_at=previous_run_at,
            late=late,
            cohorts=partial(cohort_table_as_of, config),
        )

    return build


def worker_id() -> str:
    """Who holds a claim: host, process and a random suffix (two schedulers in one process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def build_scheduler(
    runtime: Runtime,
    *,
    post_digest: DigestPoster,
    clock: Clock | None = None,
    open_alerts: OpenAlerts | None = None,
    ledger: DigestLedger | None = None,
    worker: str | None = None,
    refresh: bool = True,
) -> BackgroundScheduler:
    """A not-yet-started scheduler with a cron job per enabled digest (in its timezone), refresh jobs for
    `sql` KPIs at their grain (00:30 in the bot's timezone), and a catch-up job that runs at start and
    every five minutes (missed digests within their grace, resuming runs whose worker died).
    """
    clock = clock or runtime.clock
    ledger = ledger or DigestLedger(runtime.db)
    worker = worker or worker_id()
    build = make_builder(service=runtime.service, config=runtime.config, clock=clock, open_alerts=open_alerts)
    jobs = DigestJobs(ledger=ledger, build=build, post=post_digest, worker=worker, clock=clock)
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults=JOB_OPTIONS,
        timezone=UTC,
    )
    for digest in runtime.config.digests.enabled():
        scheduler.add_job(
            jobs.fire,
            args=[digest],
            trigger=digest_trigger(digest),
            id=f"digest:{digest.name}",
            name=f"digest:{digest.name}",
            **JOB_OPTIONS,
        )
    if refresh:
        for grain, keys in sql_keys_by_grain(runtime.config.kpis).items():
            scheduler.add_job(
                partial(_refresh_job, runtime, keys=keys, clock=clock),
                trigger=refresh_trigger(grain, timezone=runtime.settings.timezone),
                id=f"refresh:{grain}",
                name=f"refresh:{grain}",
                **JOB_OPTIONS,
            )
    scheduler.add_job(
        jobs.catch_up,
        args=[runtime.config.digests.enabled()],
        trigger=IntervalTrigger(seconds=CATCH_UP_EVERY.total_seconds(), timezone=UTC),
        id="digests:catch-up",
        name="digests:catch-up",
        next_run_time=datetime.now(UTC),  # at start: the wall clock, because APScheduler runs on it
        **JOB_OPTIONS,
    )
    return scheduler


def sql_keys_by_grain(kpis: dict[str, KpiDefinition]) -> dict[Grain, list[str]]:
    """The `sql` KPIs, grouped by grain: one refresh job per grain."""
    grouped: dict[Grain, list[str]] = {}
    for key, kpi in kpis.items():
        if isinstance(kpi.source, SqlSource):
            grouped.setdefault(kpi.grain, []).append(key)
    return grouped


def schedule_listing(config: AppConfig, *, now: datetime, timezone: str = "UTC") -> list[ScheduledJob]:
    """Every job `kpibot serve` would run, with its next run time in its own timezone, soonest first.

    `timezone` is the bot's default (KPIBOT_TIMEZONE), used by the refresh jobs.
    """
    jobs: list[ScheduledJob] = []
    for digest in config.digests.digests.values():
        upcoming = next_fire_time(digest_trigger(digest), now) if digest.enabled else None
        local = upcoming.astimezone(ZoneInfo(digest.timezone)) if upcoming else None
        jobs.append(
            ScheduledJob(
                f"digest:{digest.name}", "digest", digest.schedule, digest.timezone, local, digest.enabled
            )
        )
    for grain, keys in sql_keys_by_grain(config.kpis).items():
        upcoming = next_fire_time(refresh_trigger(grain, timezone=timezone), now)
        local = upcoming.astimezone(ZoneInfo(timezone)) if upcoming else None
        text = {
            "daily": "daily",
            "weekly": "mondays",
            "monthly": "monthly on 1",
            "quarterly": "quarterly on 1",
        }
        jobs.append(
            ScheduledJob(
                f"refresh:{grain}", "refresh", f"{text[grain]} at 00:30 ({len(keys)} KPIs)", timezone, local
            )
        )
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(jobs, key=lambda job: (job.next_run or far, job.name))


@dataclass(frozen=True)
class DigestJobs:
    """The digest jobs with their collaborators bound: what the scheduler calls (and tests can too)."""

    ledger: DigestLedger
    build: DigestBuilder
    post: DigestPoster
    worker: str
    clock: Clock

    def fire(self, digest: DigestDefinition) -> RunResult | None:
        """The cron job of one digest."""
        now = self.clock.now()
        result = fire_digest(
            digest,
            now=now,
            ledger=self.ledger,
            build=self.build,
            post=self.post,
            worker=self.worker,
            clock=self.clock.now,
        )
        if result is not None:
            logger.info("digest %s %s: %s %s", digest.name, result.period_key, result.outcome, result.detail)
        return result

    def send_now(
        self, digest: DigestDefinition, *, force: bool = False, day: date | None = None
    ) -> RunResult:
        """Post `digest` now for its most recent period (`kpibot digest send`, the demo's button).

        The most recent period is the one its latest scheduled run reports (or the period containing
        `day`). Through the ledger: a period already posted is not posted again unless `force`.
        """
        now = self.clock.now()
        fire_time = previous_fire_time(digest_trigger(digest), now) or now
        period = period_containing(digest, day, scheduled_for=now) if day is not None else None
        result = run_digest(
            digest,
            fire_time=fire_time if period is None else now,
            now=now,
            ledger=self.ledger,
            build=self.build,
            post=self.post,
            worker=self.worker,
            force=force,
            clock=self.clock.now,
            period=period,
        )
        logger.info("send %s %s: %s %s", digest.name, result.period_key, result.outcome, result.detail)
        return result

    def catch_up(self, digests: Sequence[DigestDefinition]) -> list[RunResult]:
        """The catch-up job: at start and every CATCH_UP_EVERY."""
        results = catch_up(
            digests,
            self.ledger,
            now=self.clock.now(),
            build=self.build,
            post=self.post,
            worker=self.worker,
            clock=self.clock.now,
        )
        for result in results:
            if result.outcome != "done_before":
                logger.info(
                    "catch-up %s %s: %s %s", result.digest, result.period_key, result.outcome, result.detail
                )
        return results


def _refresh_job(runtime: Runtime, *, keys: list[str], clock: Clock) -> None:
    refresh_kpis(runtime.config, runtime.db, now=clock.now(), keys=keys, timezone=runtime.settings.timezone)
