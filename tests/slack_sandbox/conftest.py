"""Fixtures for the emulator tests: a seeded, running emulator on a fake clock, a WebClient pointed at it,
and a tiny app server that verifies Slack signatures with slack_sdk's SignatureVerifier."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from slack_sandbox import SlackEmulator

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"


class FakeClock:
    """Seconds that only move when told to."""

    def __init__(self, start: float = 1_767_261_600.0) -> None:  # 2026-01-01 10:00 UTC
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[SlackEmulator]:
    emulator = SlackEmulator.with_workspace(
        channels=[
            "general",
            "kpi-daily",
            {"name": "exec", "private": True},
            {"name": "outside", "bot_member": False},
            {"name": "old", "archived": True},
            {"name": "hidden", "private": True, "bot_member": False},
        ],
        users=[
            {"name": "ana", "email": "ana@example.com", "real_name": "Ana Lima", "tz": "Europe/Berlin"},
            "bob",
        ],
        signing_secret=SECRET,
        bot_token=TOKEN,
        clock=clock,
    )
    emulator.add_user("carol", email="carol@example.com")  # in no channel
    with emulator:
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=TOKEN, timeout=5)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    form: dict[str, str]

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.form["payload"])


@dataclass
class Receiver:
    """The bot side of the wire: 401 for bad signatures, else `respond(request)` -> (status, body, ctype)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    rejected: list[Received] = field(default_factory=list)
    respond: Callable[[Received], tuple[int, str, str]] = lambda _r: (200, "", "text/plain")
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    verifier = SignatureVerifier(SECRET)
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            headers = {k: v for k, v in self.headers.items()}
            received = Received(self.path, headers, body, dict(parse_qsl(body, keep_blank_values=True)))
            recv = holder["r"]
            if not verifier.is_valid_request(body, headers):
                recv.rejected.append(received)
                status, text, ctype = 401, "invalid request", "text/plain"
            else:
                recv.requests.append(received)
                status, text, ctype = recv.respond(received)
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    holder["r"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/slack/events")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield holder["r"]
    holder["r"].release.set()
    server.shutdown()
    server.server_close()
