"""A small error vocabulary for Slack API failures (modelled on Grafana OnCall's apps/slack/errors.py)."""

from __future__ import annotations

import socket
from urllib.error import URLError

from slack_sdk.errors import SlackApiError


class SlackError(Exception):
    """A Slack call failed. `retryable` tells whether trying again later can help."""

    retryable = False

    def __init__(self, code: str, *, method: str = "", retry_after: float | None = None) -> None:
        super().__init__(f"{method or 'slack'}: {code}")
        self.code = code
        self.method = method
        self.retry_after = retry_after


class SlackRateLimitedError(SlackError):
    retryable = True


class SlackTransientError(SlackError):
    """5xx, timeouts, connection resets."""

    retryable = True


class SlackNotFoundError(SlackError):
    """channel_not_found, users_not_found, message_not_found, is_archived, ..."""


class SlackNotInChannelError(SlackError):
    """The bot is not a member of the channel."""


class SlackAuthError(SlackError):
    """invalid_auth, not_authed, token_revoked, missing_scope, ..."""


class SlackFatalError(SlackError):
    """Anything else: invalid_blocks, msg_too_long, invalid_arguments, ..."""


_NOT_FOUND = {"channel_not_found", "users_not_found", "user_not_found", "message_not_found", "is_archived"}
_AUTH = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "missing_scope"}
_TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def classify(error: BaseException, *, method: str = "") -> SlackError:
    """Map any exception raised by a WebClient call to one of the classes above."""
    if isinstance(error, SlackError):
        return error
    if isinstance(error, SlackApiError):
        response = error.response
        status = getattr(response, "status_code", 200)
        code = str(response.get("error", "")) if hasattr(response, "get") else ""
        if status == 429 or code == "ratelimited":
            headers = getattr(response, "headers", {}) or {}
            retry_after = headers.get("Retry-After") or headers.get("retry-after") or "1"
            return SlackRateLimitedError("ratelimited", method=method, retry_after=float(retry_after))
        if status >= 500 or code in _TRANSIENT:
            return SlackTransientError(code or f"http_{status}", method=method)
        if code == "not_in_channel":
            return SlackNotInChannelError(code, method=method)
        if code in _NOT_FOUND:
            return SlackNotFoundError(code, method=method)
        if code in _AUTH:
            return SlackAuthError(code, method=method)
        return SlackFatalError(code or f"http_{status}", method=method)
    if isinstance(error, TimeoutError | socket.timeout | URLError | ConnectionError):
        return SlackTransientError(type(error).__name__, method=method)
    return SlackFatalError(f"{type(error).__name__}: {error}", method=method)
