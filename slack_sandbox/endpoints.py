"""The emulator's request handling: Web API dispatch (auth, faults, rate limits, the method), uploads,
response_urls and file downloads. Mixed into SlackEmulator; every entry point runs under its lock.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any

from slack_sandbox.api_chat import METHODS as CHAT_METHODS
from slack_sandbox.api_common import ApiCall, Handler
from slack_sandbox.api_conversations import METHODS as CONVERSATION_METHODS
from slack_sandbox.api_files import METHODS as FILE_METHODS
from slack_sandbox.api_files import receive_upload
from slack_sandbox.api_views import METHODS as VIEW_METHODS
from slack_sandbox.faults import Fault, FaultInjector
from slack_sandbox.http_server import Reply
from slack_sandbox.limits import RateLimiter
from slack_sandbox.recording import Call
from slack_sandbox.response_urls import ResponseUrls
from slack_sandbox.state import MethodError
from slack_sandbox.workspace import Workspace

METHODS: dict[str, Handler] = {**CHAT_METHODS, **CONVERSATION_METHODS, **FILE_METHODS, **VIEW_METHODS}
JSON_ARGS = ("blocks", "attachments", "files", "metadata")


class EndpointsMixin:
    _lock: threading.RLock
    _calls: list[Call]
    _workspaces: dict[str, Workspace]
    faults: FaultInjector
    limiter: RateLimiter
    response_urls: ResponseUrls
    now: Callable[[], float]
    socket_api_reply: Callable[[str, str | None, Call], Reply | None]  # socket_mode.py

    def _emitter(self, team: str | None) -> Any:
        raise NotImplementedError

    def _ws(self, team: str | None) -> Workspace:
        raise NotImplementedError

    def oauth_api_reply(
        self, method: str, args: dict[str, Any], token: str | None, call: Call
    ) -> Reply | None:
        raise NotImplementedError

    def handle_api(self, method: str, args: dict[str, Any], token: str | None) -> Reply:
        with self._lock:
            call = Call(method=method, args=_decoded(args), time=self.now())
            reply = self._api_reply(method, args, token, call)
            call.status, call.headers = reply.status, dict(reply.headers)
            call.response = reply.body if isinstance(reply.body, dict) and reply.action == "respond" else None
            self._calls.append(call)
            self._emitter(call.team)("api_call", data=call.to_dict())
            return reply

    def _api_reply(self, method: str, args: dict[str, Any], token: str | None, call: Call) -> Reply:
        fault = self.faults.take(method)
        if fault is not None and not fault.processed:
            call.fault = fault.kind
            if fault.kind == "late":  # the answer, late: here an error that never ran the method
                return Reply(
                    status=503,
                    body={"ok": False, "error": "service_unavailable"},
                    action="late",
                    hold=fault.hold,
                )
            return _fault_reply(fault)
        socket_reply = self.socket_api_reply(method, token, call)  # apps.connections.open, app tokens
        if socket_reply is not None:
            return socket_reply
        oauth_reply = self.oauth_api_reply(method, args, token, call)  # oauth.v2.access, revoked tokens
        if oauth_reply is not None:
            return oauth_reply
        handler = METHODS.get(method)
        if handler is None:
            return Reply(body={"ok": False, "error": "unknown_method", "req_method": method})
        if token is None:
            return Reply(body={"ok": False, "error": "not_authed"})
        ws = next((w for w in self._workspaces.values() if w.bot_token == token), None)
        if ws is None:
            return Reply(body={"ok": False, "error": "invalid_auth"})
        call.team = ws.team_id
        key = str(args.get("channel") or args.get("channel_id") or "")
        known = ws.find_channel(key) if key else None  # "#general" and its id share one bucket
        channel_key = known.id if known is not None else key
        retry_after = self.limiter.acquire(team=ws.team_id, method=method, channel=channel_key, now=call.time)
        if retry_after is not None:
            return Reply(
                status=429,
                body={"ok": False, "error": "ratelimited"},
                headers={"Retry-After": str(retry_after)},
            )
        api_call = ApiCall(ws=ws, args=args, warnings=call.warnings)
        try:
            body = handler(api_call)
        except MethodError as exc:
            reply = Reply(status=exc.status, body=exc.body())
        else:
            if call.warnings:
                body.setdefault("response_metadata", {}).setdefault("warnings", list(call.warnings))
            reply = Reply(body=body)
        if fault is not None:  # processed: the method ran, but the client never hears back in time
            call.fault = fault.kind
            if fault.kind == "late":
                reply.action, reply.hold = "late", fault.hold
                return reply
            return _fault_reply(fault)
        return reply

    def handle_upload(self, token: str, body: bytes, content_type: str) -> Reply:
        with self._lock:
            call = Call(method="upload", args={"bytes": len(body)}, time=self.now())
            fault = self.faults.take("upload")
            if fault is not None:
                call.fault = fault.kind
                reply = _fault_reply(fault)
            else:
                status, text = receive_upload(list(self._workspaces.values()), token, body, content_type)
                reply = Reply(status=status, body=text, content_type="text/plain; charset=utf-8")
            call.status = reply.status
            call.response = (
                {"ok": reply.status == 200, "body": reply.body} if reply.action == "respond" else None
            )
            self._calls.append(call)
            self._emitter(None)("api_call", data=call.to_dict())
            return reply

    def handle_response_url(self, token: str, body: bytes) -> Reply:
        with self._lock:
            try:
                payload: Any = json.loads(body.decode("utf-8")) if body else None
            except (ValueError, UnicodeDecodeError):
                payload = None
            call = Call(
                method="response_url", args=payload if isinstance(payload, dict) else {}, time=self.now()
            )
            fault = self.faults.take("response_url")
            grant = self.response_urls.grant(token)
            if fault is not None:
                call.fault = fault.kind
                reply = _fault_reply(fault)
            elif grant is None:
                reply = Reply(status=404, body={"ok": False, "error": "invalid_url"})
            else:
                call.team = grant.team
                try:
                    reply = Reply(
                        body=self.response_urls.post(self._ws(grant.team), grant, payload, now=call.time)
                    )
                except MethodError as exc:
                    reply = Reply(status=exc.status, body=exc.body())
            call.status = reply.status
            call.response = reply.body if isinstance(reply.body, dict) and reply.action == "respond" else None
            self._calls.append(call)
            self._emitter(call.team)("api_call", data=call.to_dict())
            return reply

    def handle_file(self, file_id: str) -> Reply:
        with self._lock:
            for ws in self._workspaces.values():
                file = ws.files.get(file_id)
                if file is not None and file.content is not None:
                    return Reply(
                        body=file.content,
                        content_type=file.mimetype,
                        headers={"Cache-Control": "private, max-age=3600"},
                    )
            return Reply(status=404, body={"ok": False, "error": "file_not_found"})


def _decoded(args: dict[str, Any]) -> dict[str, Any]:
    out = dict(args)
    for key in JSON_ARGS:
        if isinstance(out.get(key), str):
            with contextlib.suppress(ValueError):
                out[key] = json.loads(out[key])
    return out


def _fault_reply(fault: Fault) -> Reply:
    if fault.kind == "ratelimited":
        return Reply(
            status=429,
            body={"ok": False, "error": "ratelimited"},
            headers={"Retry-After": str(fault.retry_after)},
        )
    if fault.kind == "server_error":
        error = "service_unavailable" if fault.status == 503 else "fatal_error"
        return Reply(status=fault.status, body={"ok": False, "error": error})
    if fault.kind == "timeout":
        return Reply(action="hold", hold=fault.hold)
    if fault.kind in ("disconnect", "reset"):
        return Reply(action=fault.kind)
    return Reply(body={"ok": False, "error": fault.kind})
