"""Where a canonical destination (`#kpi-alerts`, `C…`, `U…`, `email:x@y`) is in Slack: a channel id.

    resolver = DestinationResolver(client)
    resolver.channel_for("email:cro@northwind.example")   # "D0…": users.lookupByEmail, conversations.open
    resolver.channel_for("email:nobody@northwind.example") # raises SlackNotFoundError("users_not_found")

Answers are cached per process. Errors are the bot.slack.errors vocabulary, so the sender can tell a
permanent failure (fallback channel) from a transient one (retry later).
"""

from __future__ import annotations

import threading

from slack_sdk import WebClient

from bot.slack.channels import ChannelDirectory
from bot.slack.errors import SlackNotFoundError, classify
from kpi_core.alerts.destinations import Destination, parse_destination


class DestinationResolver:
    """Canonical destination -> channel id (DMs opened on demand); user lookups by email, cached."""

    def __init__(self, client: WebClient, *, channels: ChannelDirectory | None = None) -> None:
        self._client = client
        self.channels = channels or ChannelDirectory(client)
        self._users: dict[str, str | None] = {}
        self._dms: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def parse(destination: str) -> Destination:
        return parse_destination(destination, allow_handles=True)

    def is_dm(self, destination: str) -> bool:
        try:
            return self.parse(destination).is_dm
        except ValueError:
            return False

    def channel_for(self, destination: str) -> str:
        """The channel id (or `#name` when channels cannot be listed) to post `destination`'s copy in."""
        try:
            parsed = self.parse(destination)
        except ValueError:
            raise SlackNotFoundError("invalid_destination", method="resolve") from None
        if parsed.kind == "channel":
            return self.channels.resolve(f"#{parsed.value}")
        if parsed.kind == "channel_id":
            return parsed.value
        if parsed.kind == "user_id":
            return self.dm(parsed.value)
        if parsed.kind == "email":
            user = self.user_id(parsed.value)
            if user is None:
                raise SlackNotFoundError("users_not_found", method="users.lookupByEmail")
            return self.dm(user)
        if parsed.kind == "handle":  # a role such as "CRO" in kpis.yml: nobody to look up
            raise SlackNotFoundError("unknown_user", method="resolve")
        raise SlackNotFoundError("not_a_slack_destination", method="resolve")

    def user_id(self, email_or_id: str) -> str | None:
        """A user id for an email (users.lookupByEmail) or an id; None when Slack knows nobody by it.
        Transient failures raise (and are not remembered)."""
        if email_or_id.startswith("email:"):
            email_or_id = email_or_id.removeprefix("email:")
        try:
            parsed = self.parse(email_or_id)
        except ValueError:
            return None
        if parsed.kind == "user_id":
            return parsed.value
        if parsed.kind != "email":
            return None
        with self._lock:
            if parsed.value in self._users:
                return self._users[parsed.value]
        try:
            found: str | None = str(self._client.users_lookupByEmail(email=parsed.value)["user"]["id"])
        except Exception as error:
            problem = classify(error, method="users.lookupByEmail")
            if not isinstance(problem, SlackNotFoundError):
                raise problem from error
            found = None
        with self._lock:
            self._users[parsed.value] = found
        return found

    def dm(self, user_id: str) -> str:
        with self._lock:
            if user_id in self._dms:
                return self._dms[user_id]
        try:
            channel = str(self._client.conversations_open(users=user_id)["channel"]["id"])
        except Exception as error:
            raise classify(error, method="conversations.open") from error
        with self._lock:
            self._dms[user_id] = channel
        return channel

    def remember(self, destination: str, channel_id: str) -> None:
        """chat.postMessage answered with the channel id of a `#name`: remember it."""
        if destination.startswith("#"):
            self.channels.remember(destination, channel_id)
