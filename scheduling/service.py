"""The background work of `kpibot serve`, in one object: digests, refreshes and alerts.

APScheduler runs it on the wall clock in production; `tick()` runs everything that is due at the clock's
`now`, which is how the demo's "advance clock" and the timeline tests drive the same jobs.

    background = Background.create(runtime, post_digest=poster, alerts=alert_jobs)
    background.start()          # cron triggers per digest, refresh jobs, alert evaluation and delivery
    background.tick()           # or: run what is due now, by hand
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from kpi_core.runtime import Runtime
from scheduling.jobs import DigestPoster, RunResult
from scheduling.ledger import DigestLedger
from scheduling.scheduler import JOB_OPTIONS, DigestJobs, OpenAlerts, build_scheduler, make_builder, worker_id

log = logging.getLogger(__name__)


class AlertJobs(Protocol):
    """The alert side of the background work (evaluation, repeats, escalation, outbox delivery)."""

    def tick(self, now: datetime) -> object:
        """Evaluate what is due at `now` and deliver pending notifications."""
        ...

    def open_alerts(self) -> OpenAlerts | None:
        """A provider of open alerts for the digests, or None."""
        ...


@dataclass
class Background:
    """Digest jobs, the optional alert jobs, and (once started) the APScheduler that runs them."""

    runtime: Runtime
    digests: DigestJobs
    post_digest: DigestPoster
    alerts: AlertJobs | None = None
    worker: str = field(default_factory=worker_id)
    scheduler: BackgroundScheduler | None = None
    alert_interval_seconds: float = 30.0

    @classmethod
    def create(
        cls, runtime: Runtime, *, post_digest: DigestPoster, alerts: AlertJobs | None = None
    ) -> Background:
        worker = worker_id()
        open_alerts = alerts.open_alerts() if alerts is not None else None
        build = make_builder(
            service=runtime.service, config=runtime.config, clock=runtime.clock, open_alerts=open_alerts
        )
        jobs = DigestJobs(
            ledger=DigestLedger(runtime.db), build=build, post=post_digest, worker=worker, clock=runtime.clock
        )
        return cls(runtime=runtime, digests=jobs, post_digest=post_digest, alerts=alerts, worker=worker)

    def start(self) -> Background:
        """Start APScheduler: a cron trigger per digest in its timezone, refreshes, catch-up, alert ticks."""
        open_alerts = self.alerts.open_alerts() if self.alerts is not None else None
        self.scheduler = build_scheduler(
            self.runtime,
            post_digest=self.post_digest,
            open_alerts=open_alerts,
            ledger=self.digests.ledger,
            worker=self.worker,
        )
        if self.alerts is not None:
            self.scheduler.add_job(
                self.tick_alerts,
                trigger=IntervalTrigger(seconds=self.alert_interval_seconds, timezone=UTC),
                id="alerts:tick",
                name="alerts:tick",
                next_run_time=datetime.now(UTC),
                **JOB_OPTIONS,
            )
        self.scheduler.start()
        return self

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def tick(self) -> list[RunResult]:
        """Run everything due at the clock's now: missed or due digests (within their grace), then alerts."""
        results = self.digests.catch_up(self.runtime.config.digests.enabled())
        self.tick_alerts()
        return results

    def tick_alerts(self) -> None:
        if self.alerts is not None:
            self.alerts.tick(self.runtime.clock.now())

    def post_digest_now(self, name: str, *, force: bool = False) -> RunResult | None:
        """Post one digest for its most recent period now (`kpibot digest send`, the demo's button)."""
        digest = self.runtime.config.digests.digest(name)
        return self.digests.send_now(digest, force=force)
