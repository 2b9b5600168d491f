"""Run modes: HTTP (a threaded WSGI server, waitress) or Socket Mode when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from kpi_core.runtime import Runtime

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SWITCH_INTERVAL = 0.001  # seconds; CPython's default is 0.005
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class KpibotWsgi:
    """`POST /slack/events` goes to Bolt (commands, interactivity, events); `GET /healthz` reports health."""

    def __init__(self, app: App, runtime: Runtime) -> None:
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self.runtime = runtime

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return self.health(start_response)
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
