"""Fixtures for the alert delivery tests: the local Slack and one alert worker on SQLite, no bot server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.alerts.jobs import SlackAlertJobs
from bot.alerts.pacing import manual_pacer
from kpi_core.clock import ManualClock
from kpi_core.runtime import Runtime
from kpi_core.settings import Settings
from kpi_core.storage.observations import ObservationStore
from kpibot_demo.stack import BOT_TOKEN, SIGNING_SECRET
from slack_sandbox.emulator import SlackEmulator
from tests.bot.alerts.harness import CHANNELS, USERS, SlackWatcher, write_config
from tests.bot.alerts.invariants import check_exactly_once


@dataclass
class Worker:
    """An alert worker talking to the emulator: what `kpibot serve` runs, minus the HTTP server."""

    emulator: SlackEmulator
    runtime: Runtime
    jobs: SlackAlertJobs
    watch: SlackWatcher
    clock: ManualClock
    allow_lost: tuple[str, ...] = ()  # a test of an unreachable fallback: these rows may not arrive

    def record(self, key: str, value: float) -> Worker:
        now = self.clock.now()
        ObservationStore(self.runtime.db).record(key, now.date(), value, source="push", now=now)
        return self


@pytest.fixture
def make_worker(tmp_path: Path, clock: ManualClock) -> Iterator[Any]:
    started: list[Worker] = []

    def make(*, rules: list[dict[str, Any]] | None = None, **alerts: Any) -> Worker:
        config = write_config(tmp_path / f"config{len(started)}", rules=rules, **alerts)
        emulator = SlackEmulator.with_workspace(
            channels=CHANNELS, users=USERS, signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, clock=clock
        ).start()
        settings = Settings(
            SLACK_API_URL=emulator.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            DATABASE_URL=f"sqlite:///{tmp_path / f'kpibot{len(started)}.db'}",
            KPIBOT_CONFIG=config,
        )
        runtime = Runtime.create(settings, clock=clock)
        client = WebClient(base_url=emulator.api_url, token=BOT_TOKEN)
        jobs = SlackAlertJobs(runtime, client=client, worker="test-worker", pacer=manual_pacer(clock))
        worker = Worker(emulator, runtime, jobs, SlackWatcher(emulator, clock), clock)
        started.append(worker)
        return worker

    yield make
    for worker in started:  # the exactly-once invariant, after whatever the test drained
        census = check_exactly_once(worker.jobs.store, worker.emulator)
        allowed = worker.allow_lost
        assert not census.doubled and not census.problems, str(census)
        assert [lost for lost in census.lost if not any(a in lost for a in allowed)] == [], str(census)
    for worker in started:
        worker.watch.unsubscribe()
        worker.runtime.close()
        worker.emulator.stop()


@pytest.fixture
def worker(make_worker: Any) -> Worker:
    return make_worker()
