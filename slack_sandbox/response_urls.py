"""response_url endpoints: the URLs Slack hands out with slash commands and interactions.

Slack's rules: each URL works for 30 minutes and at most 5 times. A POSTed JSON body with `text`/`blocks`
becomes an ephemeral message for the user who acted (`response_type: "ephemeral"`, the default) or a message
in the channel (`"in_channel"`, which needs no channel membership). `replace_original` edits the message the
interaction came from (for a slash command: the last message sent through this URL), `delete_original`
deletes it. An ephemeral original stays ephemeral when replaced.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any, Literal

from slack_sandbox.api_common import parse_content
from slack_sandbox.state import MethodError, ResponseUrlGrant
from slack_sandbox.workspace import Workspace

LIFETIME_SECONDS = 30 * 60
MAX_USES = 5


class ResponseUrls:
    def __init__(self) -> None:
        self._grants: dict[str, ResponseUrlGrant] = {}
        self._lock = threading.Lock()

    def issue(
        self,
        ws: Workspace,
        *,
        channel: str,
        user: str,
        source: Literal["command", "block_actions"],
        now: float,
        original_ts: str | None = None,
        original_ephemeral: bool = False,
    ) -> str:
        """A fresh response_url for an interaction by `user` in `channel`."""
        token = secrets.token_urlsafe(18)
        grant = ResponseUrlGrant(
            token=token,
            team=ws.team_id,
            channel=channel,
            user=user,
            issued_at=now,
            source=source,
            original_ts=original_ts,
            original_ephemeral=original_ephemeral,
        )
        with self._lock:
            self._grants[token] = grant
        return f"{ws.base_url}/response/{ws.team_id}/{token}"

    def grant(self, token: str) -> ResponseUrlGrant | None:
        with self._lock:
            return self._grants.get(token)

    def post(self, ws: Workspace, grant: ResponseUrlGrant, payload: Any, *, now: float) -> dict[str, Any]:
        """Apply one POST to a response_url; MethodError (with an HTTP status) when Slack would refuse."""
        if now - grant.issued_at > LIFETIME_SECONDS:
            raise MethodError("expired_url", status=404)
        if grant.uses >= MAX_USES:
            raise MethodError("used_url", status=404)
        if not isinstance(payload, dict):
            raise MethodError("invalid_payload", status=400)
        grant.uses += 1
        channel = ws.channels[grant.channel]
        original_ts = grant.original_ts or grant.last_ts
        original_ephemeral = grant.original_ephemeral if grant.original_ts else grant.last_ephemeral
        if _flag(payload.get("delete_original")):
            self._delete(ws, grant, original_ts, original_ephemeral)
            return {"ok": True}
        try:
            in_channel = payload.get("response_type") == "in_channel"
            viewer = None if in_channel else grant.user
            content = parse_content(payload, ws=ws, channel=channel, warnings=[], viewer=viewer)
        except MethodError as exc:
            exc.status = 400  # response_url reports bad content with a 400, not a 200 like the Web API
            raise
        text, blocks, attachments = content.text or "", content.blocks or [], content.attachments or []
        if _flag(payload.get("replace_original")) and original_ts is not None:
            if original_ephemeral:
                ephemeral = ws.find_ephemeral(grant.user, original_ts)
                if ephemeral is None:
                    raise MethodError("message_not_found", status=404)
                ws.replace_ephemeral(ephemeral, text=text, blocks=blocks, attachments=attachments)
            else:
                message = ws.message(channel.id, original_ts)
                if message is None:
                    raise MethodError("message_not_found", status=404)
                ws.update_message(message, text=text, blocks=blocks, attachments=attachments)
            return {"ok": True}
        thread_ts = payload.get("thread_ts") or None
        if payload.get("response_type") == "in_channel":
            if channel.is_archived:
                raise MethodError("is_archived", status=400)
            message = ws.post_message(
                channel,
                text=text,
                blocks=blocks,
                attachments=attachments,
                thread_ts=thread_ts,
                via="response_url",
            )
            grant.last_ts, grant.last_ephemeral = message.ts, False
        else:
            ephemeral = ws.post_ephemeral(
                channel,
                grant.user,
                text=text,
                blocks=blocks,
                attachments=attachments,
                thread_ts=thread_ts,
                via="response_url",
            )
            grant.last_ts, grant.last_ephemeral = ephemeral.ts, True
        return {"ok": True}

    @staticmethod
    def _delete(ws: Workspace, grant: ResponseUrlGrant, ts: str | None, ephemeral: bool) -> None:
        if ts is None:
            raise MethodError("message_not_found", status=404)
        if ephemeral:
            found = ws.find_ephemeral(grant.user, ts)
            if found is None:
                raise MethodError("message_not_found", status=404)
            ws.delete_ephemeral(found)
            return
        message = ws.message(grant.channel, ts)
        if message is None:
            raise MethodError("message_not_found", status=404)
        ws.delete_message(message)


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")
