"""The demo page's HTTP server (stdlib, threaded): the page, its JSON API, file bytes and live events.

    GET  /                     the page (kpibot_demo/static/index.html) and /static/<file>
    GET  /api/state            people, channels, digests, KPIs, the simulated time
    GET  /api/timeline?channel=C..&viewer=U..
    GET  /api/events           Server-Sent Events (emulator changes, the clock)
    GET  /files/<id>/<name>    uploaded files (charts), from the emulator
    POST /api/command {user, channel, text}       /kpi ..., signed, to the bot
    POST /api/click {user, channel, ts, action_id, value?, selected?, block_id?}
    POST /api/advance {hours}  POST /api/digest {name}  POST /api/record {kpi, value}  POST /api/dm {user}
    GET  /api/home?user=U..    POST /api/home {user} (opens the Home tab)
    POST /api/home/click {user, action_id, value?, selected?, block_id?}

POSTs must be JSON (a cross-site form cannot send that without a preflight this server never grants),
and the Host header must name this server, so other sites cannot drive the demo.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from kpibot_demo.controller import DemoController, DemoError, Outcome
from kpibot_demo.views import state_view, timeline_view
from slack_sandbox import EmulatorError

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
KEEPALIVE_SECONDS = 15.0
MAX_BODY = 64 * 1024


class DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], controller: DemoController | None) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6  # --host ::1
        super().__init__(address, DemoHandler)
        self.controller = controller  # set before serving (the socket is bound first)
        self.stopping = threading.Event()


class DemoHandler(BaseHTTPRequestHandler):
    server: DemoHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("demo page: " + format, *args)

    @property
    def controller(self) -> DemoController:
        controller = self.server.controller
        if controller is None:
            raise RuntimeError("the demo page server was started before its controller was set")
        return controller

    # ------------------------------------------------------------------ routing
    def do_GET(self) -> None:
        if not self._host_ok():
            return
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path in ("/", "/index.html"):
            self._static("index.html")
        elif path.startswith("/static/"):
            self._static(path.removeprefix("/static/"))
        elif path == "/api/state":
            self._json(state_view(self.controller))
        elif path == "/api/timeline":
            self._guarded(
                lambda: timeline_view(
                    self.controller, channel=query.get("channel", ""), viewer=query.get("viewer") or None
                )
            )
        elif path == "/api/home":
            self._guarded(lambda: {"ok": True, "view": self.controller.home_view(query.get("user", ""))})
        elif path == "/api/events":
            self._events()
        elif path.startswith("/files/"):
            self._file(path)
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found")

    def do_POST(self) -> None:
        if not self._host_ok():
            return
        path = urlsplit(self.path).path
        body = self._read_json()
        if body is None:
            return
        controller = self.controller
        routes = {
            "/api/command": lambda: controller.send_command(
                user=_text(body, "user"), channel=_text(body, "channel"), text=_text(body, "text")
            ),
            "/api/click": lambda: controller.click(
                user=_text(body, "user"),
                channel=_text(body, "channel"),
                ts=_text(body, "ts"),
                action_id=_text(body, "action_id"),
                value=body.get("value"),
                selected=body.get("selected"),
                block_id=body.get("block_id"),
            ),
            "/api/advance": lambda: controller.advance(hours=_number(body, "hours")),
            "/api/digest": lambda: controller.post_digest(_text(body, "name")),
            "/api/record": lambda: controller.record(_text(body, "kpi"), _text(body, "value")),
            "/api/dm": lambda: Outcome("ok", {"channel": controller.open_dm(_text(body, "user"))}),
            "/api/home": lambda: Outcome("ok", {"view": controller.open_home(_text(body, "user"))}),
            "/api/home/click": lambda: controller.click_home(
                user=_text(body, "user"),
                action_id=_text(body, "action_id"),
                value=body.get("value"),
                selected=body.get("selected"),
                block_id=body.get("block_id"),
            ),
        }
        if path not in routes:
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        self._guarded(lambda: _outcome_json(routes[path]()))

    # ------------------------------------------------------------------ pieces
    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        bound = str(self.server.server_address[0])
        allowed = {"127.0.0.1", "localhost", "::1", bound}
        if bound in ("0.0.0.0", "::") or host in allowed:
            return True
        self._error(HTTPStatus.FORBIDDEN, f"unexpected Host {host!r}")
        return False

    def _guarded(self, work: Any) -> None:
        try:
            result = work()
        except (DemoError, EmulatorError, ValueError) as error:
            self._error(HTTPStatus.BAD_REQUEST, str(error))
            return
        except Exception as error:  # the page shows a short notice; the log has the traceback
            log.exception("demo request %s failed", self.path)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(error).__name__}: {error}")
            return
        self._json(result)

    def _read_json(self) -> dict[str, Any] | None:
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON (Content-Type: application/json)")
            return None
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request too large")
            return None
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            self._error(HTTPStatus.BAD_REQUEST, "the body is not valid JSON")
            return None
        if not isinstance(body, dict):
            self._error(HTTPStatus.BAD_REQUEST, "send a JSON object")
            return None
        return body

    def _send(self, status: int, content_type: str, payload: bytes, *, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _json(self, data: Any, status: int = HTTPStatus.OK) -> None:
        self._send(status, "application/json; charset=utf-8", json.dumps(data).encode())

    def _error(self, status: int, message: str) -> None:
        self._json({"ok": False, "error": message}, status)

    def _static(self, name: str) -> None:
        target = (STATIC / unquote(name)).resolve()
        if STATIC.resolve() not in target.parents or not target.is_file():
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith("javascript"):
            kind += "; charset=utf-8"
        self._send(HTTPStatus.OK, kind, target.read_bytes())

    def _file(self, path: str) -> None:
        parts = path.split("/")
        try:
            file = self.controller.emulator.file(parts[2] if len(parts) > 2 else "")
        except EmulatorError:
            self._error(HTTPStatus.NOT_FOUND, "no such file")
            return
        if file.content is None:
            self._error(HTTPStatus.NOT_FOUND, "the file's upload has not finished")
            return
        self._send(HTTPStatus.OK, file.mimetype, file.content, cache=True)

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        stopping = self.server.stopping
        with self.controller.hub.connect() as client:
            try:
                self._write(
                    f"data: {json.dumps({'kind': 'hello', 'now': self.controller.now().isoformat()})}"
                )
                idle = 0.0
                while not stopping.is_set():
                    event = client.next(timeout=1.0)
                    if event is not None:
                        self._write(f"data: {json.dumps(event)}")
                        idle = 0.0
                        continue
                    idle += 1.0
                    if idle >= KEEPALIVE_SECONDS:  # proxies and browsers drop silent streams
                        self._write(": keep-alive")
                        idle = 0.0
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                return  # the page went away

    def _write(self, chunk: str) -> None:
        self.wfile.write(f"{chunk}\n\n".encode())
        self.wfile.flush()


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise DemoError(f"`{name}` is required")
    return value


def _number(body: dict[str, Any], name: str) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DemoError(f"`{name}` must be a number")
    return float(value)


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    return {"ok": True, "message": outcome.message, **(outcome.data or {})}
