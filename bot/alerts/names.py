"""Slack users as people read them: `U024BE7LH` -> "Rita Revenue" (users.info, cached per process).

Alert messages name who acknowledged or resolved instead of @-mentioning them: an edit or a thread note
must never ping anyone.
"""

from __future__ import annotations

import re
import threading

from slack_sdk import WebClient

from bot.slack.errors import classify

USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
USER_IDS = re.compile(r"\b[UW][A-Z0-9]{6,}\b")


class PeopleNames:
    """Display names for user ids; anything that is not a user id (e.g. "kpibot") is returned as is."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()

    def name(self, who: str | None) -> str:
        if not who:
            return "someone"
        if not USER_ID.match(who):
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
            classify(error, method="users.info")
            return who
        with self._lock:
            self._names[who] = found
        return found

    def replace_ids(self, text: str) -> str:
        """Every user id in `text` replaced by the person's name ("Already acknowledged by Rita Revenue")."""
        return USER_IDS.sub(lambda match: self.name(match.group(0)), text)

    def timezone(self, who: str) -> str | None:
        """The user's IANA timezone from users.info, or None."""
        try:
            tz = self._client.users_info(user=who)["user"].get("tz")
        except Exception:
            return None
        return str(tz) if tz else None
