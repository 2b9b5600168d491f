"""Verification first: every malformed, missing, duplicated or oversized header or body gets 401 from the
real HTTP front, no outbound call (not to Slack, not to the `response_url` in the body) and no traceback.

Requests go over a raw socket (http.client), so headers can be duplicated or malformed as an attacker would.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from slack_bolt import BoltRequest

from bot.app import is_verified
from bot.verify import MAX_BODY_BYTES, check_request
from kpibot_demo.stack import SIGNING_SECRET, SandboxStack
from tests.stack_fixtures import CHANNELS, DEMO_CONFIG, USERS


class Receiver:
    """A URL of the attacker's choosing: records every request that reaches it."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture(scope="module")
def stack(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxStack]:
    copy = tmp_path_factory.mktemp("verify") / "kpibot.db"
    shutil.copy(demo_template, copy)
    with SandboxStack.start(
        config_dir=DEMO_CONFIG, database_url=f"sqlite:///{copy}", channels=CHANNELS, users=USERS
    ) as running:
        yield running


def sign(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return "v0=" + digest.hexdigest()


def command_body(response_url: str) -> bytes:
    fields = {
        "command": "/kpi",
        "text": "mrr",
        "user_id": "U0DANA001",
        "channel_id": "C0GENERAL",
        "team_id": "T0KPIBOT1",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }
    return urlencode(fields).encode()


@dataclass(frozen=True)
class Case:
    name: str
    headers: list[tuple[str, str]]
    body: bytes
    content_length: str | None = None  # None: the body's length


def cases(url: str) -> list[Case]:
    body = command_body(url)
    now = str(int(time.time()))
    good = sign(body, now)
    ts, sig = "X-Slack-Request-Timestamp", "X-Slack-Signature"
    big = body + b"&pad=" + b"x" * (MAX_BODY_BYTES + 10)
    latin = body + b"&note=caf\xe9"
    return [
        Case("no signature headers", [], body),
        Case("timestamp missing", [(sig, good)], body),
        Case("signature missing", [(ts, now)], body),
        Case("non-numeric timestamp", [(ts, "abc"), (sig, sign(body, "abc"))], body),
        Case("fractional timestamp", [(ts, now + ".5"), (sig, sign(body, now + ".5"))], body),
        Case("negative timestamp", [(ts, "-" + now), (sig, sign(body, "-" + now))], body),
        Case("40-digit timestamp", [(ts, "9" * 40), (sig, sign(body, "9" * 40))], body),
        Case("empty timestamp", [(ts, ""), (sig, sign(body, ""))], body),
        Case("stale timestamp", [(ts, str(int(now) - 600)), (sig, sign(body, str(int(now) - 600)))], body),
        Case("future timestamp", [(ts, str(int(now) + 600)), (sig, sign(body, str(int(now) + 600)))], body),
        Case("wrong signature version", [(ts, now), (sig, good.replace("v0=", "v1="))], body),
        Case("truncated signature", [(ts, now), (sig, good[:-2])], body),
        Case("uppercase hex signature", [(ts, now), (sig, "v0=" + good[3:].upper())], body),
        Case("forged with another secret", [(ts, now), (sig, sign(body, now, "guess"))], body),
        Case("signed another body", [(ts, now), (sig, sign(body + b"&x=1", now))], body),
        Case("duplicated timestamp", [(ts, now), (ts, now), (sig, good)], body),
        Case("duplicated signature", [(ts, now), (sig, good), (sig, good)], body),
        Case("oversized signature header", [(ts, now), (sig, "v0=" + "a" * 60_000)], body),
        Case("oversized body, validly signed", [(ts, now), (sig, sign(big, now))], big),
        Case("non-numeric content length", [(ts, now), (sig, good)], body, content_length="12abc"),
        Case("body not UTF-8, validly signed", [(ts, now), (sig, sign(latin, now))], latin),
    ]


CASE_NAMES = [case.name for case in cases("http://x")]


def send(url: str, case: Case) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest("POST", "/slack/events")
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        length = case.content_length if case.content_length is not None else str(len(case.body))
        connection.putheader("Content-Length", length)
        for name, value in case.headers:
            connection.putheader(name, value)
        connection.endheaders(case.body)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize("name", CASE_NAMES)
def test_unverified_requests_get_401_and_cause_nothing(
    stack: SandboxStack, receiver: Receiver, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    case = next(c for c in cases(receiver.url) if c.name == name)
    calls_before = len(stack.emulator.calls)
    with caplog.at_level(logging.INFO):
        status = send(stack.url, case)
    assert status in (401, 400) if case.content_length else status == 401
    assert receiver.hits == []
    assert len(stack.emulator.calls) == calls_before
    assert not any(record.exc_info for record in caplog.records)
    assert "Traceback" not in caplog.text
    assert "U0DANA001" not in caplog.text and "mrr" not in caplog.text  # no user content logged


def test_a_valid_request_still_gets_through(stack: SandboxStack) -> None:
    user, channel = stack.user("dana"), stack.channel("general")
    delivery = stack.emulator.send_slash_command("help", user=user, channel=channel)
    assert delivery.status == 200
    assert stack.emulator.wait_for(lambda: stack.emulator.ephemerals(user) or None, timeout=20)


def test_the_error_handler_replies_only_to_verified_requests() -> None:
    body = command_body("http://attacker.example/hook").decode()
    now = str(int(time.time()))
    signed = BoltRequest(
        body=body,
        headers={"x-slack-request-timestamp": [now], "x-slack-signature": [sign(body.encode(), now)]},
    )
    assert is_verified(signed, secret=SIGNING_SECRET)
    bad = BoltRequest(
        body=body, headers={"x-slack-request-timestamp": ["abc"], "x-slack-signature": ["v0=00"]}
    )
    doubled = BoltRequest(
        body=body,
        headers={
            "x-slack-request-timestamp": [now, now],
            "x-slack-signature": [sign(body.encode(), now)],
        },
    )
    assert not is_verified(bad, secret=SIGNING_SECRET)
    assert not is_verified(doubled, secret=SIGNING_SECRET)


def test_check_request_reasons_name_no_content() -> None:
    now = 1_700_000_000
    body = b"text=secret+plans"
    assert check_request({}, body, secret="s", now=now) == "missing signature headers"
    headers = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": sign(body, str(now), "s")}
    assert check_request(headers, body, secret="s", now=now) is None
    assert check_request(headers, body, secret="", now=now) == "no signing secret configured"
    assert check_request(headers, body, secret="s", now=now + 301) == "stale timestamp"
