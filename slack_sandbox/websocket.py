"""A small RFC 6455 WebSocket codec for the emulator's Socket Mode links: the server's opening handshake,
frames in both directions (clients mask, servers do not), fragmentation, ping/pong and the close handshake.

>>> accept_key("dGhlIHNhbXBsZSBub25jZQ==")  # the example in RFC 6455 section 1.3
's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
>>> import io
>>> read_frame(io.BytesIO(encode_frame(OP_TEXT, b"hi", mask=b"abcd"))).payload
b'hi'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Protocol

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
DATA_OPCODES = (OP_TEXT, OP_BINARY)
CONTROL_OPCODES = (OP_CLOSE, OP_PING, OP_PONG)

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_NO_STATUS = 1005  # never sent: "the close frame had no code"
CLOSE_INVALID_DATA = 1007
CLOSE_TOO_BIG = 1009
MAX_MESSAGE = 16 * 1024 * 1024


class Readable(Protocol):
    """A byte stream: a socket's buffered `makefile("rb")`, or io.BytesIO in tests."""

    def read(self, size: int, /) -> bytes: ...


class WebSocketError(Exception):
    """The peer broke the protocol; `code` is the close code to answer with."""

    def __init__(self, message: str, *, code: int = CLOSE_PROTOCOL_ERROR) -> None:
        super().__init__(message)
        self.code = code


class HandshakeError(Exception):
    """An opening handshake the server refuses, with the HTTP status (and headers) to answer it with."""

    def __init__(self, status: int, message: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a client's Sec-WebSocket-Key."""
    return base64.b64encode(hashlib.sha1((key.strip() + GUID).encode("ascii")).digest()).decode("ascii")


def check_handshake(*, method: str, version: str, headers: Mapping[str, str] | Message) -> str:
    """Validate a client's opening handshake (RFC 6455 4.2.1) and return its Sec-WebSocket-Accept.

    `headers` must look names up case-insensitively (an `email.message.Message`, as http.server gives).
    """
    if method != "GET" or version != "HTTP/1.1":
        raise HandshakeError(400, "a WebSocket handshake is an HTTP/1.1 GET")
    if (headers.get("Upgrade") or "").strip().lower() != "websocket":
        raise HandshakeError(400, "missing Upgrade: websocket")
    tokens = {t.strip().lower() for t in (headers.get("Connection") or "").split(",")}
    if "upgrade" not in tokens:
        raise HandshakeError(400, "missing Connection: Upgrade")
    if (headers.get("Sec-WebSocket-Version") or "").strip() != "13":
        raise HandshakeError(426, "only WebSocket version 13", headers={"Sec-WebSocket-Version": "13"})
    key = (headers.get("Sec-WebSocket-Key") or "").strip()
    try:
        valid = len(base64.b64decode(key, validate=True)) == 16
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        raise HandshakeError(400, "Sec-WebSocket-Key must be 16 bytes in base64")
    return accept_key(key)


@dataclass(frozen=True)
class Frame:
    opcode: int
    payload: bytes
    fin: bool = True
    masked: bool = False


def encode_frame(opcode: int, payload: bytes = b"", *, fin: bool = True, mask: bytes | None = None) -> bytes:
    """One frame. Servers send unmasked frames; clients pass a 4-byte `mask`."""
    head = bytes([(0x80 if fin else 0) | opcode])
    flag = 0x80 if mask is not None else 0
    size = len(payload)
    if size < 126:
        head += bytes([flag | size])
    elif size < 1 << 16:
        head += bytes([flag | 126]) + struct.pack("!H", size)
    else:
        head += bytes([flag | 127]) + struct.pack("!Q", size)
    if mask is None:
        return head + payload
    if len(mask) != 4:
        raise ValueError("a mask is 4 bytes")
    return head + mask + _unmask(payload, mask)


def read_frame(stream: Readable, *, max_payload: int = MAX_MESSAGE) -> Frame | None:
    """The next frame from `stream` (a buffered reader), or None when the peer closed between frames.

    Raises WebSocketError for protocol violations, EOFError when the stream ends inside a frame.
    """
    first = stream.read(1)
    if not first:
        return None
    second = _read_exact(stream, 1)
    b1, b2 = first[0], second[0]
    if b1 & 0x70:
        raise WebSocketError("reserved bits set without a negotiated extension")
    opcode, fin, masked, size = b1 & 0x0F, bool(b1 & 0x80), bool(b2 & 0x80), b2 & 0x7F
    if opcode not in DATA_OPCODES + CONTROL_OPCODES + (OP_CONTINUATION,):
        raise WebSocketError(f"unknown opcode {opcode:#x}")
    if size == 126:
        size = struct.unpack("!H", _read_exact(stream, 2))[0]
    elif size == 127:
        size = struct.unpack("!Q", _read_exact(stream, 8))[0]
    if opcode in CONTROL_OPCODES and (size > 125 or not fin):
        raise WebSocketError("control frames are unfragmented and at most 125 bytes")
    if size > max_payload:
        raise WebSocketError(f"frame of {size} bytes is too big", code=CLOSE_TOO_BIG)
    mask = _read_exact(stream, 4) if masked else None
    payload = _read_exact(stream, size)
    return Frame(opcode, _unmask(payload, mask) if mask else payload, fin, masked)


class MessageAssembler:
    """Joins fragmented data frames into whole messages: `add(frame)` -> (opcode, data) once complete."""

    def __init__(self, *, max_message: int = MAX_MESSAGE) -> None:
        self.max_message = max_message
        self._opcode: int | None = None
        self._parts: list[bytes] = []
        self._size = 0

    def add(self, frame: Frame) -> tuple[int, bytes] | None:
        if frame.opcode == OP_CONTINUATION:
            if self._opcode is None:
                raise WebSocketError("continuation frame without a message to continue")
        elif self._opcode is not None:
            raise WebSocketError("a new message started before the last one finished")
        else:
            self._opcode = frame.opcode
        self._size += len(frame.payload)
        if self._size > self.max_message:
            raise WebSocketError("message too big", code=CLOSE_TOO_BIG)
        self._parts.append(frame.payload)
        if not frame.fin:
            return None
        opcode, data = self._opcode, b"".join(self._parts)
        self._opcode, self._parts, self._size = None, [], 0
        return opcode, data


def close_payload(code: int, reason: str = "") -> bytes:
    return struct.pack("!H", code) + reason.encode("utf-8")[:123]


def parse_close(payload: bytes) -> tuple[int, str]:
    """(code, reason) of a close frame; 1005 when it carried no code."""
    if not payload:
        return CLOSE_NO_STATUS, ""
    if len(payload) == 1:
        raise WebSocketError("a close payload has a 2-byte code")
    try:
        return struct.unpack("!H", payload[:2])[0], payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        raise WebSocketError("close reason is not UTF-8", code=CLOSE_INVALID_DATA) from None


def _read_exact(stream: Readable, size: int) -> bytes:
    data = stream.read(size) if size else b""
    while len(data) < size:  # raw sockets may return short reads; buffered readers only at EOF
        more = stream.read(size - len(data))
        if not more:
            raise EOFError("connection closed inside a frame")
        data += more
    return data


def _unmask(payload: bytes, mask: bytes) -> bytes:
    if not payload:
        return payload
    key = int.from_bytes((mask * (len(payload) // 4 + 1))[: len(payload)], "big")
    return (int.from_bytes(payload, "big") ^ key).to_bytes(len(payload), "big")
