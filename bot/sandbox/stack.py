"""The whole bot against the local Slack: emulator + Bolt app on a real port. Used by tests and the demo.

with SandboxStack.start(config_dir="config", database_url=url, clock=clock,
                        channels=["kpi-alerts"], users=[{"name": "cfo", "email": "cfo@x.example"}]) as stack:
    stack.emulator.send_slash_command("mrr", user=stack.user("cfo"), channel=stack.channel("kpi-alerts"))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt import App

from bot.answers import Answers
from bot.app import create_app
from bot.sandbox.emulator import SlackEmulator
from bot.server import HttpServer, KpibotWsgi
from kpi_core.clock import Clock, SystemClock
from kpi_core.runtime import Runtime
from kpi_core.settings import Settings

SIGNING_SECRET = "sandbox-signing-secret"
BOT_TOKEN = "xoxb-sandbox-token"


@dataclass
class SandboxStack:
    """A running emulator and a running kpibot HTTP server wired to each other."""

    emulator: SlackEmulator
    settings: Settings
    runtime: Runtime
    app: App
    answers: Answers
    server: HttpServer

    @classmethod
    def start(
        cls,
        *,
        config_dir: str | Path,
        database_url: str,
        clock: Clock | None = None,
        channels: Iterable[str | Mapping[str, Any]] = ("general",),
        users: Iterable[str | Mapping[str, Any]] = (),
        timezone: str = "UTC",
        rate_limits: bool = False,
        port: int = 0,
        extra_settings: Mapping[str, Any] | None = None,
    ) -> SandboxStack:
        """Start the emulator, build the runtime and the app exactly as `kpibot serve` does, serve HTTP."""
        clock = clock or SystemClock()
        emulator = SlackEmulator.with_workspace(
            channels=list(channels),
            users=list(users),
            signing_secret=SIGNING_SECRET,
            bot_token=BOT_TOKEN,
            clock=clock,
            rate_limits=rate_limits,
        ).start()
        settings = Settings(
            SLACK_API_URL=emulator.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            DATABASE_URL=database_url,
            KPIBOT_CONFIG=Path(config_dir),
            KPIBOT_TIMEZONE=timezone,
            **dict(extra_settings or {}),
        )
        runtime = Runtime.create(settings, clock=clock)
        app, answers = create_app(settings, runtime=runtime)
        server = HttpServer(KpibotWsgi(app, runtime), host="127.0.0.1", port=port).start()
        emulator.request_url = f"{server.url}/slack/events"
        return cls(
            emulator=emulator, settings=settings, runtime=runtime, app=app, answers=answers, server=server
        )

    @property
    def url(self) -> str:
        return self.server.url

    def user(self, name: str) -> str:
        """A seeded user's id, by name or email."""
        return self.emulator.user(name).id

    def channel(self, name: str) -> str:
        return self.emulator.channel(name).id

    def stop(self) -> None:
        self.server.stop()
        self.emulator.stop()
        self.runtime.close()

    def __enter__(self) -> SandboxStack:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
