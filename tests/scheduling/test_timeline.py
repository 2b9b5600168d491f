"""A timeline test: a week of schedules with outages, stated as the messages wanted and when.

The harness plays what a scheduler would do: while the bot is up, every trigger fires at its fire
times; when it comes back after an outage, the catch-up runs. Every post is recorded with the clock's
time, and the test fails on any message that was not wanted (or wanted and missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kpi_core.clock import ManualClock
from kpi_core.digests.config import DigestDefinition
from kpi_core.digests.content import Digest
from kpi_core.storage.db import Database
from scheduling.jobs import catch_up, fire_digest
from scheduling.ledger import DigestLedger, PostProgress
from scheduling.triggers import digest_trigger, fire_times
from tests.kpi_core.digests.factories import make_digest
from tests.scheduling.fakes import FakeBuilder, FakePoster


@dataclass(frozen=True)
class Posted:
    at: datetime
    digest: str
    period_key: str
    channel: str
    late: bool


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def _simulate(
    digests: list[DigestDefinition],
    *,
    start: datetime,
    end: datetime,
    outages: list[tuple[datetime, datetime]],
    db: Database,
) -> list[Posted]:
    clock = ManualClock(start)
    posted: list[Posted] = []
    poster = FakePoster()

    def post(digest: Digest, **kwargs: object) -> PostProgress:
        channel = str(kwargs["channel"])
        posted.append(Posted(clock.now(), digest.name, digest.period.key, channel, digest.header.late))
        return poster(digest, **kwargs)  # type: ignore[arg-type]

    ledger = DigestLedger(db)
    jobs = {"ledger": ledger, "build": FakeBuilder(), "post": post, "worker": "timeline"}
    events: list[tuple[datetime, str, DigestDefinition | None]] = []
    for digest in digests:
        events += [(t, "fire", digest) for t in fire_times(digest_trigger(digest), start=start, end=end)]
    events += [(back, "restart", None) for _down, back in outages]
    for moment, kind, digest in sorted(events, key=lambda e: (e[0], e[1])):
        if any(down <= moment < back for down, back in outages):
            continue  # the bot is down: nothing fires
        clock.set(moment)
        if kind == "restart":
            catch_up(digests, now=moment, **jobs)  # type: ignore[arg-type]
        elif digest is not None:
            fire_digest(digest, now=moment, **jobs)  # type: ignore[arg-type]
    return posted


def test_a_week_across_the_berlin_fall_back_with_two_outages(sqlite_db: Database) -> None:
    daily = make_digest("weekdays at 09:00", name="daily", channels=("#kpi-daily", "#exec"))
    weekly = make_digest("weekly on monday at 09:00", name="weekly", channels=("#kpi-weekly",))
    nightly = make_digest(
        "daily at 02:30", name="nightly", channels=("#ops",)
    )  # 02:30 happens twice on 25 Oct
    outages = [
        (_utc(27, 7), _utc(27, 9, 30)),  # misses Tuesday's 09:00 CET (08:00 UTC), back 1h30 later
        (_utc(28, 6), _utc(28, 16)),  # misses Wednesday's by 8 hours: beyond the 6 h grace
    ]
    posted = _simulate(
        [daily, weekly, nightly], start=_utc(22, 0), end=_utc(30, 23), outages=outages, db=sqlite_db
    )

    def wanted(
        at: datetime, digest: str, key: str, channels: tuple[str, ...], late: bool = False
    ) -> list[Posted]:
        return [Posted(at, digest, key, channel, late) for channel in channels]

    both, ops = ("#kpi-daily", "#exec"), ("#ops",)
    expected = [
        *wanted(_utc(22, 0, 30), "nightly", "2026-10-21", ops),  # 02:30 CEST
        *wanted(_utc(22, 7), "daily", "2026-10-21", both),  # 09:00 CEST
        *wanted(_utc(23, 0, 30), "nightly", "2026-10-22", ops),
        *wanted(_utc(23, 7), "daily", "2026-10-22", both),
        *wanted(_utc(24, 0, 30), "nightly", "2026-10-23", ops),
        *wanted(
            _utc(25, 0, 30), "nightly", "2026-10-24", ops
        ),  # first 02:30 (CEST); the second fires, no post
        *wanted(_utc(26, 1, 30), "nightly", "2026-10-25", ops),  # 02:30 CET from now on
        *wanted(_utc(26, 8), "daily", "2026-10-25", both),  # 09:00 CET: reports Sunday
        *wanted(_utc(26, 8), "weekly", "2026-W43", ("#kpi-weekly",)),
        *wanted(_utc(27, 1, 30), "nightly", "2026-10-26", ops),
        *wanted(_utc(27, 9, 30), "daily", "2026-10-26", both, late=True),  # caught up after the outage
        # 28 Oct: the nightly at 01:30 UTC was before the outage; the daily was missed beyond the grace.
        *wanted(_utc(28, 1, 30), "nightly", "2026-10-27", ops),
        *wanted(_utc(29, 1, 30), "nightly", "2026-10-28", ops),
        *wanted(_utc(29, 8), "daily", "2026-10-28", both),
        *wanted(_utc(30, 1, 30), "nightly", "2026-10-29", ops),
        *wanted(_utc(30, 8), "daily", "2026-10-29", both),
    ]
    assert sorted(posted, key=lambda p: (p.at, p.digest, p.channel)) == sorted(
        expected, key=lambda p: (p.at, p.digest, p.channel)
    )
    skipped = DigestLedger(sqlite_db).get("daily", "2026-10-27")
    assert skipped is not None and skipped.status == "skipped"
    assert skipped.error is not None and skipped.error.startswith("missed beyond the grace: 8h00m")
    assert timedelta(hours=8) > daily.grace
