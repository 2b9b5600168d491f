"""Messages, ephemeral messages and files, shaped like Slack's JSON (`to_dict()` is what the API returns)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote


@dataclass
class MessageVersion:
    """A message's content before an edit (chat.update keeps them; Slack shows "(edited)")."""

    text: str
    blocks: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    edited_at: str  # the ts of the edit that replaced this version


@dataclass
class Message:
    ts: str
    channel: str
    team: str
    user: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    bot_id: str | None = None
    app_id: str | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    files: list[str] = field(default_factory=list)
    replies: list[Message] = field(default_factory=list)
    edited: dict[str, str] | None = None
    history: list[MessageVersion] = field(default_factory=list)
    deleted: bool = False
    subtype: str | None = None
    metadata: dict[str, Any] | None = None
    unfurl_links: bool | None = None
    unfurl_media: bool | None = None
    via: str = "chat.postMessage"  # which path created it: chat.postMessage, response_url, files, ...

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_dict(self, *, files: dict[str, SlackFile] | None = None, base_url: str = "") -> dict[str, Any]:
        """The message as conversations.history / chat.postMessage return it."""
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "user": self.user, "text": self.text}
        if self.subtype is not None:
            out["subtype"] = self.subtype
        if self.bot_id is not None:
            out["bot_id"] = self.bot_id
            out["app_id"] = self.app_id
            out["bot_profile"] = {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": "kpibot",
                "team_id": self.team,
            }
        out["team"] = self.team
        if self.blocks:
            out["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments:
            out["attachments"] = copy.deepcopy(self.attachments)
        if self.files:
            known = files or {}
            out["files"] = [known[f].to_dict(base_url=base_url) for f in self.files if f in known]
            out["upload"] = True
        if self.thread_ts is not None:
            out["thread_ts"] = self.thread_ts
        if self.replies:
            live = [r for r in self.replies if not r.deleted]
            out["reply_count"] = len(live)
            out["reply_users"] = sorted({r.user for r in live})
            out["reply_users_count"] = len(out["reply_users"])
            out["latest_reply"] = live[-1].ts if live else self.ts
        if self.is_reply and self.reply_broadcast:
            out["subtype"] = "thread_broadcast"
        if self.edited is not None:
            out["edited"] = dict(self.edited)
        if self.metadata is not None:
            out["metadata"] = copy.deepcopy(self.metadata)
        return out


@dataclass
class Ephemeral:
    """A message only `user` sees, in `channel` (chat.postEphemeral, response_url, slash command acks)."""

    ts: str
    channel: str
    team: str
    user: str  # the recipient
    author: str  # the bot user, or USLACKBOT for Slack's own error notices
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    edited: dict[str, str] | None = None
    deleted: bool = False
    via: str = "chat.postEphemeral"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "subtype": "ephemeral",
            "ts": self.ts,
            "user": self.author,
            "text": self.text,
            "is_ephemeral": True,
            "team": self.team,
        }
        if self.bot_id is not None:
            out["bot_id"] = self.bot_id
            out["app_id"] = self.app_id
        if self.blocks:
            out["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments:
            out["attachments"] = copy.deepcopy(self.attachments)
        if self.thread_ts is not None:
            out["thread_ts"] = self.thread_ts
        if self.edited is not None:
            out["edited"] = dict(self.edited)
        return out


@dataclass
class SlackFile:
    id: str
    team: str
    user: str
    name: str
    title: str
    length: int
    created: int
    alt_txt: str | None = None
    content: bytes | None = None  # None until the upload POST arrives
    mimetype: str = "application/octet-stream"
    filetype: str = "binary"
    completed: bool = False
    upload_token: str | None = None  # the secret part of the upload URL, cleared once used
    shares: dict[str, list[str]] = field(default_factory=dict)  # channel id -> message ts
    public_channels: set[str] = field(default_factory=set)

    @property
    def size(self) -> int:
        return len(self.content) if self.content is not None else 0

    def path(self) -> str:
        return f"/files/{self.id}/{quote(self.name)}"

    def is_shared_in(self, channel: str) -> bool:
        return channel in self.shares

    def to_dict(self, *, base_url: str = "") -> dict[str, Any]:
        url = f"{base_url}{self.path()}"
        public: dict[str, Any] = {}
        private: dict[str, Any] = {}
        for channel, stamps in self.shares.items():
            target = public if channel in self.public_channels else private
            target[channel] = [{"ts": ts, "reply_count": 0, "reply_users_count": 0} for ts in stamps]
        shares: dict[str, Any] = {}
        if public:
            shares["public"] = public
        if private:
            shares["private"] = private
        out: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.upper(),
            "user": self.user,
            "user_team": self.team,
            "mode": "hosted",
            "is_external": False,
            "is_public": bool(public),
            "public_url_shared": False,
            "size": self.size,
            "url_private": url,
            "url_private_download": f"{url}?download=1",
            "permalink": url,
            "channels": sorted(c for c in self.shares if c in self.public_channels),
            "groups": sorted(
                c for c in self.shares if c not in self.public_channels and not c.startswith("D")
            ),
            "ims": sorted(c for c in self.shares if c.startswith("D")),
            "shares": shares,
        }
        if self.alt_txt is not None:
            out["alt_txt"] = self.alt_txt
        return out
