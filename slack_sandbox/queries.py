"""Seeding the emulator and reading it back: what tests assert on and what the demo page renders."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from slack_sandbox.messages import Ephemeral, Message, SlackFile
from slack_sandbox.recording import Call, Delivery
from slack_sandbox.state import Channel, EmulatorError, User
from slack_sandbox.workspace import Workspace

UserSpec = str | Mapping[str, Any]
ChannelSpec = str | Mapping[str, Any]


def flatten_text(item: Message | Ephemeral | list[dict[str, Any]]) -> str:
    """A message's `text` plus every text inside its blocks, one per line (for "contains" assertions)."""
    parts: list[str] = []
    blocks = item if isinstance(item, list) else item.blocks
    if not isinstance(item, list) and item.text:
        parts.append(item.text)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(parts)


class QueriesMixin:
    _lock: threading.RLock
    _calls: list[Call]
    _deliveries: list[Delivery]
    workspace: Workspace

    @property
    def base_url(self) -> str:
        raise NotImplementedError

    def _ws(self, team: str | None) -> Workspace:
        raise NotImplementedError

    # ------------------------------------------------------------------ seeding
    def add_user(
        self,
        name: str,
        *,
        email: str | None = None,
        real_name: str | None = None,
        tz: str = "UTC",
        id: str | None = None,
        is_bot: bool = False,
        team: str | None = None,
    ) -> User:
        with self._lock:
            return self._ws(team).add_user(
                name=name, email=email, real_name=real_name, tz=tz, id=id, is_bot=is_bot
            )

    def add_channel(
        self,
        name: str,
        *,
        private: bool = False,
        members: Iterable[str] = (),
        bot_member: bool = True,
        archived: bool = False,
        id: str | None = None,
        team: str | None = None,
    ) -> Channel:
        """A channel by name; `members` are user ids/names/emails; the bot joins unless bot_member=False."""
        with self._lock:
            ws = self._ws(team)
            ids = [ws.user(m).id for m in members]
            if bot_member:
                ids.append(ws.bot_user.id)
            return ws.add_channel(
                name, kind="private" if private else "public", members=ids, archived=archived, id=id
            )

    def join(self, channel: str, user: str, *, team: str | None = None) -> None:
        with self._lock:
            ws = self._ws(team)
            ws.join(ws.channel(channel), ws.user(user).id)

    def archive(self, channel: str, *, archived: bool = True, team: str | None = None) -> None:
        with self._lock:
            ws = self._ws(team)
            ws.set_archived(ws.channel(channel), archived)

    def seed_workspace(
        self, *, channels: Iterable[ChannelSpec] = (), users: Iterable[UserSpec] = (), team: str | None = None
    ) -> Workspace:
        """Users, then channels. A user is a name (email name@example.com) or a mapping of add_user's
        arguments; a channel is a name ("kpi-daily" or "#kpi-daily") or a mapping with name, private,
        members (default: every seeded user), bot_member (default True), archived, id."""
        with self._lock:
            seeded: list[User] = []
            for spec in users:
                person: dict[str, Any] = (
                    {"name": spec, "email": f"{spec}@example.com"} if isinstance(spec, str) else dict(spec)
                )
                seeded.append(self.add_user(team=team, **person))
            for spec in channels:
                room: dict[str, Any] = {"name": spec} if isinstance(spec, str) else dict(spec)
                room.setdefault("members", [u.id for u in seeded])
                self.add_channel(team=team, **room)
            return self._ws(team)

    # ------------------------------------------------------------------ directory
    @property
    def bot_user_id(self) -> str:
        return self.workspace.bot_user.id

    def user(self, ref: str, *, team: str | None = None) -> User:
        with self._lock:
            return self._ws(team).user(ref)

    def channel(self, ref: str, *, team: str | None = None) -> Channel:
        with self._lock:
            return self._ws(team).channel(ref)

    def users(self, *, team: str | None = None) -> list[User]:
        with self._lock:
            return list(self._ws(team).users.values())

    def channels(self, *, team: str | None = None) -> list[Channel]:
        with self._lock:
            return list(self._ws(team).channels.values())

    def im_channel(self, user: str, *, team: str | None = None) -> Channel | None:
        """The bot's DM with `user`, if one was opened."""
        with self._lock:
            ws = self._ws(team)
            uid = ws.user(user).id
            return next((c for c in ws.channels.values() if c.kind == "im" and c.im_user == uid), None)

    # ------------------------------------------------------------------ messages
    def messages(
        self, channel: str, *, include_deleted: bool = False, team: str | None = None
    ) -> list[Message]:
        """Top-level messages in ts order (thread broadcasts included); replies hang off `.replies`."""
        with self._lock:
            ws = self._ws(team)
            found = [m for m in ws.top_level(ws.channel(channel).id) if include_deleted or not m.deleted]
            return sorted(found, key=lambda m: float(m.ts))

    def thread(self, channel: str, ts: str, *, team: str | None = None) -> list[Message]:
        """The parent message and its replies, oldest first."""
        with self._lock:
            ws = self._ws(team)
            parent = ws.message(ws.channel(channel).id, ts)
            if parent is None:
                raise EmulatorError(f"no message {ts} in {channel}")
            return [parent, *(r for r in parent.replies if not r.deleted)]

    def find_messages(
        self,
        *,
        channel: str | None = None,
        contains: str | None = None,
        ts: str | None = None,
        thread_ts: str | None = None,
        user: str | None = None,
        predicate: Callable[[Message], bool] | None = None,
        team: str | None = None,
    ) -> list[Message]:
        """Live messages (replies included) matching every given filter, oldest first. `contains` searches
        the text and the blocks' text; `thread_ts` selects the replies of one thread."""
        with self._lock:
            ws = self._ws(team)
            wanted = [ws.channel(channel).id] if channel is not None else list(ws.messages)
            found = [
                m
                for cid in wanted
                for m in ws.messages.get(cid, {}).values()
                if not m.deleted
                and (ts is None or m.ts == ts)
                and (thread_ts is None or (m.thread_ts == thread_ts and m.ts != thread_ts))
                and (user is None or m.user == ws.user(user).id)
                and (contains is None or contains in flatten_text(m))
                and (predicate is None or predicate(m))
            ]
            return sorted(found, key=lambda m: float(m.ts))

    def find_message(self, **filters: Any) -> Message | None:
        """The newest message matching `find_messages(**filters)`, or None."""
        found = self.find_messages(**filters)
        return found[-1] if found else None

    def ephemerals(
        self,
        user: str | None = None,
        *,
        channel: str | None = None,
        include_deleted: bool = False,
        team: str | None = None,
    ) -> list[Ephemeral]:
        """Ephemeral messages (to `user`, in `channel` when given), oldest first."""
        with self._lock:
            ws = self._ws(team)
            uid = ws.user(user).id if user is not None else None
            cid = ws.channel(channel).id if channel is not None else None
            return [
                e
                for e in ws.ephemerals
                if (uid is None or e.user == uid)
                and (cid is None or e.channel == cid)
                and (include_deleted or not e.deleted)
            ]

    def timeline(
        self, channel: str, *, viewer: str | None = None, team: str | None = None
    ) -> list[dict[str, Any]]:
        """What `viewer` sees in `channel`, oldest first, as Slack JSON (for the demo page): top-level
        messages, each with a "replies" list, plus the viewer's ephemerals (`is_ephemeral: true`, in their
        thread when they have a thread_ts). File URLs in the JSON point at this emulator."""
        with self._lock:
            ws = self._ws(team)
            cid = ws.channel(channel).id
            items: dict[str, dict[str, Any]] = {}
            for message in self.messages(cid, team=team):
                rendered = ws.render(message)
                rendered["replies"] = [ws.render(r) for r in message.replies if not r.deleted]
                items[message.ts] = rendered
            for eph in self.ephemerals(viewer, channel=cid, team=team) if viewer is not None else []:
                parent = items.get(eph.thread_ts or "")
                if parent is not None:
                    parent["replies"] = sorted(
                        [*parent["replies"], eph.to_dict()], key=lambda m: float(m["ts"])
                    )
                else:
                    items[eph.ts] = {**eph.to_dict(), "replies": []}
            return [items[ts] for ts in sorted(items, key=float)]

    # ------------------------------------------------------------------ files
    def file(self, file_id: str, *, team: str | None = None) -> SlackFile:
        with self._lock:
            found = self._ws(team).files.get(file_id)
            if found is None:
                raise EmulatorError(f"no file {file_id}")
            return found

    def file_url(self, file_id: str, *, team: str | None = None) -> str:
        """Where the file's bytes are served (no token needed: the demo page shows them in an <img>)."""
        return f"{self.base_url}{self.file(file_id, team=team).path()}"

    # ------------------------------------------------------------------ recordings
    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """Recorded calls to one method ("chat.postMessage", "response_url", "upload"), oldest first."""
        with self._lock:
            return [c for c in self._calls if c.method == method and (ok is None or c.ok == ok)]

    @property
    def deliveries(self) -> list[Delivery]:
        """Every request sent to the bot (slash commands, clicks, events) with its answer."""
        with self._lock:
            return list(self._deliveries)

    def clear_recordings(self) -> None:
        with self._lock:
            self._calls.clear()
            self._deliveries.clear()
