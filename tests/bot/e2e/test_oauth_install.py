"""Installing kpibot into any workspace: OAuth v2 through the emulator, two workspaces with their own
tokens, each answering /kpi with its own token; uninstalling removes the installation."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from bot.slack.installations import BOT_SCOPES, Installations
from kpi_core.clock import ManualClock
from kpibot_demo.stack import BOT_TOKEN, SandboxStack
from tests.conftest import DEMO_CONFIG
from tests.stack_fixtures import CHANNELS, USERS

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "sandbox-client-secret"
SECOND_TOKEN = "xoxb-second-workspace-token"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture
def oauth_stack(demo_db_url: str, clock: ManualClock) -> Iterator[SandboxStack]:
    with SandboxStack.start(
        config_dir=DEMO_CONFIG,
        database_url=demo_db_url,
        clock=clock,
        channels=CHANNELS,
        users=USERS,
        extra_settings={
            "SLACK_BOT_TOKEN": "",
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        },
    ) as stack:
        stack.emulator.enable_oauth(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        stack.emulator.add_workspace("T0SECOND1", bot_token=SECOND_TOKEN, name="Second Co")
        stack.emulator.add_user("sam", email="sam@second.example", team="T0SECOND1")
        stack.emulator.add_channel("metrics", members=["sam"], team="T0SECOND1")
        yield stack


def install(stack: SandboxStack, *, team: str, user: str) -> str:
    """A person opens /slack/install, approves in Slack, and comes back: returns the success page.

    The state cookie Bolt sets is `Secure`; a browser on https sends it back, so the test does too (the
    bot is on plain http here, where urllib's cookie jar would drop it)."""
    browser = urllib.request.build_opener(NoRedirect)
    try:
        browser.open(f"{stack.url}/slack/install", timeout=20)
        raise AssertionError("/slack/install should redirect to Slack's authorize page")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        authorize = redirect.headers["Location"]
        cookie = redirect.headers["Set-Cookie"].split(";")[0]
    query = parse_qs(urlsplit(authorize).query)
    assert query["client_id"] == [CLIENT_ID] and query["scope"] == [",".join(BOT_SCOPES)]
    back = stack.emulator.approve_install(authorize, team=team, user=user)
    assert back.startswith(f"{stack.url}/slack/oauth_redirect?code=")
    request = urllib.request.Request(back, headers={"Cookie": cookie})
    with browser.open(request, timeout=20) as page:
        assert page.status == 200
        return str(page.read().decode())


def asked_to_install(stack: SandboxStack, *, user: str, channel: str, team: str | None = None) -> None:
    """A /kpi from a workspace with no installation: Bolt's authorize finds no token, and the person is
    told (through response_url) to install the app; no listener runs, no Web API call is made."""
    before = len(stack.emulator.calls)
    delivery = stack.emulator.send_slash_command("mrr", user=user, channel=channel, team=team)
    assert delivery.status == 200
    said = stack.emulator.wait_for(
        lambda: [c for c in stack.emulator.calls[before:] if c.method == "response_url"] or None, timeout=10
    )
    assert "reinstall this app" in said[0].args["text"]
    assert [c.method for c in stack.emulator.calls[before:]] == ["response_url"]


def installations(stack: SandboxStack) -> Installations:
    return Installations.create(stack.settings, engine=stack.runtime.db.engine)


def kpi_calls_by_team(stack: SandboxStack, since: int) -> set[str | None]:
    return {
        call.team for call in stack.emulator.calls[since:] if call.method not in ("response_url", "upload")
    }


def test_two_workspaces_install_and_each_answers_with_its_own_token(oauth_stack: SandboxStack) -> None:
    stack, emulator = oauth_stack, oauth_stack.emulator
    first = emulator.workspace.team_id
    # before any install, Bolt's authorize finds no installation: the person is asked to install the app
    asked_to_install(stack, user=stack.user("dana"), channel=stack.channel("general"))

    assert "Thank you" in install(stack, team=first, user="dana")
    assert "Thank you" in install(stack, team="T0SECOND1", user="sam")
    store = installations(stack)
    assert store.teams() == sorted([first, "T0SECOND1"])
    assert store.store.find_bot(enterprise_id=None, team_id="T0SECOND1").bot_token == SECOND_TOKEN  # type: ignore[union-attr]
    assert store.store.find_bot(enterprise_id=None, team_id=first).bot_token == BOT_TOKEN  # type: ignore[union-attr]
    assert len(emulator.calls_to("oauth.v2.access", ok=True)) == 2

    for team, user, channel in ((first, "dana", "general"), ("T0SECOND1", "sam", "metrics")):
        ws = next(w for w in emulator.workspaces if w.team_id == team)
        user_id, channel_id = ws.user(user).id, ws.channel(channel).id
        since, seen = len(emulator.calls), len(emulator.ephemerals(user_id, team=team))
        delivery = emulator.send_slash_command("mrr", user=user_id, channel=channel_id, team=team)
        assert delivery.status == 200, delivery
        [answer] = emulator.wait_for(
            lambda u=user_id, t=team, n=seen: emulator.ephemerals(u, team=t)[n:] or None, timeout=20
        )
        assert answer.blocks[0]["text"]["text"].startswith("Monthly Recurring Revenue")
        # the chart went into this workspace's DM, with this workspace's token (no call used the other's)
        assert kpi_calls_by_team(stack, since) == {team}
        assert emulator.calls_to("files.completeUploadExternal", ok=True)[-1].team == team


def test_uninstall_removes_the_installation_and_the_token(oauth_stack: SandboxStack) -> None:
    stack, emulator = oauth_stack, oauth_stack.emulator
    install(stack, team=emulator.workspace.team_id, user="dana")
    install(stack, team="T0SECOND1", user="sam")
    revoked, uninstalled = emulator.uninstall(team="T0SECOND1")
    assert revoked.status == 200 and uninstalled.status == 200
    store = installations(stack)
    emulator.wait_for(lambda: store.teams() == [emulator.workspace.team_id], timeout=10)
    with stack.runtime.db.engine.connect() as connection:
        left = connection.scalars(select(store.store.installations.c.team_id)).all()
    assert "T0SECOND1" not in left
    # the removed workspace is asked to install again; the other one still answers
    ws = next(w for w in emulator.workspaces if w.team_id == "T0SECOND1")
    sam, metrics = ws.user("sam").id, ws.channel("metrics").id
    asked_to_install(stack, user=sam, channel=metrics, team="T0SECOND1")
    dana = stack.user("dana")
    delivery = emulator.send_slash_command("mrr", user=dana, channel=stack.channel("general"))
    assert delivery.status == 200 and "install" not in delivery.response_body
    assert emulator.wait_for(lambda: emulator.ephemerals(dana) or None, timeout=20)


def test_single_workspace_token_mode_still_works(stack: SandboxStack) -> None:
    assert not stack.settings.oauth_enabled
    delivery = stack.emulator.send_slash_command(
        "mrr", user=stack.user("dana"), channel=stack.channel("general")
    )
    assert delivery.status == 200
    assert stack.emulator.wait_for(lambda: stack.emulator.ephemerals(stack.user("dana")) or None, timeout=20)
