"""Channels by name: `#kpi-daily` -> `C0123ABCD` with `conversations.list`, cached per process.

    channels = ChannelDirectory(client)
    channels.resolve("#kpi-daily")   # "C0123ABCD"; SlackNotFoundError when there is no such channel
    channels.resolve("C0123ABCD")    # ids pass through untouched

Listing needs `channels:read` (and `groups:read` for private channels the bot is in). Without the scope,
or while Slack is unavailable, `resolve` returns `#name` and the caller posts by name (chat.postMessage
accepts it and answers with the id).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient

from bot.slack.errors import SlackAuthError, SlackNotFoundError, classify

log = logging.getLogger(__name__)
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
REFRESH_AFTER = 60.0  # seconds before an unknown name triggers another listing


class ChannelDirectory:
    """Name -> id for the channels the bot can see. Thread-safe; unknown names refresh the list at most
    once a minute (a channel created after the bot started is found, a typo does not hammer Slack)."""

    def __init__(self, client: WebClient, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._monotonic = monotonic
        self._ids: dict[str, str] = {}
        self._listed_at: float | None = None
        self._by_name = True  # False once listing is impossible (missing scope): post by name instead
        self._lock = threading.Lock()

    def resolve(self, channel: str) -> str:
        """The id of `channel` (a name with or without `#`, or an id); `#name` when it cannot be listed."""
        channel = channel.strip()
        if CHANNEL_ID.match(channel):
            return channel
        name = channel.lstrip("#").lower()
        with self._lock:
            if name in self._ids:
                return self._ids[name]
            if not self._by_name:
                return f"#{name}"
            fresh = self._listed_at is not None and self._monotonic() - self._listed_at < REFRESH_AFTER
            if not fresh:
                try:
                    self._ids = self._list()
                    self._listed_at = self._monotonic()
                except SlackAuthError as problem:  # e.g. missing_scope: fall back to posting by name
                    log.warning("cannot list channels (%s): posting to channels by name", problem.code)
                    self._by_name = False
                    return f"#{name}"
                except Exception as error:  # Slack unavailable: posting by name may still work
                    log.warning("cannot list channels (%s): posting to #%s by name", classify(error), name)
                    return f"#{name}"
            if name in self._ids:
                return self._ids[name]
        raise SlackNotFoundError("channel_not_found", method="conversations.list")

    def remember(self, name: str, channel_id: str) -> None:
        """Learn an id from elsewhere (chat.postMessage answers with the channel id)."""
        if not CHANNEL_ID.match(name.strip()):
            with self._lock:
                self._ids[name.strip().lstrip("#").lower()] = channel_id

    def _list(self) -> dict[str, str]:
        try:
            return self._list_types("public_channel,private_channel")
        except SlackAuthError as problem:
            if problem.code != "missing_scope":
                raise
            return self._list_types("public_channel")  # no groups:read: public channels only

    def _list_types(self, types: str) -> dict[str, str]:
        found: dict[str, str] = {}
        cursor: str | None = None
        while True:
            try:
                response = self._client.conversations_list(
                    types=types, exclude_archived=True, limit=1000, cursor=cursor
                )
            except Exception as error:
                raise classify(error, method="conversations.list") from error
            for item in response.get("channels") or []:
                if item.get("name") and item.get("id"):
                    found[str(item["name"]).lower()] = str(item["id"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return found
