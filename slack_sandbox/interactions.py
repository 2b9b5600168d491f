"""What Slack sends the bot: slash command forms and block_actions payloads, and what it does with the ack.

Pure builders over the emulator's state; `sending.py` signs and delivers them.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sandbox.api_common import parse_content
from slack_sandbox.messages import Ephemeral, Message
from slack_sandbox.state import SLACKBOT_USER_ID, Channel, EmulatorError, MethodError, User
from slack_sandbox.workspace import Workspace


def channel_name(channel: Channel) -> str:
    """The channel_name Slack puts in commands and interactions ("directmessage" for a DM)."""
    return "directmessage" if channel.kind == "im" else channel.name


def slash_command_fields(
    ws: Workspace,
    *,
    command: str,
    text: str,
    user: User,
    channel: Channel,
    response_url: str,
    trigger_id: str,
    verification_token: str,
) -> dict[str, str]:
    """The form fields of a slash command request, in Slack's order."""
    return {
        "token": verification_token,
        "team_id": ws.team_id,
        "team_domain": ws.domain,
        "channel_id": channel.id,
        "channel_name": channel_name(channel),
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def find_element(
    blocks: list[dict[str, Any]], *, action_id: str, block_id: str | None = None, value: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The interactive element with `action_id` (and `block_id` / button `value` when given) and its block_id.

    Blocks without a block_id get the stable id Slack would have assigned them when the message was posted.
    """
    for index, block in enumerate(blocks):
        bid = str(block.get("block_id") or f"auto_block_{index}")
        if block_id is not None and bid != block_id:
            continue
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if not isinstance(element, dict) or element.get("action_id") != action_id:
                continue
            if value is not None and element.get("type") == "button" and element.get("value") != value:
                continue
            return bid, element
    raise EmulatorError(f"no interactive element with action_id {action_id!r} in this message")


def build_action(
    element: dict[str, Any], *, block_id: str, action_ts: str, selected: Any = None
) -> dict[str, Any]:
    """The `actions[0]` entry Slack sends for a click on `element` (or a choice of `selected`)."""
    kind = element.get("type")
    action: dict[str, Any] = {"action_id": element.get("action_id"), "block_id": block_id, "type": kind}
    if kind == "button":
        action["text"] = element.get("text")
        for key in ("value", "style", "url"):
            if key in element:
                action[key] = element[key]
    elif kind in ("static_select", "overflow", "radio_buttons", "external_select"):
        action["selected_option"] = _option(element, selected)
        if "placeholder" in element:
            action["placeholder"] = element["placeholder"]
    elif kind in ("multi_static_select", "checkboxes"):
        wanted = selected if isinstance(selected, list | tuple) else [selected]
        action["selected_options"] = [_option(element, v) for v in wanted]
    elif kind in ("users_select", "conversations_select", "channels_select", "datepicker", "timepicker"):
        if selected is None:
            raise EmulatorError(f"a {kind} needs `selected`")
        field = {
            "users_select": "selected_user",
            "conversations_select": "selected_conversation",
            "channels_select": "selected_channel",
            "datepicker": "selected_date",
            "timepicker": "selected_time",
        }[kind]
        action[field] = selected
    else:
        raise EmulatorError(f"cannot click a {kind!r} element")
    action["action_ts"] = action_ts
    return action


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == value:
            return dict(option)
    raise EmulatorError(f"option {value!r} is not offered by {element.get('action_id')!r}")


def block_actions_payload(
    ws: Workspace,
    *,
    user: User,
    channel: Channel,
    source: Message | Ephemeral,
    action: dict[str, Any],
    response_url: str,
    trigger_id: str,
    verification_token: str,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The `payload` JSON of a block_actions request for a click in `source`."""
    ephemeral = isinstance(source, Ephemeral)
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": source.ts,
        "channel_id": channel.id,
        "is_ephemeral": ephemeral,
    }
    if source.thread_ts:
        container["thread_ts"] = source.thread_ts
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": ws.team_id},
        "api_app_id": ws.app_id,
        "token": verification_token,
        "container": container,
        "trigger_id": trigger_id,
        "team": {"id": ws.team_id, "domain": ws.domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": channel_name(channel)},
    }
    if not ephemeral:
        payload["message"] = ws.render(source)  # type: ignore[arg-type]
    payload["state"] = {"values": state or {}}
    payload["response_url"] = response_url
    payload["actions"] = [action]
    return payload


def apply_command_ack(
    ws: Workspace,
    *,
    channel: Channel,
    user: User,
    command: str,
    status: int | None,
    body: str,
    content_type: str,
    error: str | None,
) -> None:
    """Show what Slack shows after a slash command: the ack's own response, or Slackbot's failure notice."""
    if status is None or not 200 <= status < 300:
        reason = error if error == "operation_timeout" else "dispatch_failed"
        _slackbot_notice(ws, channel, user, f'{command} failed with the error "{reason}"')
        return
    if not body.strip():
        return
    payload: Any
    if "json" in content_type or body.lstrip().startswith("{"):
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {"text": body}
    else:
        payload = {"text": body}
    if not isinstance(payload, dict):
        payload = {"text": body}
    try:
        content = parse_content(payload, ws=ws, channel=channel, warnings=[])
    except MethodError as exc:
        _slackbot_notice(ws, channel, user, f'{command} failed with the error "{exc.error}"')
        return
    text, blocks = content.text or "", content.blocks
    if payload.get("response_type") == "in_channel":
        ws.post_message(channel, text=text, blocks=blocks, attachments=content.attachments, via="command_ack")
    else:
        ws.post_ephemeral(
            channel, user.id, text=text, blocks=blocks, attachments=content.attachments, via="command_ack"
        )


def _slackbot_notice(ws: Workspace, channel: Channel, user: User, text: str) -> None:
    ws.post_ephemeral(channel, user.id, text=text, author=SLACKBOT_USER_ID, via="slackbot")
