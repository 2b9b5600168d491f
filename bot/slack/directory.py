"""Who is who: KPI owners (emails or user ids) resolved to Slack users, and DM channel ids, cached per
process."""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient

from bot.slack.errors import SlackNotFoundError, classify

log = logging.getLogger(__name__)


class UserDirectory:
    """Resolves an owner (email or user id) to a user id with `users.lookupByEmail`, remembering answers."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._cache: dict[str, str | None] = {}
        self._dms: dict[str, str] = {}
        self._lock = threading.Lock()

    def user_id(self, owner: str) -> str | None:
        """The Slack user id for `owner`, or None when nobody has that email.

        kpis.yml checks that an owner is an email or a user id; ids are opaque (no fixed length or
        shape), so whatever is not an email is the id itself."""
        if "@" not in owner:
            return owner.strip()
        with self._lock:
            if owner in self._cache:
                return self._cache[owner]
        try:
            response = self._client.users_lookupByEmail(email=owner)
            found: str | None = response["user"]["id"]
        except Exception as error:
            problem = classify(error, method="users.lookupByEmail")
            if not isinstance(problem, SlackNotFoundError):
                log.warning("could not look up %s: %s", owner, problem)
                return None  # a transient failure is not remembered
            found = None
        with self._lock:
            self._cache[owner] = found
        return found

    def mention(self, owner: str) -> str:
        """`<@U123>` when the owner is a known user, else the owner as written."""
        found = self.user_id(owner)
        return f"<@{found}>" if found else owner

    def dm_channel(self, user_id: str) -> str | None:
        """The id of the bot's DM with `user_id` (`conversations.open` once per user), or None if Slack
        refused; a failure is logged and not remembered."""
        with self._lock:
            if user_id in self._dms:
                return self._dms[user_id]
        try:
            channel = str(self._client.conversations_open(users=user_id)["channel"]["id"])
        except Exception as error:
            log.warning(
                "could not open a DM with %s: %s", user_id, classify(error, method="conversations.open")
            )
            return None
        with self._lock:
            self._dms[user_id] = channel
        return channel
