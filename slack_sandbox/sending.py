"""Sending the bot what Slack sends: slash commands, button/select clicks and events, signed and recorded.

Each method blocks until the bot has answered (its ack), records a `Delivery`, and applies what Slack would
(a slash command's ack body becomes the user's ephemeral reply; a failure becomes Slackbot's notice). The
bot's later work (response_url, Web API calls) arrives on other threads: use `wait_for` to wait for it.

`transport`: "http" posts to the request URL; "socket" sends an envelope over the app's Socket Mode link
(socket_mode.py). The default is "socket" when the emulator has an app token (Socket Mode on), else "http".
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from slack_sandbox.interactions import (
    apply_command_ack,
    block_actions_payload,
    build_action,
    find_element,
    slash_command_fields,
)
from slack_sandbox.messages import Ephemeral, Message
from slack_sandbox.recording import Delivery
from slack_sandbox.response_urls import ResponseUrls
from slack_sandbox.signing import SLACK_TIMEOUT_SECONDS, SlackSigner, post_signed
from slack_sandbox.socket_mode import Transport
from slack_sandbox.state import EmulatorError
from slack_sandbox.workspace import Workspace


class SendingMixin:
    _lock: threading.RLock
    _deliveries: list[Delivery]
    request_url: str | None
    verification_token: str
    signer: SlackSigner
    response_urls: ResponseUrls
    now: Callable[[], float]
    _deliver_socket: Callable[..., Delivery]  # socket_mode.py

    @property
    def socket_mode(self) -> bool:  # SocketModeMixin's (earlier in the MRO) is the real one
        raise NotImplementedError

    def _ws(self, team: str | None) -> Workspace:
        raise NotImplementedError

    def _emitter(self, team: str | None) -> Any:
        raise NotImplementedError

    def send_slash_command(
        self,
        text: str = "",
        *,
        user: str,
        channel: str,
        command: str = "/kpi",
        app_url: str | None = None,
        forge_signature: bool = False,
        timestamp_skew: float = 0,
        timeout: float = SLACK_TIMEOUT_SECONDS,
        team: str | None = None,
        transport: Transport | None = None,
    ) -> Delivery:
        """`user` types `{command} {text}` in `channel` (ids, names or emails). Returns the bot's answer."""
        with self._lock:
            ws = self._ws(team)
            usr, chan = ws.user(user), ws.channel(channel)
            if usr.id not in chan.members:
                raise EmulatorError(f"{usr.name} is not in #{chan.name}, so cannot type there")
            response_url = self.response_urls.issue(
                ws, channel=chan.id, user=usr.id, source="command", now=self.now()
            )
            fields = slash_command_fields(
                ws,
                command=command,
                text=text,
                user=usr,
                channel=chan,
                response_url=response_url,
                trigger_id=self._trigger_id(ws),
                verification_token=self.verification_token,
            )
        delivery = self._deliver(
            "slash_command",
            urlencode(fields),
            fields,
            app_url=app_url,
            timeout=timeout,
            forge=forge_signature,
            skew=timestamp_skew,
            team=ws.team_id,
            transport=transport,
        )
        delivery.response_url, delivery.trigger_id = response_url, fields["trigger_id"]
        if (
            not forge_signature and not timestamp_skew
        ):  # a forged request never came from Slack: nothing to show
            with self._lock:
                apply_command_ack(
                    ws,
                    channel=chan,
                    user=usr,
                    command=command,
                    status=delivery.status,
                    body=delivery.response_body,
                    content_type=delivery.response_headers.get("Content-Type", ""),
                    error=delivery.error,
                )
        return delivery

    def click(
        self,
        *,
        user: str,
        channel: str,
        ts: str,
        action_id: str,
        value: str | None = None,
        selected: Any = None,
        block_id: str | None = None,
        app_url: str | None = None,
        state: dict[str, Any] | None = None,
        forge_signature: bool = False,
        timestamp_skew: float = 0,
        timeout: float = SLACK_TIMEOUT_SECONDS,
        team: str | None = None,
        transport: Transport | None = None,
    ) -> Delivery:
        """`user` clicks the element `action_id` in the message `ts` of `channel` (a channel message, or an
        ephemeral one shown to `user`). `value` picks among buttons sharing an action_id; `selected` is the
        chosen option value (static_select, overflow, radio), user id (users_select), date, ..."""
        with self._lock:
            ws = self._ws(team)
            usr, chan = ws.user(user), ws.channel(channel)
            source: Message | Ephemeral | None = ws.message(chan.id, ts) or ws.find_ephemeral(usr.id, ts)
            if source is None or source.channel != chan.id:
                raise EmulatorError(f"{usr.name} sees no message {ts} in {channel}")
            if isinstance(source, Message) and chan.kind != "public" and usr.id not in chan.members:
                raise EmulatorError(f"{usr.name} cannot see #{chan.name}")
            found_block, element = find_element(
                source.blocks, action_id=action_id, block_id=block_id, value=value
            )
            action = build_action(
                element, block_id=found_block, action_ts=f"{self.now():.6f}", selected=selected
            )
            ephemeral = isinstance(source, Ephemeral)
            response_url = self.response_urls.issue(
                ws,
                channel=chan.id,
                user=usr.id,
                source="block_actions",
                now=self.now(),
                original_ts=source.ts,
                original_ephemeral=ephemeral,
            )
            payload = block_actions_payload(
                ws,
                user=usr,
                channel=chan,
                source=source,
                action=action,
                response_url=response_url,
                trigger_id=self._trigger_id(ws),
                verification_token=self.verification_token,
                state=state,
            )
        delivery = self._deliver(
            "block_actions",
            urlencode({"payload": json.dumps(payload)}),
            payload,
            app_url=app_url,
            timeout=timeout,
            forge=forge_signature,
            skew=timestamp_skew,
            team=ws.team_id,
            transport=transport,
        )
        delivery.response_url, delivery.trigger_id = response_url, payload["trigger_id"]
        return delivery

    send_block_action = click

    def send_event(
        self,
        event: dict[str, Any],
        *,
        app_url: str | None = None,
        forge_signature: bool = False,
        timestamp_skew: float = 0,
        team: str | None = None,
        transport: Transport | None = None,
    ) -> Delivery:
        """An Events API `event_callback` wrapping `event` (e.g. {"type": "app_mention", ...}), as JSON."""
        with self._lock:
            ws = self._ws(team)
            envelope = {
                "token": self.verification_token,
                "team_id": ws.team_id,
                "api_app_id": ws.app_id,
                "event": {"event_ts": f"{self.now():.6f}", **event},
                "type": "event_callback",
                "event_id": f"Ev{secrets.token_hex(5).upper()}",
                "event_time": int(self.now()),
                "authorizations": [
                    {
                        "team_id": ws.team_id,
                        "user_id": ws.bot_user.id,
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
            }
        return self._deliver(
            "event_callback",
            json.dumps(envelope),
            envelope,
            app_url=app_url,
            content_type="application/json",
            forge=forge_signature,
            skew=timestamp_skew,
            team=ws.team_id,
            transport=transport,
        )

    def send_signed(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        app_url: str | None = None,
        forge_signature: bool = False,
        timestamp_skew: float = 0,
        timeout: float = SLACK_TIMEOUT_SECONDS,
    ) -> Delivery:
        """Any body, signed like Slack signs it (for odd-input tests)."""
        return self._deliver(
            "raw",
            body,
            {},
            app_url=app_url,
            content_type=content_type,
            timeout=timeout,
            forge=forge_signature,
            skew=timestamp_skew,
            team=None,
            transport="http",
        )

    def _deliver(
        self,
        kind: str,
        body: str,
        fields: dict[str, Any],
        *,
        app_url: str | None,
        forge: bool,
        skew: float,
        team: str | None,
        timeout: float = SLACK_TIMEOUT_SECONDS,
        content_type: str = "application/x-www-form-urlencoded",
        transport: Transport | None = None,
    ) -> Delivery:
        if (transport or ("socket" if self.socket_mode else "http")) == "socket":
            if forge or skew or app_url:
                raise EmulatorError("Socket Mode envelopes are not signed and go to no URL")
            return self._deliver_socket(kind, fields, team=team, timeout=timeout)
        url = app_url or self.request_url
        if not url:
            raise EmulatorError("no app URL: pass app_url= or set emulator.request_url")
        sent_at = self.now()
        headers, answer = post_signed(
            url, body, signer=self.signer, content_type=content_type, timeout=timeout, skew=skew, forge=forge
        )
        delivery = Delivery(
            kind=kind,
            url=url,
            body=body,
            headers=headers,
            fields=fields,
            sent_at=sent_at,
            status=answer.status,
            response_body=answer.body,
            response_headers=answer.headers,
            elapsed=answer.elapsed,
            error=answer.error,
        )
        with self._lock:
            self._deliveries.append(delivery)
            self._emitter(team)("delivery", data=delivery.to_dict())
        return delivery

    def _trigger_id(self, ws: Workspace) -> str:
        return f"{int(self.now())}.{ws.team_id}.{secrets.token_hex(16)}"
