"""Two kpibot replicas (runtime + alert jobs each) on one database and one local Slack."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from slack_sdk import WebClient

from bot.alerts.jobs import SlackAlertJobs
from bot.alerts.pacing import Pacer
from kpi_core.clock import ManualClock
from kpi_core.runtime import Runtime
from kpi_core.settings import Settings
from kpibot_demo.stack import BOT_TOKEN, SIGNING_SECRET
from slack_sandbox.emulator import SlackEmulator
from tests.bot.alerts.harness import CHANNELS, USERS, SlackWatcher
from tests.pg import create_database


@contextmanager
def two_replicas(
    config_dir: Path, clock: ManualClock, admin_url: str
) -> Iterator[tuple[SlackEmulator, SlackAlertJobs, SlackAlertJobs, SlackWatcher]]:
    """A fresh PostgreSQL database, the emulator, and two independent alert workers on them."""
    url = create_database(admin_url)
    emulator = SlackEmulator.with_workspace(
        channels=CHANNELS, users=USERS, signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, clock=clock
    ).start()
    watcher = SlackWatcher(emulator, clock)
    settings = Settings(
        SLACK_API_URL=emulator.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DATABASE_URL=url,
        KPIBOT_CONFIG=config_dir,
    )
    runtimes = [Runtime.create(settings, clock=clock) for _ in range(2)]
    client = WebClient(base_url=emulator.api_url, token=BOT_TOKEN)
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
        yield emulator, workers[0], workers[1], watcher
    finally:
        watcher.unsubscribe()
        for runtime in runtimes:
            runtime.close()
        emulator.stop()
