"""People are named by their display name, whatever the length or shape of their Slack id."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.alerts.names import PeopleNames
from slack_sandbox import SlackEmulator


def test_ids_are_opaque_short_ones_get_a_name_too() -> None:
    with SlackEmulator.with_workspace(channels=["general"], users=[]) as emulator:
        emulator.add_user("ceo", real_name="Chen Exec", id="U0CEO")
        emulator.add_user("cro", real_name="Rita Revenue", id="W0123456789ABCDEF")
        names = PeopleNames(WebClient(base_url=emulator.api_url, token=emulator.bot_token))
        assert names.name("U0CEO") == "Chen Exec"
        assert names.name("W0123456789ABCDEF") == "Rita Revenue"
        assert names.name("kpibot") == "kpibot"  # the bot itself, as an actor
        assert names.name("UNKNOWN1") == "UNKNOWN1"  # Slack knows no such user: shown as it is
        assert names.replace_ids("Already acknowledged by U0CEO at 14:00 UTC.", ["U0CEO", None]) == (
            "Already acknowledged by Chen Exec at 14:00 UTC."
        )
