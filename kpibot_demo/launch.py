"""Start the whole demo: the local Slack, the real bot on HTTP, the background work and the page.

    app = start_demo(config_dir="config", database_url="sqlite:///data/kpibot.db", port=8080)
    print(app.url)          # http://127.0.0.1:8080
    ...
    app.stop()

`kpibot demo` calls this; the tests call it with `prepare=False` (a prepared database), port 0 and no
ticker, so time only moves when the test says so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from kpi_core.clock import ManualClock
from kpi_core.config.loader import load_config
from kpibot_demo.controller import BackgroundWork, DemoController, DemoError, Ticker
from kpibot_demo.data.prepare import DemoSummary, prepare_demo
from kpibot_demo.events import EventHub
from kpibot_demo.server import DemoHTTPServer
from kpibot_demo.stack import SandboxStack
from kpibot_demo.workspace import demo_channels, demo_people

log = logging.getLogger(__name__)


@dataclass
class DemoApp:
    """A running demo. `stop()` shuts everything down in reverse order."""

    stack: SandboxStack
    controller: DemoController
    hub: EventHub
    page: DemoHTTPServer
    summary: DemoSummary | None = None
    ticker: Ticker | None = None
    _stoppers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = str(self.page.server_address[0]), int(self.page.server_address[1])
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
        return f"http://{shown}:{port}"

    def stop(self) -> None:
        self.page.stopping.set()
        for stop in reversed(self._stoppers):
            try:
                stop()
            except Exception:  # keep stopping the rest
                log.exception("stopping the demo")
        self._stoppers.clear()

    def __enter__(self) -> DemoApp:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def delete_sqlite(url: str) -> list[Path]:
    """Delete a SQLite database file (and its -wal/-shm/-journal) named by `url`; refuse other databases."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DemoError(f"{url!r} is not a database URL") from None
    if not parsed.drivername.startswith("sqlite"):
        raise DemoError(
            f"only SQLite files are deleted, and {parsed.drivername} is not SQLite: drop it yourself"
        )
    if not parsed.database or parsed.database == ":memory:":
        return []
    removed = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(parsed.database + suffix)
        if path.is_file():
            path.unlink()
            removed.append(path)
    return removed


def build_background(stack: SandboxStack, clock: ManualClock) -> BackgroundWork:
    """Digests and alerts over the stack's Slack client, as `kpibot serve` builds them, with two demo
    choices: digest failures are reported in the alerts' fallback channel, and the alert sender paces its
    posts (one a second per channel) in the demo's simulated time, which the emulator's own rate limits
    also follow, so "+1 week" takes seconds, not the minutes a week of repeats would take in real time."""
    from bot.alerts.jobs import SlackAlertJobs
    from bot.alerts.pacing import manual_pacer
    from bot.background import build_background as build

    alerts = stack.answers.alerts  # the jobs the app's buttons use: one instance for the whole demo
    if not isinstance(alerts, SlackAlertJobs):
        raise DemoError("the bot has no alert jobs (bot.listeners.alerts did not register)")
    alerts.sender.pacer = manual_pacer(clock)
    fallback = stack.runtime.config.alerts.fallback_channel
    return build(
        stack.runtime, client=stack.app.client, answers=stack.answers, alerts=alerts, ops_channel=fallback
    )


def start_demo(
    *,
    config_dir: str | Path,
    database_url: str,
    host: str = "127.0.0.1",
    port: int = 8080,
    clock: ManualClock | None = None,
    timezone: str = "UTC",
    prepare: bool = True,
    tick_interval: float | None = 3.0,
    background: bool = True,
    new_database: bool = False,
) -> DemoApp:
    """Everything `kpibot demo` runs, started and wired. Binds the page to `host:port` (port 0: any).

    `new_database` deletes the SQLite database first (once the port is ours, so a second demo on a busy
    port cannot pull the database from under the first): the emulator's workspace is new on every start,
    and incidents or digest runs of an earlier run would point at messages that no longer exist.
    """
    config = load_config(config_dir)
    people = demo_people(config)
    clock = clock or ManualClock(datetime.now(UTC))
    page = DemoHTTPServer((host, port), None)  # bind first: a busy port fails before the slow part
    stoppers: list[Callable[[], None]] = [page.server_close]
    try:
        if new_database:
            delete_sqlite(database_url)
        stack = SandboxStack.start(
            config_dir=config_dir,
            database_url=database_url,
            clock=clock,
            channels=demo_channels(config, people),
            users=people,
            timezone=timezone,
        )
        stoppers.append(stack.stop)
        summary = prepare_demo(stack.runtime, now=clock.now()) if prepare else None
        hub = EventHub()
        stoppers.append(stack.emulator.subscribe(hub.on_state_event))
        work = build_background(stack, clock) if background else None
        controller = DemoController(stack=stack, clock=clock, hub=hub, background=work)
        page.controller = controller
        thread = threading.Thread(
            target=page.serve_forever, kwargs={"poll_interval": 0.2}, name="kpibot-demo-page", daemon=True
        )
        thread.start()

        def stop_page() -> None:
            page.shutdown()
            thread.join(timeout=5)

        stoppers.append(stop_page)
        ticker = Ticker(controller, interval=tick_interval).start() if tick_interval else None
        if ticker is not None:
            stoppers.append(ticker.stop)
    except BaseException:
        for stop in reversed(stoppers):
            stop()
        raise
    return DemoApp(
        stack=stack,
        controller=controller,
        hub=hub,
        page=page,
        summary=summary,
        ticker=ticker,
        _stoppers=stoppers,
    )
