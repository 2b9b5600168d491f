"""A storm of incidents delivered through a faulty local Slack, by one or two kpibot replicas.

    with storm_bot(tmp_path, db_url, replicas=2) as bot:
        result = bot.run(seed=3, rate=0.2)       # fire, acknowledge during the faults, stop them, drain
        assert result.census.ok

Used by the fault tests and by benchmarks/bench_faults.py. The client times out after CLIENT_TIMEOUT and
the emulator's slow answers take HOLD, so "the answer came after the client gave up" really happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient

from bot.alerts.jobs import SlackAlertJobs
from bot.alerts.pacing import Pacer
from kpi_core.alerts.destinations import DIGEST
from kpi_core.clock import ManualClock
from kpi_core.runtime import Runtime
from kpi_core.settings import Settings
from kpi_core.storage.observations import ObservationStore
from kpibot_demo.stack import BOT_TOKEN, SIGNING_SECRET
from slack_sandbox import FaultStorm, SlackEmulator
from tests.bot.alerts.harness import CHANNELS, RULE, USERS, write_config
from tests.bot.alerts.invariants import Census, check_exactly_once

CLIENT_TIMEOUT = 0.1
HOLD = 0.15  # > CLIENT_TIMEOUT: the client gives up first
FAULTY = (
    "chat.postMessage",
    "chat.update",
    "conversations.open",
    "conversations.history",
    "conversations.replies",
)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class StormResult:
    census: Census
    incidents: int
    acknowledged: tuple[int, ...]
    slack_calls: int
    faults: int
    drain_seconds: float  # wall time from the end of the faults until every row was finished
    rounds: int


@dataclass
class StormBot:
    emulator: SlackEmulator
    replicas: list[SlackAlertJobs]
    clock: ManualClock
    incidents: int
    hold: float = HOLD

    def deliver(self) -> None:
        """Every replica drains at once (each in its own thread, as two processes would)."""
        if len(self.replicas) == 1:
            self.replicas[0].deliver()
            return
        threads = [threading.Thread(target=jobs.deliver) for jobs in self.replicas]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def unfinished(self) -> list[datetime]:
        rows = self.replicas[0].store.outbox()
        pending = [r for r in rows if r.destination != DIGEST and r.status in ("pending", "sending")]
        now = self.clock.now()
        return [r.next_attempt_at if r.status == "pending" else r.claimed_until or now for r in pending]

    def run(self, *, seed: int, rate: float, ack_every: int = 3, max_rounds: int = 200) -> StormResult:
        storm = self.emulator.start_fault_storm(
            FaultStorm(seed=seed, rate=rate, methods=FAULTY, hold=self.hold)
        )
        first = self.replicas[0]
        ObservationStore(first.runtime.db).record(
            "churn_rate", self.clock.now().date(), 4.6, source="push", now=self.clock.now()
        )
        first.evaluate(self.clock.now())
        self.deliver()
        cro = self.emulator.user("cro").id
        incidents = sorted(i.id for i in first.store.open_incidents())
        acked = tuple(incidents[::ack_every])
        for n, incident in enumerate(acked):  # people click while Slack is failing
            self.replicas[n % len(self.replicas)].act("acknowledge", incident, user=cro)
        for _ in range(3):
            self.clock.advance(seconds=20)
            self.deliver()
        self.emulator.clear_faults()
        started, rounds = time.perf_counter(), 0
        while (due := self.unfinished()) and rounds < max_rounds:
            rounds += 1
            self.clock.set(max(self.clock.now(), min(due)) + timedelta(seconds=1))
            self.deliver()
        drain = time.perf_counter() - started
        return StormResult(
            census=check_exactly_once(first.store, self.emulator),
            incidents=len(incidents),
            acknowledged=acked,
            slack_calls=len([c for c in self.emulator.calls if c.method != "upload"]),
            faults=len(storm.drawn),
            drain_seconds=drain,
            rounds=rounds,
        )


def storm_rules(incidents: int) -> list[dict[str, object]]:
    levels = [f"{4 + n / 1000:.3f}" for n in range(incidents)]
    return [
        {**RULE, "name": f"Churn above {level}", "condition": f"churn_rate > {level}%"} for level in levels
    ]


@contextmanager
def storm_bot(
    folder: Path,
    database_url: str,
    *,
    replicas: int = 1,
    incidents: int = 24,
    timeout: float = CLIENT_TIMEOUT,
) -> Iterator[StormBot]:
    """The emulator and `replicas` alert workers on one database; the route posts to #exec-alerts and DMs
    both KPI owners, so every incident has three destinations. `timeout` is the client's (slow answers
    take half as long again); a big storm needs more than the tests' 0.1 s to read a channel's history."""
    config = write_config(folder / "config", rules=storm_rules(incidents))
    clock = ManualClock(START)
    emulator = SlackEmulator.with_workspace(
        channels=CHANNELS, users=USERS, signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, clock=clock
    ).start()
    settings = Settings(
        SLACK_API_URL=emulator.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DATABASE_URL=database_url,
        KPIBOT_CONFIG=config,
    )
    runtimes = [Runtime.create(settings, clock=clock) for _ in range(replicas)]
    client = WebClient(base_url=emulator.api_url, token=BOT_TOKEN, timeout=timeout)  # type: ignore[arg-type]
    workers = [
        SlackAlertJobs(
            runtime,
            client=client,
            worker=f"replica-{n}",
            pacer=Pacer(monotonic=lambda: clock.now().timestamp(), sleep=lambda _seconds: None),
        )
        for n, runtime in enumerate(runtimes)
    ]
    try:
        yield StormBot(emulator, workers, clock, incidents, hold=timeout * 1.5)
    finally:
        for runtime in runtimes:
            runtime.close()
        emulator.stop()
