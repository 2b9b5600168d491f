"""Verification first: a request is nothing but bytes until its signature and timestamp check out.

    problem = check_request(headers, body, secret=settings.slack_signing_secret, now=time.time())
    if problem is not None:  # 401, log `problem` (never the body), call nobody

The HTTP front (bot/server.py) runs this before Bolt sees a byte, so nothing routes, replies to a
`response_url` or logs user content for a request that was not signed by Slack. Malformed, missing,
duplicated or oversized headers are refusals, not exceptions. The checks are Slack's: `v0=` + HMAC-SHA256
of `v0:{timestamp}:{body}` with the signing secret, and a timestamp within five minutes of now.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from slack_sdk.signature import SignatureVerifier

MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are far smaller; anything bigger is not Slack
MAX_SKEW_SECONDS = 60 * 5
TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def check_request(headers: Mapping[str, str], body: bytes, *, secret: str, now: float) -> str | None:
    """None when the request is Slack's; otherwise a short reason (safe to log: no user content).

    `headers` may be any mapping; names are compared case-insensitively. A header sent twice arrives
    joined with a comma (WSGI and HTTP/1.1 folding), which fails the strict formats below.
    """
    if not secret:
        return "no signing secret configured"
    lowered = {str(name).lower(): str(value) for name, value in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER)
    signature = lowered.get(SIGNATURE_HEADER)
    if timestamp is None or signature is None:
        return "missing signature headers"
    if not _TIMESTAMP.fullmatch(timestamp.strip()):
        return "malformed timestamp"
    if not _SIGNATURE.fullmatch(signature.strip()):
        return "malformed signature"
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return "stale timestamp"
    if len(body) > MAX_BODY_BYTES:
        return "body too large"
    verifier = SignatureVerifier(secret)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    expected = verifier.generate_signature(timestamp=timestamp.strip(), body=text) or ""
    if not _equal(expected, signature.strip()):
        return "signature mismatch"
    return None


def _equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())
