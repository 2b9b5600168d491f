"""One Slack workspace: the directory plus messages, threads, edits, ephemerals and files."""

from __future__ import annotations

from typing import Any

from slack_sandbox.directory import Directory
from slack_sandbox.messages import Ephemeral, Message, MessageVersion, SlackFile
from slack_sandbox.state import Channel, MethodError


class Workspace(Directory):
    """Everything one team holds. Messages are kept per channel by ts; replies also hang off their parent."""

    # ---------------------------------------------------------------- messages
    def message(self, channel: str, ts: str) -> Message | None:
        found = self.messages.get(channel, {}).get(ts)
        return None if found is None or found.deleted else found

    def top_level(self, channel: str) -> list[Message]:
        return [m for m in self.messages.get(channel, {}).values() if not m.is_reply or m.reply_broadcast]

    def next_ts(self) -> str:
        """Slack's message ts: seconds.micros, strictly increasing within the workspace. Counted in whole
        microseconds: a float at 1.7e9 s cannot hold one more microsecond exactly, and two messages
        with one ts would be one message."""
        micros = max(round(self.clock() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def post_message(
        self,
        channel: Channel,
        *,
        text: str,
        user: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        files: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        via: str = "chat.postMessage",
    ) -> Message:
        parent = None
        if thread_ts:
            parent = self.message(channel.id, thread_ts)
            if parent is not None and parent.is_reply:
                parent = self.message(channel.id, parent.thread_ts or "")
            if parent is None:
                raise MethodError("thread_not_found")
        author = user or self.bot_user.id
        is_bot = author == self.bot_user.id
        message = Message(
            ts=self.next_ts(),
            channel=channel.id,
            team=self.team_id,
            user=author,
            text=text,
            blocks=list(blocks or []),
            attachments=list(attachments or []),
            bot_id=self.bot_id if is_bot else None,
            app_id=self.app_id if is_bot else None,
            thread_ts=parent.ts if parent else None,
            reply_broadcast=bool(parent and reply_broadcast),
            files=list(files or []),
            metadata=metadata,
            unfurl_links=unfurl_links,
            unfurl_media=unfurl_media,
            via=via,
        )
        self.messages[channel.id][message.ts] = message
        if parent is not None:
            parent.replies.append(message)
            parent.thread_ts = parent.ts
        self.emit("message", channel=channel.id, ts=message.ts, user=author, data=self.render(message))
        return message

    def update_message(
        self,
        message: Message,
        *,
        text: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        editor: str | None = None,
    ) -> Message:
        """chat.update semantics: an omitted field keeps its value; an empty list removes blocks."""
        edit_ts = self.next_ts()
        message.history.append(
            MessageVersion(message.text, list(message.blocks), list(message.attachments), edited_at=edit_ts)
        )
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = list(blocks)
        if attachments is not None:
            message.attachments = list(attachments)
        message.edited = {"user": editor or self.bot_user.id, "ts": edit_ts}
        self.emit("message_changed", channel=message.channel, ts=message.ts, data=self.render(message))
        return message

    def delete_message(self, message: Message) -> None:
        message.deleted = True
        self.emit("message_deleted", channel=message.channel, ts=message.ts)

    def render(self, message: Message) -> dict[str, Any]:
        return message.to_dict(files=self.files, base_url=self.base_url)

    # -------------------------------------------------------------- ephemerals
    def post_ephemeral(
        self,
        channel: Channel,
        user: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        author: str | None = None,
        via: str = "chat.postEphemeral",
    ) -> Ephemeral:
        author = author or self.bot_user.id
        is_bot = author == self.bot_user.id
        ephemeral = Ephemeral(
            ts=self.next_ts(),
            channel=channel.id,
            team=self.team_id,
            user=user,
            author=author,
            text=text,
            blocks=list(blocks or []),
            attachments=list(attachments or []),
            thread_ts=thread_ts,
            bot_id=self.bot_id if is_bot else None,
            app_id=self.app_id if is_bot else None,
            via=via,
        )
        self.ephemerals.append(ephemeral)
        self.emit("ephemeral", channel=channel.id, ts=ephemeral.ts, user=user, data=ephemeral.to_dict())
        return ephemeral

    def find_ephemeral(self, user: str, ts: str) -> Ephemeral | None:
        for ephemeral in self.ephemerals:
            if ephemeral.user == user and ephemeral.ts == ts and not ephemeral.deleted:
                return ephemeral
        return None

    def replace_ephemeral(
        self,
        ephemeral: Ephemeral,
        *,
        text: str,
        blocks: list[dict[str, Any]],
        attachments: list[dict[str, Any]],
    ) -> None:
        ephemeral.text, ephemeral.blocks, ephemeral.attachments = text, list(blocks), list(attachments)
        ephemeral.edited = {"user": ephemeral.author, "ts": self.next_ts()}
        self.emit(
            "ephemeral_changed",
            channel=ephemeral.channel,
            ts=ephemeral.ts,
            user=ephemeral.user,
            data=ephemeral.to_dict(),
        )

    def delete_ephemeral(self, ephemeral: Ephemeral) -> None:
        ephemeral.deleted = True
        self.emit("ephemeral_deleted", channel=ephemeral.channel, ts=ephemeral.ts, user=ephemeral.user)

    # ------------------------------------------------------------------- files
    def new_file(self, *, name: str, length: int, alt_txt: str | None) -> SlackFile:
        file = SlackFile(
            id=self.ids.new("F"),
            team=self.team_id,
            user=self.bot_user.id,
            name=name,
            title=name,
            length=length,
            created=int(self.clock()),
            alt_txt=alt_txt,
        )
        self.files[file.id] = file
        return file

    def share_file(self, file: SlackFile, channel: Channel, ts: str) -> None:
        file.shares.setdefault(channel.id, []).append(ts)
        if channel.kind == "public":
            file.public_channels.add(channel.id)
        self.emit("file_shared", channel=channel.id, ts=ts, data={"file": file.id})
