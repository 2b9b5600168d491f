"""The whole bot against the local Slack: emulator + Bolt app on a real port. Used by tests and the demo.

with SandboxStack.start(config_dir="config", database_url=url, clock=clock,
                        channels=["kpi-alerts"], users=[{"name": "cfo", "email": "cfo@x.example"}]) as stack:
    stack.emulator.send_slash_command("mrr", user=stack.user("cfo"), channel=stack.channel("kpi-alerts"))

`socket_mode=True` runs the bot as `kpibot serve` does with SLACK_APP_TOKEN set: no HTTP server, no signing
secret; Bolt's SocketModeHandler opens a link to the emulator (apps.connections.open) and every command and
click arrives over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient

from bot.answers import Answers
from bot.app import create_app
from bot.server import HttpServer, KpibotWsgi
from kpi_core.clock import Clock, SystemClock
from kpi_core.runtime import Runtime
from kpi_core.settings import Settings
from slack_sandbox.emulator import SlackEmulator
from slack_sandbox.state import EmulatorError

SIGNING_SECRET = "sandbox-signing-secret"
BOT_TOKEN = "xoxb-sandbox-token"
APP_TOKEN = "xapp-1-sandbox"


@dataclass
class SandboxStack:
    """A running emulator and a running kpibot wired to each other: over HTTP (`server`) or over a Socket
    Mode link (`socket_handler`)."""

    emulator: SlackEmulator
    settings: Settings
    runtime: Runtime
    app: App
    answers: Answers
    server: HttpServer | None
    socket_handler: SocketModeHandler | None = None

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
        socket_mode: bool = False,
    ) -> SandboxStack:
        """Start the emulator, build the runtime and the app exactly as `kpibot serve` does, then serve
        HTTP, or connect over Socket Mode when `socket_mode`."""
        clock = clock or SystemClock()
        emulator = SlackEmulator.with_workspace(
            channels=list(channels),
            users=list(users),
            signing_secret=SIGNING_SECRET,
            bot_token=BOT_TOKEN,
            clock=clock,
            rate_limits=rate_limits,
            app_token=APP_TOKEN if socket_mode else None,
        ).start()
        values: dict[str, Any] = {
            "SLACK_API_URL": emulator.api_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": "" if socket_mode else SIGNING_SECRET,  # Socket Mode needs no signing
            "SLACK_APP_TOKEN": APP_TOKEN if socket_mode else "",
            "DATABASE_URL": database_url,
            "KPIBOT_CONFIG": Path(config_dir),
            "KPIBOT_TIMEZONE": timezone,
            # charts drawn in-process unless asked otherwise: a stack starts in milliseconds
            "KPIBOT_RENDER_PROCESSES": 0,
        }
        settings = Settings(**{**values, **dict(extra_settings or {})})
        runtime = Runtime.create(settings, clock=clock)
        app, answers = create_app(settings, runtime=runtime, socket_mode=socket_mode)
        if socket_mode:
            handler = SocketModeHandler(app, settings.slack_app_token)
            try:
                handler.connect()  # the handler's own threads read the link from here on
                emulator.wait_for(emulator.socket_links, timeout=10)
            except BaseException:
                close_socket_mode(handler.client, emulator)
                emulator.stop()
                runtime.close()
                raise
            return cls(emulator, settings, runtime, app, answers, server=None, socket_handler=handler)
        server = HttpServer(KpibotWsgi(app, runtime), host="127.0.0.1", port=port).start()
        emulator.request_url = f"{server.url}/slack/events"
        emulator.oauth_redirect_uri = f"{server.url}/slack/oauth_redirect"  # the app config's redirect URL
        return cls(
            emulator=emulator, settings=settings, runtime=runtime, app=app, answers=answers, server=server
        )

    @property
    def url(self) -> str:
        """The bot's HTTP base URL (HTTP mode only)."""
        if self.server is None:
            raise EmulatorError("this stack runs in Socket Mode: it has no HTTP server")
        return self.server.url

    def user(self, name: str) -> str:
        """A seeded user's id, by name or email."""
        return self.emulator.user(name).id

    def channel(self, name: str) -> str:
        return self.emulator.channel(name).id

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        if self.socket_handler is not None:
            close_socket_mode(self.socket_handler.client, self.emulator)
        self.emulator.stop()
        self.answers.charts.pool.close()
        self.runtime.close()

    def __enter__(self) -> SandboxStack:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def close_socket_mode(client: SocketModeClient, emulator: SlackEmulator) -> None:
    """Stop slack_sdk's builtin Socket Mode client (a SocketModeHandler's `.client`) at once. It reads with
    a 3 s timeout and polls its queue every second, so a plain close() takes seconds: Slack's side closes
    the link first (with reconnecting turned off), which wakes the reader, and a None wakes the queue."""
    client.auto_reconnect_enabled = client.default_auto_reconnect_enabled = False
    emulator.close_socket_links()
    client.closed = True
    client.message_queue.put(None)
    try:
        client.close()
    except AttributeError:  # slack_sdk race: its reader dropped the socket while close() was checking it
        client.close()
