"""Socket Mode test helpers: an emulator with Socket Mode on, and a hand-made RFC 6455 client (`RawLink`)
that shows exactly what goes over the wire."""

from __future__ import annotations

import base64
import json
import os
import socket
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient

from slack_sandbox import SlackEmulator
from slack_sandbox.websocket import OP_TEXT, Frame, encode_frame, read_frame
from tests.slack_sandbox.conftest import SECRET, TOKEN, FakeClock

APP_TOKEN = "xapp-1-sandbox-secret"


def socket_emulator(clock: FakeClock) -> SlackEmulator:
    """Not yet started; one channel (general) and one user (ana)."""
    return SlackEmulator.with_workspace(
        channels=["general"],
        users=["ana"],
        bot_token=TOKEN,
        signing_secret=SECRET,
        clock=clock,
        app_token=APP_TOKEN,
    )


class RawLink:
    """The client side, by hand: handshake, masked frames out, frames in."""

    def __init__(self, url: str, *, version: str = "13") -> None:
        parts = urlsplit(url)
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        self.rfile = self.sock.makefile("rb")
        request = (
            f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {self.key}\r\nSec-WebSocket-Version: {version}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.status = int(self.rfile.readline().split()[1])
        self.headers: dict[str, str] = {}
        while (line := self.rfile.readline().decode().strip()) != "":
            name, value = line.split(":", 1)
            self.headers[name.strip().lower()] = value.strip()

    def send(self, opcode: int, payload: bytes, *, fin: bool = True, masked: bool = True) -> None:
        self.sock.sendall(encode_frame(opcode, payload, fin=fin, mask=os.urandom(4) if masked else None))

    def send_json(self, message: dict[str, Any]) -> None:
        self.send(OP_TEXT, json.dumps(message).encode())

    def recv(self) -> Frame | None:
        return read_frame(self.rfile)

    def recv_json(self) -> dict[str, Any]:
        frame = self.recv()
        assert frame is not None and frame.opcode == OP_TEXT and not frame.masked  # servers never mask
        return dict(json.loads(frame.payload))

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()


def open_url(emu: SlackEmulator) -> str:
    return str(WebClient(base_url=emu.api_url).apps_connections_open(app_token=APP_TOKEN)["url"])
