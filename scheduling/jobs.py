"""Job functions: plain and idempotent. They take `now` and their collaborators; a second call is a no-op.

`fire_digest` is both the scheduled job and the catch-up: it finds the digest's most recent fire time,
and within the grace runs it (once, through the ledger); beyond the grace it records a skip instead of
posting stale numbers. The actual Slack posting is injected as a `DigestPoster` (bot/ implements it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol

from kpi_core.digests.config import DigestDefinition
from kpi_core.digests.content import Digest
from kpi_core.digests.periods import DigestPeriod, digest_period
from kpi_core.sources import RefreshReport, SourceConfig, local_today, refresh
from kpi_core.storage.db import Database
from scheduling.ledger import Claim, ClaimLostError, DigestLedger, PostProgress
from scheduling.triggers import digest_trigger, previous_fire_time

logger = logging.getLogger(__name__)
LATE_AFTER = timedelta(minutes=5)  # a run this long after its fire time is marked late
Outcome = Literal["posted", "skipped", "failed", "done_before", "in_progress", "lost"]
_LEDGER_OUTCOMES: dict[str, Outcome] = {
    "claimed": "in_progress",
    "posting": "in_progress",
    "failed": "failed",
}


class DigestPoster(Protocol):
    """Posts one digest to one channel, resuming from `resume` (bot/ implements it over Slack).

    Post the message unless `resume.ts` is set, then the charts and the thread parts not yet recorded.
    Call `on_progress` right after each Slack call that succeeded (message: ts set, thread_parts 0;
    each chart, the edit that shows them, each thread part: thread_parts + 1) and return the final
    progress. When `resume.attempt` > 1 an earlier attempt may have been cut off after Slack acted:
    look for what it posted (by the message metadata) before posting again. Raise on failure; an exception
    with `retryable = False` (channel_not_found, not_in_channel, auth) is not retried.
    """

    def __call__(
        self,
        digest: Digest,
        *,
        channel: str,
        resume: PostProgress,
        on_progress: Callable[[PostProgress], None],
    ) -> PostProgress: ...


class DigestBuilder(Protocol):
    """Builds a digest's content for a period (kpi_core.digests.collect_digest with its collaborators)."""

    def __call__(
        self, digest: DigestDefinition, period: DigestPeriod, *, previous_run_at: datetime | None, late: bool
    ) -> Digest: ...


@dataclass(frozen=True)
class RunResult:
    """What one call did: posted (to `posted`), skipped, failed, or nothing because of the ledger."""

    digest: str
    period_key: str
    outcome: Outcome
    fire_time: datetime
    late: bool = False
    posted: tuple[str, ...] = ()  # channels posted by this call
    already_posted: tuple[str, ...] = ()  # channels an earlier attempt had posted
    detail: str = ""


def run_digest(
    digest: DigestDefinition,
    *,
    fire_time: datetime,
    now: datetime,
    ledger: DigestLedger,
    build: DigestBuilder,
    post: DigestPoster,
    worker: str,
    late: bool = False,
    force: bool = False,
    clock: Callable[[], datetime] | None = None,
    period: DigestPeriod | None = None,
) -> RunResult:
    """Post `digest` for the period of `fire_time`, exactly once: claim, build, post each destination.

    `clock` (default: always `now`) stamps progress while posting, which can take a while. `period`
    overrides the period of `fire_time` (`kpibot digest send --date D`: `period_containing`).
    """
    tick = clock or (lambda: now)
    period = period or digest_period(digest, fire_time)
    result = RunResult(digest.name, period.key, "in_progress", fire_time, late)
    claim = ledger.claim_run(
        digest.name, period.key, now=now, worker=worker, scheduled_for=fire_time, late=late, force=force
    )
    if claim is None:
        record = ledger.get(digest.name, period.key)
        status = record.status if record else "posted"
        outcome = _LEDGER_OUTCOMES.get(status, "done_before")
        return replace(result, outcome=outcome, detail=f"ledger: {status}")
    try:
        previous = ledger.last_posted_at(digest.name, excluding=period.key)
        content = build(digest, period, previous_run_at=previous, late=claim.late)
    except Exception as error:  # the job boundary: record it, never crash the scheduler thread
        logger.exception("digest %s %s: building failed", digest.name, period.key)
        ledger.fail(claim, now=tick(), error=f"building the digest failed: {error}")
        return replace(result, outcome="failed", detail=str(error))
    if digest.skip_if_no_new_data and not content.has_new_data and not force and not claim.posts:
        ledger.skip(claim, now=tick(), reason="no new data since the previous digest")
        logger.info("digest %s %s: skipped, no new data", digest.name, period.key)
        return replace(result, outcome="skipped", detail="no new data")
    try:
        return _post_all(digest, content, claim, result, ledger=ledger, post=post, tick=tick, fresh=force)
    except ClaimLostError as lost:
        logger.warning("%s", lost)
        return replace(result, outcome="lost", detail=str(lost))


