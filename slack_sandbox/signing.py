"""Signed requests to the bot, exactly as Slack sends them (v0 HMAC-SHA256 over "v0:{ts}:{body}").

`SlackSigner` computes the headers with `slack_sdk.signature.SignatureVerifier.generate_signature`;
`post_signed` sends a form body and reports what the bot answered. Both can forge a bad signature or a
stale timestamp, for the 401 tests.

>>> signer = SlackSigner("secret", clock=lambda: 1700000000)
>>> signer.headers("a=1")["X-Slack-Request-Timestamp"]
'1700000000'
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk.signature import SignatureVerifier

SLACK_TIMEOUT_SECONDS = 3.0  # Slack gives the app 3 seconds to answer a command or an interaction


class SlackSigner:
    """Signs request bodies with a signing secret. `clock` gives the request timestamp (default time.time:
    the bot checks timestamps against its own wall clock, so this clock stays real even in the demo)."""

    def __init__(self, signing_secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._forger = SignatureVerifier(signing_secret + "-forged")  # never the real secret
        self.clock = clock

    def headers(
        self, body: str, *, timestamp: int | None = None, skew: float = 0, forge: bool = False
    ) -> dict[str, str]:
        """X-Slack-Request-Timestamp and X-Slack-Signature for `body`.

        `skew` moves the timestamp (e.g. -600 for a stale request); `forge=True` signs with a wrong secret.
        """
        stamp = str(timestamp if timestamp is not None else int(self.clock() + skew))
        verifier = self._forger if forge else self._verifier
        signature = verifier.generate_signature(timestamp=stamp, body=body)
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature or ""}


@dataclass
class BotAnswer:
    status: int | None
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0
    error: str | None = None


def post_signed(
    url: str,
    body: str,
    *,
    signer: SlackSigner,
    content_type: str = "application/x-www-form-urlencoded",
    timeout: float = SLACK_TIMEOUT_SECONDS,
    skew: float = 0,
    forge: bool = False,
    extra_headers: dict[str, str] | None = None,
) -> tuple[dict[str, str], BotAnswer]:
    """POST a signed body to the bot; returns the request headers and the bot's answer (never raises)."""
    headers = {
        "Content-Type": content_type,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "Accept": "application/json,*/*",
        **signer.headers(body, skew=skew, forge=forge),
        **(extra_headers or {}),
    }
    request = urllib.request.Request(url, data=body.encode("utf-8"), headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = BotAnswer(
                status=response.status,
                body=response.read().decode("utf-8", "replace"),
                headers=dict(response.headers.items()),
            )
    except urllib.error.HTTPError as exc:
        answer = BotAnswer(
            status=exc.code, body=exc.read().decode("utf-8", "replace"), headers=dict(exc.headers.items())
        )
    except TimeoutError:
        answer = BotAnswer(status=None, error="operation_timeout")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        kind = "operation_timeout" if isinstance(reason, TimeoutError) else f"connection_failed: {reason}"
        answer = BotAnswer(status=None, error=kind)
    answer.elapsed = time.perf_counter() - started
    return headers, answer
