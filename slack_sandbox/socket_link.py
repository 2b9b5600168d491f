"""One Socket Mode link, server side: a WebSocket on an emulator HTTP connection after its 101 answer.

The link's reader runs in the HTTP handler's thread (`run()` blocks until the link closes): it answers pings
with pongs, hands every text message to the observer (the emulator, which matches acks to envelopes), and
finishes the close handshake. Anything may call `send_json`, `ping` and `close` from other threads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from typing import Any, Protocol

from slack_sandbox.websocket import (
    CLOSE_INVALID_DATA,
    CLOSE_NO_STATUS,
    CLOSE_NORMAL,
    CLOSE_UNSUPPORTED_DATA,
    OP_BINARY,
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    MessageAssembler,
    Readable,
    WebSocketError,
    close_payload,
    encode_frame,
    parse_close,
    read_frame,
)

logger = logging.getLogger(__name__)


class LinkObserver(Protocol):
    def link_message(self, link: SocketLink, text: str) -> None: ...

    def link_changed(self, link: SocketLink) -> None: ...

    def link_closed(self, link: SocketLink) -> None: ...


class SocketLink:
    """An open WebSocket to the app. `received` holds the app's text messages, `sent` the JSON messages sent
    to it, `pings`/`pongs` the control frames' payloads; `close_code`/`closed_by` say how it ended."""

    def __init__(
        self,
        *,
        link_id: str,
        url: str,
        sock: socket.socket,
        rfile: Readable,
        observer: LinkObserver,
        opened_at: float,
    ) -> None:
        self.id, self.url, self.opened_at = link_id, url, opened_at
        self._sock, self._rfile, self._observer = sock, rfile, observer
        self._send_lock = threading.Lock()
        self._done = threading.Event()
        self._close_sent = False
        self.retiring = False  # sent a `disconnect`: closed once the app has opened another link
        self.received: list[str] = []
        self.sent: list[dict[str, Any]] = []
        self.pings: list[bytes] = []  # from the app; each answered with a pong
        self.pongs: list[bytes] = []  # the app's answers to `ping()`
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed_by: str | None = None  # "app", "emulator", or "network" (dropped without a close frame)

    def __repr__(self) -> str:
        return f"SocketLink({self.id!r}, open={self.open})"

    @property
    def open(self) -> bool:
        return not self._done.is_set() and not self._close_sent

    # ------------------------------------------------------------------ sending
    def send_raw(self, data: bytes) -> None:
        with self._send_lock:
            try:
                self._sock.sendall(data)
            except OSError as error:
                raise ConnectionError(f"socket link {self.id} is closed: {error}") from None

    def send_json(self, message: dict[str, Any]) -> None:
        """Send one JSON text message; ConnectionError if the link is closing or closed."""
        if not self.open:
            raise ConnectionError(f"socket link {self.id} is closed")
        self.send_raw(encode_frame(OP_TEXT, json.dumps(message).encode("utf-8")))
        self.sent.append(message)

    def ping(self, payload: bytes = b"") -> None:
        self.send_raw(encode_frame(OP_PING, payload))

    def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> None:
        """Start the close handshake: send a close frame, then stop writing. The reader ends when the app
        answers or drops the connection."""
        with self._send_lock:
            if self._close_sent or self._done.is_set():
                return
            self._close_sent = True
            if self.close_code is None:
                self.close_code, self.close_reason, self.closed_by = code, reason, "emulator"
            with contextlib.suppress(OSError):
                payload = b"" if code == CLOSE_NO_STATUS else close_payload(code, reason)
                self._sock.sendall(encode_frame(OP_CLOSE, payload))
                self._sock.shutdown(socket.SHUT_WR)

    def abort(self) -> None:
        """Drop the TCP connection without a close handshake."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def wait_closed(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    # ------------------------------------------------------------------ reading
    def run(self) -> None:
        """Read frames until the link closes (blocks the calling thread)."""
        assembler = MessageAssembler()
        try:
            while self._read_one(assembler):
                pass
        except WebSocketError as error:
            logger.info("socket link %s: protocol error: %s", self.id, error)
            self.close(error.code, str(error)[:120])
        except (EOFError, OSError):
            pass
        finally:
            if self.close_code is None:
                self.closed_by = "network"
            self._done.set()
            self.abort()
            self._observer.link_closed(self)

    def _read_one(self, assembler: MessageAssembler) -> bool:
        frame = read_frame(self._rfile)
        if frame is None:
            return False
        if not frame.masked:
            raise WebSocketError("a client must mask its frames")
        if frame.opcode == OP_PING:
            self.pings.append(frame.payload)
            with contextlib.suppress(ConnectionError):
                self.send_raw(encode_frame(OP_PONG, frame.payload))
            self._observer.link_changed(self)
        elif frame.opcode == OP_PONG:
            self.pongs.append(frame.payload)
            self._observer.link_changed(self)
        elif frame.opcode == OP_CLOSE:
            code, reason = parse_close(frame.payload)
            if self.close_code is None:
                self.close_code, self.close_reason, self.closed_by = code, reason, "app"
            self.close(code, reason)  # echo it (a no-op if the emulator closed first)
            return False
        else:
            message = assembler.add(frame)
            if message is not None:
                self._text(*message)
        return True

    def _text(self, opcode: int, data: bytes) -> None:
        if opcode == OP_BINARY:
            raise WebSocketError("Socket Mode messages are JSON text", code=CLOSE_UNSUPPORTED_DATA)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise WebSocketError("text frame is not UTF-8", code=CLOSE_INVALID_DATA) from None
        self.received.append(text)
        self._observer.link_message(self, text)
