"""conversations.* and users.* through slack_sdk."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_sandbox import SlackEmulator


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return str(info.value.response["error"])


def test_list_types_membership_and_archived(emu: SlackEmulator, client: WebClient) -> None:
    public = {c["name"]: c for c in client.conversations_list()["channels"]}
    assert set(public) == {"general", "kpi-daily", "outside", "old"}  # private ones are not "public_channel"
    assert public["general"]["is_member"] and not public["outside"]["is_member"]
    assert public["old"]["is_archived"]
    both = client.conversations_list(types="public_channel,private_channel", exclude_archived=True)
    assert {c["name"] for c in both["channels"]} == {
        "general",
        "kpi-daily",
        "outside",
        "exec",
    }  # not "hidden"
    assert error_of(client.conversations_list, types="everything") == "invalid_types"


def test_list_cursor_pagination(emu: SlackEmulator, client: WebClient) -> None:
    for i in range(7):
        emu.add_channel(f"extra-{i}")
    names: list[str] = []
    pages = 0
    for page in client.conversations_list(limit=3):  # slack_sdk follows next_cursor itself
        names += [c["name"] for c in page["channels"]]
        pages += 1
    assert pages == 4 and len(names) == len(set(names)) == 11
    assert error_of(client.conversations_list, cursor="bogus!") == "invalid_cursor"


def test_open_info_join_members(emu: SlackEmulator, client: WebClient) -> None:
    ana, bob = emu.user("ana"), emu.user("bob")
    opened = client.conversations_open(users=ana.id)
    assert opened["channel"]["id"].startswith("D")
    again = client.conversations_open(users=ana.id, return_im=True)
    assert again["already_open"] and again["channel"]["id"] == opened["channel"]["id"]
    assert again["channel"]["is_im"] and again["channel"]["user"] == ana.id
    group = client.conversations_open(users=f"{ana.id},{bob.id}")["channel"]["id"]
    assert group.startswith("G") and set(emu.channel(group).members) == {ana.id, bob.id, emu.bot_user_id}
    assert error_of(client.conversations_open, users="U404") == "user_not_found"
    assert error_of(client.api_call, "conversations.open", params={}) == "users_list_not_supplied"

    outside = emu.channel("outside")
    assert not client.conversations_info(channel=outside.id)["channel"]["is_member"]
    joined = client.conversations_join(channel=outside.id)
    assert joined["channel"]["is_member"] and emu.bot_user_id in emu.channel("outside").members
    assert client.conversations_join(channel=outside.id)["warning"] == "already_in_channel"
    assert error_of(client.conversations_join, channel=emu.channel("exec").id) == (
        "method_not_supported_for_channel_type"
    )
    assert error_of(client.conversations_join, channel=emu.channel("old").id) == "is_archived"
    assert error_of(client.conversations_info, channel=emu.channel("hidden").id) == "channel_not_found"
    members = client.conversations_members(channel=emu.channel("general").id, limit=2)
    assert len(members["members"]) == 2 and members["response_metadata"]["next_cursor"]


def test_users(emu: SlackEmulator, client: WebClient) -> None:
    found = client.users_lookupByEmail(email="ANA@example.com")["user"]
    assert found["id"] == emu.user("ana").id
    assert found["profile"]["email"] == "ana@example.com" and found["real_name"] == "Ana Lima"
    assert found["tz"] == "Europe/Berlin" and found["tz_offset"] == 3600  # January: CET
    assert error_of(client.users_lookupByEmail, email="nobody@example.com") == "users_not_found"
    info = client.users_info(user=emu.bot_user_id)["user"]
    assert info["is_bot"] and info["profile"]["bot_id"] == emu.workspace.bot_id
    assert error_of(client.users_info, user="U404") == "user_not_found"
    assert len(client.users_list()["members"]) == 4  # the bot, ana, bob, carol


def test_second_workspace_is_isolated(emu: SlackEmulator) -> None:
    other = emu.add_workspace("T0OTHER", bot_token="xoxb-other")
    emu.add_channel("general", team="T0OTHER")
    client = WebClient(base_url=emu.api_url, token="xoxb-other")
    assert client.auth_test()["team_id"] == "T0OTHER"
    posted = client.chat_postMessage(channel="general", text="other team")
    assert posted["channel"] == emu.channel("general", team="T0OTHER").id != emu.channel("general").id
    assert [m.text for m in emu.messages("general", team="T0OTHER")] == ["other team"]
    assert emu.messages("general") == []
    assert other.bot_user.id != emu.bot_user_id