def _post_all(
    digest: DigestDefinition,
    content: Digest,
    claim: Claim,
    result: RunResult,
    *,
    ledger: DigestLedger,
    post: DigestPoster,
    tick: Callable[[], datetime],
    fresh: bool = False,
) -> RunResult:
    """Post to every channel not done yet. `fresh` (a forced re-send) posts anew: nothing earlier is
    adopted, so the poster is told this is a first attempt."""
    ledger.start_posting(claim, now=tick())
    attempt = 1 if fresh else claim.attempt
    posted, before, errors = [], [], []
    retryable = True
    for channel in digest.channels:
        progress = replace(
            claim.posts.get(channel, PostProgress(channel)), attempt=attempt, since=claim.started_at
        )
        if progress.done:
            before.append(channel)
            continue
        ledger.heartbeat(claim, now=tick())  # stop here, before posting, if the run was taken over
        try:
            final = post(
                content,
                channel=channel,
                resume=progress,
                on_progress=lambda step: ledger.record_post(claim, step, now=tick()),
            )
        except ClaimLostError:
            raise
        except Exception as error:  # one channel failing must not keep the others from their digest
            logger.error(
                "digest %s %s: posting to %s failed: %s", claim.digest, claim.period_key, channel, error
            )
            errors.append(f"{channel}: {error}")
            retryable = retryable and getattr(error, "retryable", True)
            continue
        ledger.record_post(claim, replace(final, channel=channel, done=True), now=tick())
        posted.append(channel)
    result = replace(result, posted=tuple(posted), already_posted=tuple(before), late=claim.late)
    if errors:
        ledger.fail(claim, now=tick(), error="; ".join(errors), retryable=retryable)
        return replace(result, outcome="failed", detail="; ".join(errors))
    ledger.finish(claim, now=tick())
    logger.info(
        "digest %s %s: posted to %s", claim.digest, claim.period_key, ", ".join(posted) or "(resumed)"
    )
    return replace(result, outcome="posted")


def fire_digest(
    digest: DigestDefinition,
    *,
    now: datetime,
    ledger: DigestLedger,
    build: DigestBuilder,
    post: DigestPoster,
    worker: str,
    grace: timedelta | None = None,
    clock: Callable[[], datetime] | None = None,
) -> RunResult | None:
    """Handle the digest's most recent fire time (<= now): the scheduled job and the catch-up in one.

    - no fire time yet: None;
    - within the grace (default `digest.grace`): run it; marked late when `now` is more than
      LATE_AFTER past the fire time; a run stuck past its lease is resumed;
    - beyond the grace: record `skipped` (missed beyond grace), or close a stuck run as failed; never post.
    """
    fire_time = previous_fire_time(digest_trigger(digest), now)
    if fire_time is None:
        return None
    allowed = digest.grace if grace is None else grace
    age = now - fire_time
    if age <= allowed:
        return run_digest(
            digest,
            fire_time=fire_time,
            now=now,
            ledger=ledger,
            build=build,
            post=post,
            worker=worker,
            late=age > LATE_AFTER,
            clock=clock,
        )
    key = digest_period(digest, fire_time).key
    reason = f"missed beyond the grace: {_hours(age)} after {fire_time:%Y-%m-%d %H:%M} UTC"
    reason += f" (grace {_hours(allowed)})"
    record = ledger.get(digest.name, key)
    if record is None:
        if ledger.record_skip(digest.name, key, now=now, scheduled_for=fire_time, reason=reason):
            logger.warning("digest %s %s: %s; not posting stale numbers", digest.name, key, reason)
            return RunResult(digest.name, key, "skipped", fire_time, detail=reason)
    elif record.stuck(now) and ledger.abandon(record, now=now, reason=f"stuck run abandoned, {reason}"):
        posted = [post.channel for post in record.posts if post.done]
        logger.error("digest %s %s: stuck run abandoned (%s posted); %s", digest.name, key, posted, reason)
        return RunResult(digest.name, key, "failed", fire_time, detail=reason)
    return RunResult(digest.name, key, "done_before", fire_time)


def catch_up(
    digests: Iterable[DigestDefinition],
    ledger: DigestLedger,
    *,
    now: datetime,
    build: DigestBuilder,
    post: DigestPoster,
    worker: str,
    grace: timedelta | None = None,
    clock: Callable[[], datetime] | None = None,
) -> list[RunResult]:
    """On start (and periodically): `fire_digest` for every enabled digest. Idempotent."""
    results: list[RunResult] = []
    for digest in digests:
        if not digest.enabled:
            continue
        result = fire_digest(
            digest, now=now, ledger=ledger, build=build, post=post, worker=worker, grace=grace, clock=clock
        )
        if result is not None:
            results.append(result)
    return results


def refresh_kpis(
    config: SourceConfig, db: Database, *, now: datetime, keys: Sequence[str], timezone: str
) -> RefreshReport:
    """Refresh the given `sql` KPIs (and the formulas on top of them); failures are logged per KPI.

    The jobs run just after midnight to close the day (week, month) that ended: a scalar query's number
    is recorded under the period containing yesterday.
    """
    yesterday = local_today(now, timezone) - timedelta(days=1)
    report = refresh(config, db, now=now, keys=keys, timezone=timezone, as_of=yesterday)
    for failed in report.failed:
        logger.error("refresh of %s failed: %s", failed.key, failed.error)
    return report


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"
