"""What the emulator saw: every Web API / response_url / upload call, and every request it sent the bot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    """One request the bot made to the emulator.

    `method` is the Web API method ("chat.postMessage"), or "response_url" / "upload" for those endpoints.
    `args` are the parsed arguments (JSON values kept, form values as strings, blocks/attachments decoded).
    `response` is the JSON body sent back (None when a fault held or dropped the connection).
    """

    method: str
    args: dict[str, Any]
    time: float
    status: int = 200
    response: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    team: str | None = None
    warnings: list[str] = field(default_factory=list)
    fault: str | None = None  # the injected fault kind that answered this call, if any

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        if self.response is None:
            return self.fault
        return None if self.response.get("ok") else str(self.response.get("error"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "args": self.args,
            "time": self.time,
            "status": self.status,
            "response": self.response,
            "warnings": list(self.warnings),
            "fault": self.fault,
        }


@dataclass
class Delivery:
    """One signed request the emulator sent to the bot, and what the bot answered.

    `status` is None when the bot could not be reached or did not answer within the timeout (Slack's
    3 seconds by default); `error` then says which ("operation_timeout", "connection_failed: ...").
    Over Socket Mode (`transport` "socket") the request is an envelope on a WebSocket link (`url`): `body` is
    the envelope JSON, `ack` the app's whole ack, `response_body` the JSON of its payload (if any), and
    `status` 200 once acked.
    """

    kind: str  # slash_command, block_actions, event_callback, raw
    url: str
    body: str
    headers: dict[str, str]
    fields: dict[str, Any]  # the form fields, or the decoded `payload` JSON for interactions
    sent_at: float
    status: int | None = None
    response_body: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0  # wall-clock seconds until the bot answered
    error: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None
    transport: str = "http"  # or "socket"
    envelope_id: str | None = None
    ack: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "url": self.url,
            "fields": self.fields,
            "status": self.status,
            "response_body": self.response_body,
            "elapsed": self.elapsed,
            "error": self.error,
            "transport": self.transport,
        }
