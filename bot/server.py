"""Run modes: HTTP (a threaded WSGI server, waitress) or Socket Mode when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.verify import MAX_BODY_BYTES, check_request
from kpi_core.runtime import Runtime

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SWITCH_INTERVAL = 0.001  # seconds; CPython's default is 0.005
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class KpibotWsgi:
    """`POST /slack/events` goes to Bolt (commands, interactivity, events) once its signature and timestamp
    verify (bot/verify.py): anything else there gets 401 and nothing else happens. `GET /healthz` reports
    health; in OAuth mode `GET /slack/install` and `GET /slack/oauth_redirect` go to Bolt's OAuth flow.
    `now` is the wall clock the timestamps are checked against (Slack signs with real time)."""

    def __init__(self, app: App, runtime: Runtime, *, now: Callable[[], float] = time.time) -> None:
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH)
        flow = app.oauth_flow
        # The OAuth install pages are opened by people, not signed by Slack: Bolt checks their state.
        self.oauth_paths = {flow.install_path, flow.redirect_uri_path} if flow is not None else set()
        self.runtime = runtime
        self.secret = runtime.settings.slack_signing_secret
        self.now = now

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.health(start_response)
        if path in self.oauth_paths and method == "GET":
            return self.slack(environ, start_response)
        if path != EVENTS_PATH or method != "POST":
            return _plain(start_response, "404 Not Found", "not found")
        body, problem = _read_body(environ)
        if problem is None:
            headers = {
                "X-Slack-Request-Timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                "X-Slack-Signature": environ.get("HTTP_X_SLACK_SIGNATURE"),
            }
            present = {name: value for name, value in headers.items() if value is not None}
            problem = check_request(present, body, secret=self.secret, now=self.now())
        if problem is not None:  # the reason only: an unverified body is never logged nor answered
            log.warning("refused a request to %s: %s", EVENTS_PATH, problem)
            return _plain(start_response, "401 Unauthorized", "invalid request")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.slack(environ, start_response)

    def health(self, start_response: StartResponse) -> Iterable[bytes]:
        checks: dict[str, Any] = {"kpis": len(self.runtime.config.kpis)}
        try:
            with self.runtime.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
            status = "200 OK"
        except Exception as error:  # health must answer even when the database does not
            checks["database"] = f"error: {type(error).__name__}"
            status = "503 Service Unavailable"
        body = json.dumps({"ok": status.startswith("200"), **checks}).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def _read_body(environ: dict[str, Any]) -> tuple[bytes, str | None]:
    """The request body, read no further than MAX_BODY_BYTES (+1 to notice a bigger one)."""
    raw = str(environ.get("CONTENT_LENGTH") or "").strip()
    if raw and not (raw.isascii() and raw.isdigit()):
        return b"", "malformed content length"
    if raw and int(raw) > MAX_BODY_BYTES:
        return b"", "body too large"
    stream = environ.get("wsgi.input")
    if stream is None:
        return b"", None
    body: bytes = stream.read(int(raw)) if raw else stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return b"", "body too large"
    return body, None


def _plain(start_response: StartResponse, status: str, text: str) -> Iterable[bytes]:
    payload = text.encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(payload)))])
    return [payload]


class HttpServer:
    """waitress on a real port, startable in a thread (tests, benchmarks, the demo) or in the foreground."""

    def __init__(self, wsgi: WsgiApp, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 16) -> None:
        from waitress.server import create_server

        self._server = create_server(wsgi, host=host, port=port, threads=threads, ident="kpibot")
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        host = self._server.effective_host
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve in the foreground: this process is the server (`kpibot serve`, the benchmarks' apps).

        The GIL switch interval drops from 5 ms to 1 ms: a request thread with an ack to send waits at
        most that long for the GIL while answer threads hold it, and the answers are mostly waiting on
        Slack, so the extra switches cost them little.
        """
        sys.setswitchinterval(SWITCH_INTERVAL)
        log.info("kpibot listening on %s%s", self.url, EVENTS_PATH)
        self._server.run()

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self._run, name="kpibot-http", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError:
            # closing the listening socket under waitress's select() loop ends it with EBADF
            if not self._stopping.is_set():
                raise

    def stop(self) -> None:
        self._stopping.set()
        self._server.close()
        self._server.task_dispatcher.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)


def run_socket_mode(app: App, app_token: str) -> None:
    """Connect to Slack over a WebSocket (no public URL needed): the easy setup."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, app_token).start()
