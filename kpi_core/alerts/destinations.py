"""Where an alert can go, as written in `alerts.yml`: `#channel`, a Slack id, an email, or `owner`.

Destinations stay strings end to end (they are stored in the outbox), in one canonical spelling:
`#kpi-alerts`, `C0123ABCD`, `U0123ABCD`, `email:ceo@datainsight.pro`, `digest`. The Slack sender
resolves them (`users.lookupByEmail`, `conversations.open`); one it cannot resolve goes to the
fallback channel and is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

DestinationKind = Literal["channel", "channel_id", "user_id", "email", "handle", "digest"]
OWNER = "owner"
DIGEST = "digest"
_EMAIL = re.compile(r"^(?:email:)?(?P<address>[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+)$", re.IGNORECASE)
_CHANNEL = re.compile(r"^#(?P<name>[a-z0-9][a-z0-9._-]{0,79})$")
# Slack ids have no fixed length; written bare in a config file they are told from a role handle ("CRO")
# by their letter and a digit. `<@ID>` and `<#ID>` (Slack's own mention syntax) take any id as it is.
_CHANNEL_ID = re.compile(r"^[CG](?=[A-Z]*[0-9])[A-Z0-9]+$")
_USER_ID = re.compile(r"^[UW](?=[A-Z]*[0-9])[A-Z0-9]+$")
_MENTION = re.compile(r"^<(?P<sigil>[@#])(?P<id>[A-Za-z0-9]+)(?:\|[^<>]*)?>$")
_HANDLE = re.compile(r"^@?[\w.-]+$")
RECIPIENT_FORMS = "'#channel', a Slack id (C…/U…), an email address, or 'owner' (the KPI's owners)"


@dataclass(frozen=True)
class Destination:
    """A parsed destination; `str()` is its canonical spelling."""

    kind: DestinationKind
    value: str

    def __str__(self) -> str:
        if self.kind == "email":
            return f"email:{self.value}"
        if self.kind == "channel":
            return f"#{self.value}"
        if self.kind == "handle":
            return f"@{self.value}"
        return self.value

    @property
    def is_dm(self) -> bool:
        return self.kind in ("user_id", "email", "handle")


def parse_destination(text: str, *, allow_handles: bool = False) -> Destination:
    """`#kpi-alerts`, `C0123ABCD`, `U0123ABCD`, `ceo@x.io` -> Destination. Raises ValueError.

    `allow_handles` accepts anything name-like ("CRO", "@jane") as a handle: KPI owners in
    `kpis.yml` are often roles; the sender tries to find them and falls back when it cannot.
    """
    cleaned = str(text).strip()
    if cleaned == DIGEST:
        return Destination("digest", DIGEST)
    if match := _MENTION.match(cleaned):
        return Destination("user_id" if match["sigil"] == "@" else "channel_id", match["id"])
    if match := _EMAIL.match(cleaned):
        return Destination("email", match["address"].lower())
    if match := _CHANNEL.match(cleaned.lower()):
        return Destination("channel", match["name"])
    if _CHANNEL_ID.match(cleaned):
        return Destination("channel_id", cleaned)
    if _USER_ID.match(cleaned):
        return Destination("user_id", cleaned)
    if allow_handles and _HANDLE.match(cleaned):
        return Destination("handle", cleaned.removeprefix("@"))
    raise ValueError(f"{cleaned!r} is not a recipient: write {RECIPIENT_FORMS}")


def parse_recipient(text: str) -> str:
    """A rule recipient in canonical form; `owner`/`owners` stays `owner`. Raises ValueError."""
    cleaned = str(text).strip()
    if cleaned.lower() in ("owner", "owners", "kpi owner", "kpi owners"):
        return OWNER
    return str(parse_destination(cleaned))


def owner_destinations(owners: tuple[str, ...]) -> list[str]:
    """A KPI's owners as destinations (emails and ids as such, roles like "CRO" as handles)."""
    out: list[str] = []
    for owner in owners:
        try:
            out.append(str(parse_destination(owner, allow_handles=True)))
        except ValueError:
            out.append(f"@{owner.strip()}")
    return out
