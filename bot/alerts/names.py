"""Slack users as people read them: `U024BE7LH` -> "Rita Revenue" (users.info, cached per process).

Alert messages name who acknowledged or resolved instead of @-mentioning them: an edit or a thread note
must never ping anyone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from slack_sdk import WebClient

from bot.slack.errors import SlackNotFoundError, classify
from kpi_core.alerts.lifecycle import SYSTEM_ACTOR


class PeopleNames:
    """Display names for user ids; anything that is not a user id (e.g. "kpibot") is returned as is."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()

    def name(self, who: str | None) -> str:
        """The display name of `who` (a user id as Slack gave it; ids are opaque, any length), or
        `who` itself when Slack knows no such user (an actor such as "kpibot")."""
        if not who:
            return "someone"
        if who == SYSTEM_ACTOR:
            return who
        with self._lock:
            if who in self._names:
                return self._names[who]
        try:
            user = self._client.users_info(user=who)["user"]
            profile = user.get("profile") or {}
            found = str(
                user.get("real_name") or profile.get("real_name") or profile.get("display_name") or who
            )
        except Exception as error:  # a name is a nicety: show the id, try again next time
            if not isinstance(classify(error, method="users.info"), SlackNotFoundError):
                return who
            found = who  # not a user: remember that too
        with self._lock:
            self._names[who] = found
        return found

    def replace_ids(self, text: str, ids: Iterable[str | None]) -> str:
        """`text` with each of the given user ids replaced by the person's name ("Already acknowledged
        by Rita Revenue"); only ids the caller knows are in the text, never guessed from its shape."""
        for who in dict.fromkeys(i for i in ids if i):
            text = text.replace(who, self.name(who))
        return text

    def timezone(self, who: str) -> str | None:
        """The user's IANA timezone from users.info, or None."""
        try:
            tz = self._client.users_info(user=who)["user"].get("tz")
        except Exception:
            return None
        return str(tz) if tz else None
