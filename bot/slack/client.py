"""The Web API client: base URL from settings, slack-sdk's retry handlers for 429, 5xx and resets."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from kpi_core.settings import Settings


def make_client(
    settings: Settings,
    *,
    retries: bool = True,
    timeout: int = 15,
    home_token: Callable[[], str | None] | None = None,
) -> WebClient:
    """A WebClient for `settings.slack_api_url`.

    With `home_token` (OAuth installs), a `TeamClient`: the token of the workspace being served, else
    `home_token()`, instead of SLACK_BOT_TOKEN.

    With `retries`, slack-sdk waits out `Retry-After` on 429 and retries 5xx and connection resets a few
    times. Senders that keep their own durable retry state (the alert outbox) pass `retries=False`.
    """
    base_url = settings.slack_api_url
    if not base_url.endswith("/"):
        base_url += "/"
    handlers = (
        [
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ]
        if retries
        else []
    )
    if home_token is not None:
        from bot.slack.team_client import TeamClient

        return TeamClient(home_token=home_token, base_url=base_url, timeout=timeout, retry_handlers=handlers)
    return WebClient(
        token=settings.slack_bot_token or None,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=handlers,
    )
