"""A workspace's users and channels (the directory part of `Workspace`), plus ids and change events.

The emulator calls these under its lock. Each change is reported through `emit`, which the emulator turns
into a numbered `StateEvent` for `subscribe` callbacks and wakes `wait_for` callers.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from slack_sandbox.messages import Ephemeral, Message, SlackFile
from slack_sandbox.state import Channel, ChannelKind, EmulatorError, MethodError, User


class Emit(Protocol):
    def __call__(
        self,
        kind: str,
        *,
        channel: str | None = None,
        ts: str | None = None,
        user: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None: ...


class IdFactory:
    """Deterministic Slack-looking ids (C00000001, U00000002, ...), unique across workspaces."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}{next(self._counter):08d}"


class Directory:
    """A team's people and conversations, with its bot user. Lookups accept ids, names and emails."""

    def __init__(
        self,
        *,
        team_id: str,
        domain: str,
        name: str,
        bot_token: str,
        bot_user_id: str,
        bot_id: str,
        app_id: str,
        ids: IdFactory,
        clock: Callable[[], float],
        emit: Emit,
        chat_write_public: bool = False,
    ) -> None:
        self.team_id, self.domain, self.name = team_id, domain, name
        self.bot_token, self.bot_id, self.app_id = bot_token, bot_id, app_id
        self.chat_write_public = chat_write_public
        self.ids, self.clock, self.emit = ids, clock, emit
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, dict[str, Message]] = {}  # channel id -> ts -> message (replies included)
        self.ephemerals: list[Ephemeral] = []
        self.files: dict[str, SlackFile] = {}
        self._last_ts = 0  # microseconds
        self.base_url = ""  # set by the emulator once its port is known; file URLs hang off it
        self.bot_user = self.add_user(name="kpibot", real_name="kpibot", id=bot_user_id, is_bot=True)
        self.bot_user.bot_id = bot_id

    # ----------------------------------------------------------------- lookups
    def find_user(self, ref: str) -> User | None:
        if ref in self.users:
            return self.users[ref]
        wanted = ref.lstrip("@").lower()
        for user in self.users.values():
            if user.name.lower() == wanted or (user.email or "").lower() == wanted:
                return user
        return None

    def user(self, ref: str) -> User:
        found = self.find_user(ref)
        if found is None:
            raise EmulatorError(f"no user {ref!r} in workspace {self.team_id}")
        return found

    def find_channel(self, ref: str) -> Channel | None:
        if ref in self.channels:
            return self.channels[ref]
        wanted = ref.lstrip("#")
        for channel in self.channels.values():
            if channel.kind != "im" and channel.name == wanted:
                return channel
        return None

    def channel(self, ref: str) -> Channel:
        found = self.find_channel(ref)
        if found is None:
            raise EmulatorError(f"no channel {ref!r} in workspace {self.team_id}")
        return found

    def visible_channel(self, ref: str, *, user_opens_dm: bool = False) -> Channel:
        """The channel as the bot may address it: private channels it is not in do not exist for it.
        With `user_opens_dm`, a user id means the bot's DM with that user (chat.postMessage allows it)."""
        channel = self.find_channel(ref)
        if channel is None and user_opens_dm and ref in self.users:
            channel = self.open_im(ref)
        if channel is None or (channel.is_private and self.bot_user.id not in channel.members):
            raise MethodError("channel_not_found")
        return channel

    # ---------------------------------------------------------- users/channels
    def add_user(
        self,
        *,
        name: str,
        email: str | None = None,
        real_name: str | None = None,
        tz: str = "UTC",
        id: str | None = None,
        is_bot: bool = False,
    ) -> User:
        user_id = id or self.ids.new("U")
        if user_id in self.users:
            raise EmulatorError(f"user id {user_id} already exists")
        user = User(user_id, self.team_id, name, real_name or name, email, tz, is_bot)
        self.users[user_id] = user
        self.emit("user_added", user=user_id, data=user.to_dict(now=self.clock()))
        return user

    def add_channel(
        self,
        name: str,
        *,
        kind: ChannelKind = "public",
        members: Iterable[str] = (),
        archived: bool = False,
        id: str | None = None,
        im_user: str | None = None,
    ) -> Channel:
        name = name.lstrip("#")
        if kind not in ("im", "mpim") and self.find_channel(name) is not None:
            raise EmulatorError(f"channel #{name} already exists")
        prefix = {"im": "D", "mpim": "G"}.get(kind, "C")
        member_ids = list(dict.fromkeys(self.user(m).id for m in members))
        channel = Channel(
            id=id or self.ids.new(prefix),
            team_id=self.team_id,
            name=name,
            kind=kind,
            created=int(self.clock()),
            creator=member_ids[0] if member_ids else self.bot_user.id,
            members=member_ids,
            is_archived=archived,
            im_user=im_user,
        )
        self.channels[channel.id] = channel
        self.messages[channel.id] = {}
        self.emit("channel_created", channel=channel.id, data=channel.to_dict(viewer=self.bot_user.id))
        return channel

    def join(self, channel: Channel, user_id: str) -> bool:
        """Add a member; False if already there."""
        if user_id in channel.members:
            return False
        channel.members.append(user_id)
        self.emit("channel_changed", channel=channel.id, user=user_id, data={"joined": user_id})
        return True

    def set_archived(self, channel: Channel, archived: bool = True) -> None:
        channel.is_archived = archived
        self.emit("channel_changed", channel=channel.id, data={"is_archived": archived})

    def open_im(self, user_id: str) -> Channel:
        for channel in self.channels.values():
            if channel.kind == "im" and channel.im_user == user_id:
                return channel
        user = self.users[user_id]
        return self.add_channel(user.name, kind="im", members=[user_id, self.bot_user.id], im_user=user_id)

    def open_mpim(self, user_ids: list[str]) -> Channel:
        wanted = {*user_ids, self.bot_user.id}
        for channel in self.channels.values():
            if channel.kind == "mpim" and set(channel.members) == wanted:
                return channel
        name = "mpdm-" + "--".join(self.users[u].name for u in user_ids) + "-1"
        return self.add_channel(name, kind="mpim", members=[*user_ids, self.bot_user.id])
