"""The RFC 6455 codec behind the emulator's Socket Mode links: handshake checks, frames, fragmentation."""

from __future__ import annotations

import io
from email.message import Message

import pytest

from slack_sandbox.websocket import (
    CLOSE_NO_STATUS,
    CLOSE_TOO_BIG,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_TEXT,
    Frame,
    HandshakeError,
    MessageAssembler,
    WebSocketError,
    accept_key,
    check_handshake,
    close_payload,
    encode_frame,
    parse_close,
    read_frame,
)

RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def headers(**values: str) -> Message:
    base = {
        "Upgrade": "websocket",
        "Connection": "keep-alive, Upgrade",
        "Sec-WebSocket-Key": RFC_KEY,
        "Sec-WebSocket-Version": "13",
    }
    message = Message()
    for name, value in {**base, **{k.replace("_", "-"): v for k, v in values.items()}}.items():
        if value:
            message[name] = value
    return message


def test_accept_key_matches_the_rfc_example() -> None:
    assert accept_key(RFC_KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert (
        check_handshake(method="GET", version="HTTP/1.1", headers=headers()) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    )


@pytest.mark.parametrize(
    ("method", "change", "status"),
    [
        ("POST", {}, 400),
        ("GET", {"Upgrade": "h2c"}, 400),
        ("GET", {"Connection": "keep-alive"}, 400),
        ("GET", {"Sec-WebSocket-Key": "c2hvcnQ="}, 400),  # "short": not 16 bytes
        ("GET", {"Sec-WebSocket-Key": ""}, 400),
        ("GET", {"Sec-WebSocket-Version": "8"}, 426),
    ],
)
def test_bad_handshakes_are_refused(method: str, change: dict[str, str], status: int) -> None:
    with pytest.raises(HandshakeError) as refused:
        check_handshake(method=method, version="HTTP/1.1", headers=headers(**change))
    assert refused.value.status == status
    if status == 426:
        assert refused.value.headers == {"Sec-WebSocket-Version": "13"}


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_frames_round_trip_at_every_length_encoding(size: int) -> None:
    payload = bytes(i % 251 for i in range(size))
    masked = encode_frame(OP_TEXT, payload, mask=b"\x01\x02\x03\x04")
    assert masked[:1] == b"\x81"
    assert read_frame(io.BytesIO(masked)) == Frame(OP_TEXT, payload, True, True)
    assert read_frame(io.BytesIO(encode_frame(OP_TEXT, payload))) == Frame(OP_TEXT, payload, True, False)


def test_masking_actually_scrambles_the_payload() -> None:
    frame = encode_frame(OP_TEXT, b"hello", mask=b"\xff\x00\xff\x00")
    assert frame[6:] == bytes([ord("h") ^ 0xFF, ord("e"), ord("l") ^ 0xFF, ord("l"), ord("o") ^ 0xFF])


def test_end_of_stream_between_and_inside_frames() -> None:
    assert read_frame(io.BytesIO(b"")) is None
    with pytest.raises(EOFError):
        read_frame(io.BytesIO(encode_frame(OP_TEXT, b"hello")[:-1]))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xc1\x00", 1002),  # RSV1 without an extension
        (b"\x83\x00", 1002),  # opcode 3 is reserved
        (b"\x09\x00", 1002),  # a fragmented ping
        (b"\x89\x7e\x00\x7e" + b"x" * 126, 1002),  # a 126-byte ping
    ],
)
def test_protocol_errors(data: bytes, code: int) -> None:
    with pytest.raises(WebSocketError) as error:
        read_frame(io.BytesIO(data))
    assert error.value.code == code


def test_oversized_frames_are_refused_before_reading_them() -> None:
    with pytest.raises(WebSocketError) as error:
        read_frame(io.BytesIO(b"\x81\x7f" + (1 << 40).to_bytes(8, "big")))
    assert error.value.code == CLOSE_TOO_BIG


def test_fragments_join_into_one_message_with_control_frames_between() -> None:
    assembler = MessageAssembler()
    assert assembler.add(Frame(OP_TEXT, b'{"envelope', fin=False)) is None
    assert assembler.add(Frame(OP_CONTINUATION, b'_id": "e1"', fin=False)) is None
    assert assembler.add(Frame(OP_CONTINUATION, b"}")) == (OP_TEXT, b'{"envelope_id": "e1"}')
    with pytest.raises(WebSocketError):
        assembler.add(Frame(OP_CONTINUATION, b"x"))  # nothing to continue
    assembler.add(Frame(OP_TEXT, b"a", fin=False))
    with pytest.raises(WebSocketError):
        assembler.add(Frame(OP_TEXT, b"b"))  # a new message inside an unfinished one


def test_close_payloads() -> None:
    assert parse_close(close_payload(1001, "going away")) == (1001, "going away")
    assert parse_close(b"") == (CLOSE_NO_STATUS, "")
    with pytest.raises(WebSocketError):
        parse_close(b"\x03")
    assert read_frame(io.BytesIO(encode_frame(OP_CLOSE, close_payload(1000)))) == Frame(OP_CLOSE, b"\x03\xe8")
    assert read_frame(io.BytesIO(encode_frame(OP_PING, b"p"))) == Frame(OP_PING, b"p")
