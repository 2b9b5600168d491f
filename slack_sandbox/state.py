"""The emulator's data: users, channels, messages, ephemerals and files, shaped like Slack's JSON.

Everything here is plain data. `Workspace` (workspace.py) owns the mutations; the emulator holds one lock
around both. `to_dict()` methods return what Slack's Web API would return for the object, so the demo page
can render messages exactly as a Slack client receives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ChannelKind = Literal["public", "private", "im", "mpim"]
SLACKBOT_USER_ID = "USLACKBOT"


class EmulatorError(Exception):
    """A test or the demo asked the emulator for something impossible (unknown user, no such button...)."""


class MethodError(Exception):
    """A Web API method fails the way Slack's does: `{"ok": false, "error": error, **extra}`."""

    def __init__(self, error: str, *, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


@dataclass
class User:
    id: str
    team_id: str
    name: str
    real_name: str
    email: str | None = None
    tz: str = "UTC"
    is_bot: bool = False
    bot_id: str | None = None
    deleted: bool = False

    def to_dict(self, *, now: float) -> dict[str, Any]:
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        local = datetime.fromtimestamp(now, UTC).astimezone(zone)
        offset = local.utcoffset()
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
            "team": self.team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        if self.bot_id is not None:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": local.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
        }


@dataclass
class Channel:
    id: str
    team_id: str
    name: str
    kind: ChannelKind
    created: int
    creator: str
    members: list[str] = field(default_factory=list)
    is_archived: bool = False
    topic: str = ""
    purpose: str = ""
    im_user: str | None = None  # for an im: the human on the other side of the bot

    @property
    def is_private(self) -> bool:
        return self.kind != "public"

    def to_dict(self, *, viewer: str) -> dict[str, Any]:
        """Slack's conversation object as seen by `viewer` (the bot user)."""
        if self.kind == "im":
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
                "is_archived": self.is_archived,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": self.kind == "public",
            "is_group": self.kind == "private",
            "is_im": False,
            "is_mpim": self.kind == "mpim",
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": viewer in self.members,
            "created": self.created,
            "creator": self.creator,
            "num_members": len(self.members),
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
            "context_team_id": self.team_id,
        }


@dataclass
class ResponseUrlGrant:
    """One response_url handed to the bot: valid 30 minutes, at most 5 uses (Slack's rules)."""

    token: str
    team: str
    channel: str
    user: str
    issued_at: float
    source: Literal["command", "block_actions"]
    original_ts: str | None = None  # the message the interaction came from
    original_ephemeral: bool = False
    uses: int = 0
    last_ts: str | None = None  # the last message posted through this URL (what a command's
    last_ephemeral: bool = True  # replace_original replaces, as it has no original message)


@dataclass(frozen=True)
class StateEvent:
    """A change in the emulator, given to `subscribe` callbacks (the demo page pushes these live).

    kind is one of: message, message_changed, message_deleted, ephemeral, ephemeral_changed,
    ephemeral_deleted, file_uploaded, file_shared, channel_created, channel_changed, user_added,
    api_call, delivery, socket_opened, socket_closed (Socket Mode links; data has the link id).
    """

    seq: int
    kind: str
    team: str | None = None
    channel: str | None = None
    ts: str | None = None
    user: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
