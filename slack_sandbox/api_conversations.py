"""auth.test, conversations.* (list, open, info, join, members) and users.* (info, lookupByEmail, list)."""

from __future__ import annotations

from typing import Any

from slack_sandbox.api_common import ApiCall, Handler, paginate
from slack_sandbox.state import Channel, MethodError

TYPE_KINDS = {"public_channel": "public", "private_channel": "private", "im": "im", "mpim": "mpim"}


def auth_test(call: ApiCall) -> dict[str, Any]:
    ws = call.ws
    return {
        "ok": True,
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.name,
        "user": ws.bot_user.name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user.id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "is_enterprise_install": False,
    }


def _visible(call: ApiCall, channel: Channel) -> bool:
    return channel.kind == "public" or call.ws.bot_user.id in channel.members


def conversations_list(call: ApiCall) -> dict[str, Any]:
    kinds = set()
    for name in (call.arg("types") or "public_channel").split(","):
        name = name.strip()
        if name not in TYPE_KINDS:
            raise MethodError("invalid_types")
        kinds.add(TYPE_KINDS[name])
    exclude_archived = call.flag("exclude_archived")
    channels = [
        c
        for c in call.ws.channels.values()
        if c.kind in kinds and _visible(call, c) and not (exclude_archived and c.is_archived)
    ]
    page, next_cursor = paginate(channels, call, default=100, maximum=1000)
    viewer = call.ws.bot_user.id
    return {
        "ok": True,
        "channels": [c.to_dict(viewer=viewer) for c in page],
        "response_metadata": {"next_cursor": next_cursor},
    }


def conversations_open(call: ApiCall) -> dict[str, Any]:
    existing = call.arg("channel")
    if existing is not None:
        channel = call.ws.visible_channel(existing)
        return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel.id}}
    raw = call.arg("users")
    if raw is None:
        raise MethodError("users_list_not_supplied")
    ids = []
    for ref in raw.split(","):
        user = call.ws.users.get(ref.strip())
        if user is None or user.deleted:
            raise MethodError("user_not_found")
        ids.append(user.id)
    if len(ids) > 8:
        raise MethodError("too_many_users")
    known = set(call.ws.channels)
    channel = call.ws.open_im(ids[0]) if len(ids) == 1 else call.ws.open_mpim(ids)
    body: dict[str, Any] = {"ok": True, "channel": {"id": channel.id}}
    if channel.id in known:
        body.update(no_op=True, already_open=True)
    if call.flag("return_im"):
        body["channel"] = channel.to_dict(viewer=call.ws.bot_user.id)
    return body


def conversations_info(call: ApiCall) -> dict[str, Any]:
    channel = call.ws.visible_channel(call.require("channel", "channel_not_found"))
    info = channel.to_dict(viewer=call.ws.bot_user.id)
    if not call.flag("include_num_members"):
        info.pop("num_members", None)
    return {"ok": True, "channel": info}


def conversations_join(call: ApiCall) -> dict[str, Any]:
    channel = call.ws.visible_channel(call.require("channel", "channel_not_found"))
    if channel.kind != "public":
        raise MethodError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise MethodError("is_archived")
    joined = call.ws.join(channel, call.ws.bot_user.id)
    body: dict[str, Any] = {"ok": True, "channel": channel.to_dict(viewer=call.ws.bot_user.id)}
    if not joined:
        body["warning"] = "already_in_channel"
        body["response_metadata"] = {"warnings": ["already_in_channel"]}
    return body


def conversations_members(call: ApiCall) -> dict[str, Any]:
    channel = call.ws.visible_channel(call.require("channel", "channel_not_found"))
    page, next_cursor = paginate(channel.members, call, default=100, maximum=1000)
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}


def users_info(call: ApiCall) -> dict[str, Any]:
    user = call.ws.users.get(call.require("user", "user_not_found"))
    if user is None:
        raise MethodError("user_not_found")
    return {"ok": True, "user": user.to_dict(now=call.ws.clock())}


def users_lookup_by_email(call: ApiCall) -> dict[str, Any]:
    email = call.require("email", "invalid_email").strip().lower()
    for user in call.ws.users.values():
        if (user.email or "").lower() == email and not user.deleted:
            return {"ok": True, "user": user.to_dict(now=call.ws.clock())}
    raise MethodError("users_not_found")


def users_list(call: ApiCall) -> dict[str, Any]:
    page, next_cursor = paginate(list(call.ws.users.values()), call, default=100, maximum=1000)
    now = call.ws.clock()
    return {
        "ok": True,
        "members": [u.to_dict(now=now) for u in page],
        "response_metadata": {"next_cursor": next_cursor},
    }


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "conversations.list": conversations_list,
    "conversations.open": conversations_open,
    "conversations.info": conversations_info,
    "conversations.join": conversations_join,
    "conversations.members": conversations_members,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "users.list": users_list,
}
