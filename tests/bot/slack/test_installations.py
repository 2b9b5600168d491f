"""slack-sdk's installation and state stores on kpibot's migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

from slack_sdk.oauth.installation_store import Installation

from bot.slack.installations import Installations
from kpi_core.settings import Settings
from kpi_core.storage.db import Database


def settings(team: str = "") -> Settings:
    return Settings(SLACK_CLIENT_ID="1111.2222", SLACK_CLIENT_SECRET="secret", SLACK_TEAM_ID=team)


def installation(team: str, token: str) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=None,
        team_id=team,
        team_name=f"Team {team}",
        bot_token=token,
        bot_id="B1",
        bot_user_id="U1",
        bot_scopes="commands,chat:write",
        user_id="U2",
        is_enterprise_install=False,
    )


def test_installations_are_stored_per_team_and_the_home_token_is_chosen(db: Database) -> None:
    stores = Installations.create(settings(), engine=db.engine)
    assert stores.teams() == [] and stores.home_bot_token() is None  # not installed yet
    stores.store.save(installation("T1", "xoxb-one"))
    assert stores.home_bot_token() == "xoxb-one"  # the only workspace is home
    stores.store.save(installation("T2", "xoxb-two"))
    assert stores.teams() == ["T1", "T2"]
    assert stores.home_bot_token() is None  # two workspaces, and SLACK_TEAM_ID does not say which
    assert Installations.create(settings("T2"), engine=db.engine).home_bot_token() == "xoxb-two"
    stores.store.save(installation("T2", "xoxb-two-again"))  # reinstalling: the newest token wins
    assert stores.store.find_bot(enterprise_id=None, team_id="T2").bot_token == "xoxb-two-again"  # type: ignore[union-attr]
    stores.store.delete_all(enterprise_id=None, team_id="T1")  # app_uninstalled
    assert stores.teams() == ["T2"] and stores.home_bot_token() == "xoxb-two-again"


def test_install_states_are_used_once(db: Database) -> None:
    states = Installations.create(settings(), engine=db.engine).states
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False
    assert states.consume("forged") is False


def test_oauth_settings_need_the_secret_not_the_bot_token() -> None:
    import pytest

    from kpi_core.settings import SettingsError

    Settings(SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s", SLACK_SIGNING_SECRET="x").require_slack()
    with pytest.raises(SettingsError, match="SLACK_CLIENT_SECRET"):
        Settings(SLACK_CLIENT_ID="1.2", SLACK_SIGNING_SECRET="x").require_slack()
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        Settings(SLACK_SIGNING_SECRET="x").require_slack()
    with pytest.raises(SettingsError, match="needs HTTP mode"):
        Settings(SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s", SLACK_APP_TOKEN="xapp").require_slack(
            socket_mode=True
        )
