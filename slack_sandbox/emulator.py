"""SlackEmulator: a local Slack for the tests and the demo, a real HTTP server on 127.0.0.1.

    emu = SlackEmulator.with_workspace(channels=["kpi-daily"], users=[{"name": "ana", "email": "ana@x.io"}])
    with emu:
        client = WebClient(base_url=emu.api_url, token=emu.bot_token)
        client.chat_postMessage(channel="kpi-daily", text="hi")
        assert emu.messages("kpi-daily")[0].text == "hi"

Socket Mode: `SlackEmulator(app_token="xapp-...")` turns it on; see socket_mode.py.
OAuth v2 installs: `enable_oauth(...)`, `approve_install(...)`, `uninstall(team=...)`; see oauth.py.
App Home: `open_home(user)`, `home_view(user)`, `click_home(user=..., action_id=...)`; see api_views.py.

Time: `clock` (seconds, or a kpi_core Clock such as ManualClock) drives message timestamps, rate limits and
response_url expiry; default time.time. Request signatures use `signing_clock` (default time.time) because
the bot checks them against its own wall clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from slack_sandbox.api_views import ViewsMixin
from slack_sandbox.directory import IdFactory
from slack_sandbox.endpoints import EndpointsMixin
from slack_sandbox.faults import Fault, FaultInjector, FaultStorm
from slack_sandbox.http_server import EmulatorHTTPServer
from slack_sandbox.limits import RateLimit, RateLimiter
from slack_sandbox.oauth import OAuthMixin
from slack_sandbox.queries import ChannelSpec, QueriesMixin, UserSpec
from slack_sandbox.recording import Call, Delivery
from slack_sandbox.response_urls import ResponseUrls
from slack_sandbox.sending import SendingMixin
from slack_sandbox.signing import SlackSigner
from slack_sandbox.socket_mode import SocketModeMixin
from slack_sandbox.state import EmulatorError, StateEvent
from slack_sandbox.workspace import Workspace

Subscriber = Callable[[StateEvent], None]
logger = logging.getLogger(__name__)


def as_seconds(clock: Any) -> Callable[[], float]:
    """Accept a float-returning callable or an object with `.now() -> datetime` (kpi_core.clock.Clock)."""
    if clock is None:
        return time.time
    if hasattr(clock, "now"):
        return lambda: float(clock.now().timestamp())
    if callable(clock):
        return clock
    raise TypeError("clock must be a callable returning seconds or an object with now() -> datetime")


class SlackEmulator(SocketModeMixin, OAuthMixin, ViewsMixin, EndpointsMixin, QueriesMixin, SendingMixin):
    """The local Slack. See the module docstring; docs/architecture.md places it in slack_sandbox/."""

    def __init__(
        self,
        *,
        signing_secret: str = "sandbox-signing-secret",
        bot_token: str = "xoxb-sandbox-token",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Any = None,
        signing_clock: Callable[[], float] = time.time,
        rate_limits: bool = False,
        rate_limit_overrides: Mapping[str, RateLimit | None] | None = None,
        team_id: str = "T0KPIBOT1",
        team_domain: str = "kpibot-sandbox",
        team_name: str = "kpibot sandbox",
        bot_user_id: str = "U0KPIBOT1",
        bot_id: str = "B0KPIBOT1",
        app_id: str = "A0KPIBOT1",
        verification_token: str = "sandbox-verification-token",
        chat_write_public: bool = False,
        request_url: str | None = None,
        app_token: str | None = None,
    ) -> None:
        self.signing_secret, self.bot_token, self.host, self.port = signing_secret, bot_token, host, port
        self.verification_token = verification_token
        self.request_url = request_url  # the bot's /slack/events URL ("Request URL" in the app config)
        self.now: Callable[[], float] = as_seconds(clock)
        self.signer = SlackSigner(signing_secret, clock=signing_clock)
        self.limiter = RateLimiter(enabled=rate_limits, overrides=rate_limit_overrides)
        self.faults = FaultInjector()
        self.response_urls = ResponseUrls()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._ids = IdFactory()
        self._seq = 0
        self._subscribers: list[Subscriber] = []
        self._calls: list[Call] = []
        self._deliveries: list[Delivery] = []
        self._workspaces: dict[str, Workspace] = {}
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._init_socket_mode(app_token)  # app_token: the app-level token (xapp-...) that opens links
        self.workspace = self.add_workspace(
            team_id,
            bot_token=bot_token,
            domain=team_domain,
            name=team_name,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
            chat_write_public=chat_write_public,
        )

    @classmethod
    def with_workspace(
        cls, *, channels: Iterable[ChannelSpec] = (), users: Iterable[UserSpec] = (), **options: Any
    ) -> SlackEmulator:
        """A new (not yet started) emulator with seeded users and channels; see `seed_workspace`."""
        emulator = cls(**options)
        emulator.seed_workspace(channels=channels, users=users)
        return emulator

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> SlackEmulator:
        """Bind (port 0 picks a free port) and serve in a background thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = EmulatorHTTPServer((self.host, self.port), self)
        self.port = self._server.server_address[1]
        for ws in self._workspaces.values():
            ws.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="slack-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; held (timeout-faulted) requests are released."""
        self._stopping.set()
        self.close_socket_links()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """For SLACK_API_URL / WebClient(base_url=...): ends with "/api/"."""
        return f"{self.base_url}/api/"

    # ----------------------------------------------------------------- workspaces
    def add_workspace(
        self,
        team_id: str,
        *,
        bot_token: str,
        domain: str | None = None,
        name: str | None = None,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
        app_id: str | None = None,
        chat_write_public: bool = False,
    ) -> Workspace:
        """Another team with its own bot token (the first one is `self.workspace`)."""
        with self._lock:
            if team_id in self._workspaces or any(
                w.bot_token == bot_token for w in self._workspaces.values()
            ):
                raise EmulatorError(f"workspace {team_id} or its token already exists")
            ws = Workspace(
                team_id=team_id,
                domain=domain or team_id.lower(),
                name=name or team_id,
                bot_token=bot_token,
                bot_user_id=bot_user_id or self._ids.new("U"),
                bot_id=bot_id or self._ids.new("B"),
                app_id=app_id or self._ids.new("A"),
                ids=self._ids,
                clock=self.now,
                emit=self._emitter(team_id),
                chat_write_public=chat_write_public,
            )
            ws.base_url = self.base_url
            self._workspaces[team_id] = ws
            return ws

    @property
    def workspaces(self) -> list[Workspace]:
        return list(self._workspaces.values())

    def _ws(self, team: str | None) -> Workspace:
        if team is None:
            return self.workspace
        if team not in self._workspaces:
            raise EmulatorError(f"no workspace {team}")
        return self._workspaces[team]

    # ----------------------------------------------------------------- faults and limits
    def inject_fault(
        self,
        method: str,
        kind: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        status: int = 500,
        hold: float = 30.0,
        processed: bool = False,
        after: int = 0,
    ) -> Fault:
        """Make the next `times` calls to `method` ("*" = any Web API method, or "response_url"/"upload")
        fail with `kind`: ratelimited (429 + Retry-After), server_error (status 500/503), timeout (hold,
        then close), late (answer after `hold`), disconnect, reset, or any Slack error code such as
        channel_not_found. `processed`: the method runs first, and only its answer is lost or late.
        `after`: let that many calls to `method` through first."""
        return self.faults.add(Fault(method, kind, times, retry_after, status, hold, processed, after))

    def start_fault_storm(self, storm: FaultStorm) -> FaultStorm:
        """Fail calls at random from now on, on a seeded schedule (see faults.py), until `clear_faults`."""
        self.faults.storm = storm
        return storm

    def clear_faults(self) -> None:
        """No more faults: the explicit ones pending and any storm end here."""
        self.faults.clear()

    def set_rate_limit(self, method: str, limit: RateLimit | None) -> None:
        """Give one method its own limit (on even when rate limits are off), or None to exempt it."""
        self.limiter.set_limit(method, limit)

    @property
    def rate_limits(self) -> bool:
        return self.limiter.enabled

    @rate_limits.setter
    def rate_limits(self, enabled: bool) -> None:
        self.limiter.enabled = enabled

    def hold(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    # ----------------------------------------------------------------- events
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(event)` on every state change; returns an unsubscribe function.

        Callbacks run synchronously under the emulator's lock, in order: keep them quick (queue the event).
        """
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _emitter(self, team: str | None) -> Any:
        def emit(
            kind: str,
            *,
            channel: str | None = None,
            ts: str | None = None,
            user: str | None = None,
            data: dict[str, Any] | None = None,
        ) -> None:
            with self._lock:
                self._seq += 1
                event = StateEvent(self._seq, kind, team, channel, ts, user, data or {})
                for callback in list(self._subscribers):
                    try:
                        callback(event)
                    except Exception:  # a broken listener must not break Slack
                        logger.exception("emulator subscriber failed")
                self._changed.notify_all()

        return emit

    def wait_for(self, predicate: Callable[[], Any], *, timeout: float = 5.0) -> Any:
        """Block until `predicate()` is truthy (re-checked on every state change) and return its value.

        Raises TimeoutError after `timeout` real seconds: the bot works in other threads, so this waits on
        their progress, not on a clock. The predicate runs under the emulator's lock: it may read the
        emulator (messages, ephemerals, calls...) but must not call its HTTP API.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout}s")
                self._changed.wait(remaining)
