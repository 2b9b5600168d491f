"""Socket Mode in the emulator: `apps.connections.open`, the WebSocket links it hands out, and deliveries
over them, as Slack does it (https://api.slack.com/apis/socket-mode).

    emu = SlackEmulator(app_token="xapp-1-sandbox")          # Socket Mode on for the app
    handler = SocketModeHandler(app, "xapp-1-sandbox")         # app.client points at emu.api_url
    handler.connect()                                          # apps.connections.open, then the WebSocket
    delivery = emu.send_slash_command("mrr", user=..., channel=...)   # an envelope over the link, acked

With an app token configured, commands, interactions and events go over the app's open links (round robin)
instead of the request URL; pass `transport="http"` to send one over HTTP anyway. Each envelope is recorded
as a `Delivery` (transport "socket") once the app acks it, or after Slack's 3 seconds without an ack.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs

from slack_sandbox.http_server import Reply
from slack_sandbox.limits import RateLimiter
from slack_sandbox.recording import Call, Delivery
from slack_sandbox.socket_link import SocketLink
from slack_sandbox.state import EmulatorError
from slack_sandbox.websocket import CLOSE_GOING_AWAY, CLOSE_NORMAL, HandshakeError, check_handshake
from slack_sandbox.workspace import Workspace

logger = logging.getLogger(__name__)
Transport = Literal["http", "socket"]
OPEN_METHOD = "apps.connections.open"
LINK_HOST = "applink-sandbox"  # debug_info.host, as Slack names its link servers
ENVELOPE_TYPES = {
    "slash_command": "slash_commands",
    "block_actions": "interactive",
    "event_callback": "events_api",
}


@dataclass
class PendingEnvelope:
    link: SocketLink
    ack: dict[str, Any] | None = None
    acked_at: float = 0.0


class SocketModeMixin:
    """Mixed into SlackEmulator (first, so its methods win). Attributes below come from the emulator."""

    _lock: threading.RLock
    _changed: threading.Condition
    _stopping: threading.Event
    _deliveries: list[Delivery]
    workspace: Workspace
    _workspaces: dict[str, Workspace]
    limiter: RateLimiter
    host: str
    port: int
    now: Callable[[], float]
    wait_for: Callable[..., Any]
    _emitter: Callable[[str | None], Any]

    def _init_socket_mode(self, app_token: str | None) -> None:
        if app_token is not None and not app_token.startswith("xapp-"):
            raise EmulatorError("an app-level token starts with xapp-")
        self.app_token = app_token
        self._tickets: set[str] = set()
        self._links: list[SocketLink] = []  # every link ever opened, in order
        self._pending: dict[str, PendingEnvelope] = {}
        self._round_robin = 0
        self.stray_acks: list[dict[str, Any]] = []  # acks for unknown or expired envelopes (Slack drops them)

    @property
    def socket_mode(self) -> bool:
        """Socket Mode is on for the app (an app token is configured): deliveries go over its links."""
        return self.app_token is not None

    def socket_links(self, *, open_only: bool = True) -> list[SocketLink]:
        with self._lock:
            return [link for link in self._links if link.open or not open_only]

    # ------------------------------------------------------------------ apps.connections.open
    def socket_api_reply(self, method: str, token: str | None, call: Call) -> Reply | None:
        """apps.connections.open, and refusing app tokens elsewhere; None lets the Web API go on as usual."""
        if method != OPEN_METHOD:
            if token is not None and token == self.app_token:
                return Reply(body={"ok": False, "error": "not_allowed_token_type"})
            return None
        if token is None:
            return Reply(body={"ok": False, "error": "not_authed"})
        if token != self.app_token:  # a bot token is the wrong kind; anything else is unknown
            bot = any(ws.bot_token == token for ws in self._workspaces.values())
            return Reply(body={"ok": False, "error": "not_allowed_token_type" if bot else "invalid_auth"})
        app_id = self.workspace.app_id
        retry_after = self.limiter.acquire(team=app_id, method=method, channel=None, now=call.time)
        if retry_after is not None:
            return Reply(
                status=429,
                body={"ok": False, "error": "ratelimited"},
                headers={"Retry-After": str(retry_after)},
            )
        ticket = str(uuid.uuid4())
        self._tickets.add(ticket)
        url = f"ws://{self.host}:{self.port}/link/?ticket={ticket}&app_id={app_id}"
        return Reply(body={"ok": True, "url": url})

    # ------------------------------------------------------------------ links
    def accept_socket_link(self, handler: BaseHTTPRequestHandler, query: str) -> None:
        """Serve `GET /link/?ticket=...`: the opening handshake, `hello`, then the link until it closes."""
        ticket = (parse_qs(query).get("ticket") or [""])[0]
        link: SocketLink | None = None
        try:
            accept = check_handshake(
                method=handler.command, version=handler.request_version, headers=handler.headers
            )
            with self._lock:
                if self._stopping.is_set():
                    raise HandshakeError(503, "the emulator is stopping")
                if ticket not in self._tickets:
                    raise HandshakeError(401, "unknown or already used ticket")
                self._tickets.discard(ticket)  # a ticket opens one link
                link = SocketLink(
                    link_id=f"L{len(self._links) + 1}",
                    url=f"ws://{self.host}:{self.port}{handler.path}",
                    sock=handler.connection,
                    rfile=handler.rfile,
                    observer=self,
                    opened_at=self.now(),
                )
                # under the lock, so no envelope can overtake the handshake or the hello
                link.send_raw(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode("ascii")
                )
                self._links.append(link)
                link.send_json(self._hello())
                self._emitter(None)("socket_opened", data={"link": link.id, "url": link.url})
                retired = [old for old in self._links if old.retiring and old.open]
            for old in retired:  # the replacement is up: Slack now closes the link it asked the app to leave
                old.close(CLOSE_NORMAL, "replaced")
        except HandshakeError as error:
            _refuse(handler, error)
        except ConnectionError:
            pass  # the app went away mid-handshake: run() below sees the end of the stream and cleans up
        if link is not None:
            link.run()

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": sum(1 for link in self._links if link.open),
            "debug_info": {"host": LINK_HOST, "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.workspace.app_id},
        }

    def link_message(self, link: SocketLink, text: str) -> None:
        """An app message: an ack `{"envelope_id": ..., "payload": {...}}` for an envelope it was sent."""
        try:
            message = json.loads(text)
        except ValueError:
            logger.info("socket link %s sent a non-JSON message: %.200s", link.id, text)
            return
        with self._lock:
            envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
            pending = self._pending.get(str(envelope_id)) if envelope_id else None
            if pending is not None and pending.ack is None:
                pending.ack, pending.acked_at = message, time.monotonic()
            elif isinstance(message, dict):
                self.stray_acks.append(message)
            self._changed.notify_all()

    def link_changed(self, link: SocketLink) -> None:
        with self._lock:
            self._changed.notify_all()

    def link_closed(self, link: SocketLink) -> None:
        data = {"link": link.id, "code": link.close_code, "by": link.closed_by}
        self._emitter(None)("socket_closed", data=data)

    def send_disconnect(self, *, reason: str = "refresh_requested") -> list[SocketLink]:
        """Ask the app to reconnect, as Slack does before retiring a link: `{"type": "disconnect"}`. The
        app opens a new link; once it has, the emulator closes the old one. Returns the links told."""
        links = self.socket_links()
        for link in links:
            link.retiring = True
            link.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": LINK_HOST}})
        return links

    def close_socket_links(
        self, *, code: int = CLOSE_GOING_AWAY, reason: str = "", wait: float = 2.0
    ) -> None:
        """Close every open link from Slack's side, waiting up to `wait` seconds for each to finish."""
        links = self.socket_links()
        for link in links:
            link.close(code, reason)
        deadline = time.monotonic() + wait
        for link in links:
            if not link.wait_closed(max(0.0, deadline - time.monotonic())):
                link.abort()

    # ------------------------------------------------------------------ deliveries
    def _deliver_socket(
        self, kind: str, fields: dict[str, Any], *, team: str | None, timeout: float
    ) -> Delivery:
        if kind not in ENVELOPE_TYPES:
            raise EmulatorError(f"{kind} deliveries go over HTTP only")
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "payload": fields,
            "type": ENVELOPE_TYPES[kind],
            "accepts_response_payload": kind == "slash_command",
        }
        if kind == "event_callback":
            envelope.update(retry_attempt=0, retry_reason="")
        envelope_id, body = envelope["envelope_id"], json.dumps(envelope)
        with self._lock:
            links = [link for link in self._links if link.open]
            link = links[self._round_robin % len(links)] if links else None
            self._round_robin += 1
            if link is not None:
                pending = self._pending[envelope_id] = PendingEnvelope(link)
        delivery = Delivery(
            kind=kind, url="", body=body, headers={}, fields=fields, sent_at=self.now(), transport="socket"
        )
        delivery.envelope_id = envelope_id
        started = time.monotonic()
        if link is None:
            delivery.error = "not_connected"  # Slack: dispatch_failed, the app has no open link
        else:
            delivery.url = link.url
            delivery.error = self._await_ack(link, pending, envelope, timeout=timeout)
            if delivery.error is None and pending.ack is not None:  # an ack after the timeout is too late
                payload = pending.ack.get("payload")
                delivery.status, delivery.ack = 200, pending.ack
                delivery.elapsed = pending.acked_at - started
                if payload is not None:
                    delivery.response_body = json.dumps(payload)
                    delivery.response_headers = {"Content-Type": "application/json"}
        if delivery.status is None:
            delivery.elapsed = time.monotonic() - started
        with self._lock:
            self._pending.pop(envelope_id, None)
            self._deliveries.append(delivery)
            self._emitter(team)("delivery", data=delivery.to_dict())
        return delivery

    def _await_ack(
        self, link: SocketLink, pending: PendingEnvelope, envelope: dict[str, Any], *, timeout: float
    ) -> str | None:
        try:
            link.send_json(envelope)
        except ConnectionError as error:
            return f"connection_failed: {error}"
        try:
            self.wait_for(lambda: pending.ack is not None or not link.open, timeout=timeout)
        except TimeoutError:
            return "operation_timeout"
        return None if pending.ack is not None else "connection_failed: the link closed before the ack"


def _refuse(handler: BaseHTTPRequestHandler, error: HandshakeError) -> None:
    body = json.dumps({"ok": False, "error": str(error)}).encode("utf-8")
    handler.send_response(error.status)
    headers = {**error.headers, "Content-Type": "application/json", "Content-Length": str(len(body))}
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)
