"""The emulator's HTTP side: routes, request body parsing (form, JSON, multipart, query) and replies.

Routes:  POST|GET /api/<method>         the Web API (what SLACK_API_URL points at)
         POST     /upload/v1/<token>    upload URLs from files.getUploadURLExternal
         POST     /response/<team>/<t>  response_url endpoints
         GET      /files/<id>/<name>    uploaded file bytes (so the demo page can show them in an <img>)
         GET      /link/?ticket=<t>     Socket Mode WebSocket links from apps.connections.open
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import struct
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

if TYPE_CHECKING:
    from slack_sandbox.emulator import SlackEmulator

logger = logging.getLogger(__name__)
MAX_BODY = 64 * 1024 * 1024


@dataclass
class Reply:
    """What to send back. `action` "hold" keeps the connection silent for `hold` seconds, then closes it;
    "late" sends the reply after `hold` seconds; "disconnect" closes the connection at once and "reset"
    resets it (TCP RST): models of a client-side timeout, an answer after the client gave up, a reset."""

    status: int = 200
    body: dict[str, Any] | str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"
    action: str = "respond"
    hold: float = 0.0


def parse_args(query: str, body: bytes, content_type: str) -> tuple[dict[str, Any], bool]:
    """Arguments from the query string and the body; the flag says whether the body was JSON.

    Slack ignores a `token` inside a JSON body (JSON calls must use the Authorization header).
    """
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return args, False
    if kind == "application/json":
        data = json.loads(body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("a JSON body must be an object")
        data.pop("token", None)
        args.update(data)
        return args, True
    if kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                args[name] = payload if part.get_filename() else payload.decode("utf-8")
        return args, False
    args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return args, False


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # Slack does not reset connections under a burst; the default backlog is 5
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: SlackEmulator) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("emulator %s", format % args)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, verb: str) -> None:
        parts = urlsplit(self.path)
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        emulator = self.server.emulator
        if verb == "GET" and segments == ["link"]:
            self.close_connection = True  # the connection becomes the WebSocket, or ends after the refusal
            try:
                emulator.accept_socket_link(self, parts.query)
            except Exception:
                logger.exception("emulator failed on socket link %s", self.path)
            return
        try:
            body = self._read_body()
            content_type = self.headers.get("Content-Type", "")
            if segments[0] == "api" and len(segments) == 2:
                try:
                    args, is_json = parse_args(parts.query, body, content_type)
                except (ValueError, UnicodeDecodeError):
                    bad_json = content_type.lower().startswith("application/json")
                    reply = Reply(
                        body={"ok": False, "error": "invalid_json" if bad_json else "invalid_form_data"}
                    )
                else:
                    reply = emulator.handle_api(segments[1], args, self._token(args, is_json))
            elif verb == "POST" and segments[0] == "upload" and len(segments) == 3:
                reply = emulator.handle_upload(segments[2], body, content_type)
            elif verb == "POST" and segments[0] == "response" and len(segments) == 3:
                reply = emulator.handle_response_url(segments[2], body)
            elif verb == "GET" and segments[0] == "files" and len(segments) == 3:
                reply = emulator.handle_file(segments[1])
            else:
                reply = Reply(status=404, body={"ok": False, "error": "not_found"})
        except Exception:  # the emulator must answer, even about its own bugs, so a test fails clearly
            logger.exception("emulator failed on %s %s", verb, self.path)
            reply = Reply(status=500, body={"ok": False, "error": "emulator_internal_error"})
        self._send(reply)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _token(self, args: dict[str, Any], is_json: bool) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip() or None
        if auth.lower().startswith("basic "):  # oauth.v2.access: the app's client id and secret
            client_id, _, secret = base64.b64decode(auth[6:].strip()).decode(errors="replace").partition(":")
            args.setdefault("client_id", client_id)
            args.setdefault("client_secret", secret)
        token = args.pop("token", None)
        return None if is_json or not isinstance(token, str) else token

    def _send(self, reply: Reply) -> None:
        if reply.action == "late":
            self.server.emulator.hold(reply.hold)
            self.close_connection = True  # the client may be gone: answer, then close
        elif reply.action != "respond":
            if reply.action == "hold":
                self.server.emulator.hold(reply.hold)
            elif reply.action == "reset":  # linger 0: close() sends RST instead of FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if isinstance(reply.body, dict):
            payload = json.dumps(reply.body).encode("utf-8")
        elif isinstance(reply.body, str):
            payload = reply.body.encode("utf-8")
        else:
            payload = reply.body or b""
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True
