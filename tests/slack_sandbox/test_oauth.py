"""The emulator's OAuth v2: codes work once, for their client, within 10 minutes; revoked tokens stop."""

from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_sandbox import SlackEmulator
from tests.slack_sandbox.conftest import TOKEN, FakeClock, Receiver

AUTHORIZE = "https://slack.com/oauth/v2/authorize?client_id=11.22&scope=commands,chat:write&state=s1"


@pytest.fixture
def oauth(emu: SlackEmulator) -> WebClient:
    emu.enable_oauth(client_id="11.22", client_secret="shh")
    emu.oauth_redirect_uri = "https://app.example/slack/oauth_redirect"
    return WebClient(base_url=emu.api_url, timeout=5)


def code_of(redirect: str) -> str:
    return redirect.split("code=")[1].split("&")[0]


def test_a_code_is_traded_once_for_the_workspaces_bot_token(emu: SlackEmulator, oauth: WebClient) -> None:
    redirect = emu.approve_install(AUTHORIZE, team=emu.workspace.team_id, user="ana")
    assert redirect.startswith("https://app.example/slack/oauth_redirect?code=") and "state=s1" in redirect
    code = code_of(redirect)
    answer = oauth.oauth_v2_access(client_id="11.22", client_secret="shh", code=code)
    assert answer["access_token"] == TOKEN and answer["token_type"] == "bot"
    assert answer["team"]["id"] == emu.workspace.team_id and answer["scope"] == "commands,chat:write"
    assert answer["authed_user"]["id"] == emu.user("ana").id
    with pytest.raises(SlackApiError, match="invalid_code"):
        oauth.oauth_v2_access(client_id="11.22", client_secret="shh", code=code)


@pytest.mark.parametrize(
    ("client_id", "secret", "error"),
    [("99.99", "shh", "invalid_client_id"), ("11.22", "wrong", "bad_client_secret")],
)
def test_wrong_credentials(
    emu: SlackEmulator, oauth: WebClient, client_id: str, secret: str, error: str
) -> None:
    code = code_of(emu.approve_install(AUTHORIZE, team=emu.workspace.team_id, user="ana"))
    with pytest.raises(SlackApiError, match=error):
        oauth.oauth_v2_access(client_id=client_id, client_secret=secret, code=code)


def test_codes_expire_and_redirect_uris_must_match(
    emu: SlackEmulator, oauth: WebClient, clock: FakeClock
) -> None:
    code = code_of(emu.approve_install(AUTHORIZE, team=emu.workspace.team_id, user="ana"))
    clock.advance(601)
    with pytest.raises(SlackApiError, match="invalid_code"):
        oauth.oauth_v2_access(client_id="11.22", client_secret="shh", code=code)
    asked = AUTHORIZE + "&redirect_uri=https://app.example/back"
    code = code_of(emu.approve_install(asked, team=emu.workspace.team_id, user="ana"))
    with pytest.raises(SlackApiError, match="bad_redirect_uri"):
        oauth.oauth_v2_access(client_id="11.22", client_secret="shh", code=code, redirect_uri="https://x/")


def test_uninstall_revokes_the_token_and_tells_the_app(
    emu: SlackEmulator, oauth: WebClient, client: WebClient, receiver: Receiver
) -> None:
    assert client.auth_test()["ok"]
    emu.request_url = receiver.url
    emu.uninstall(team=emu.workspace.team_id)
    events = [r.form.get("event") or json.loads(r.body)["event"] for r in receiver.requests]
    assert [e["type"] for e in events] == ["tokens_revoked", "app_uninstalled"]
    assert events[0]["tokens"]["bot"] == [emu.workspace.bot_user.id]
    with pytest.raises(SlackApiError, match="token_revoked"):
        client.auth_test()
