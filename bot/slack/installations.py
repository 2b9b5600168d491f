"""Installing kpibot into any workspace: slack-sdk's SQLAlchemy installation and OAuth state stores on
kpibot's own database (tables from migration 0008_installations), and Bolt's OAuth settings.

    installations = Installations.create(settings, engine=runtime.db.engine)
    app = App(oauth_settings=installations.oauth_settings(), ...)   # /slack/install, /slack/oauth_redirect
    installations.home_bot_token()   # the token the digests and alerts post with
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, select

from kpi_core.settings import Settings

log = logging.getLogger(__name__)

# The bot scopes kpibot asks for when installed: the same list as manifest.yml (a test keeps them equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "files:write",
    "im:write",
    "users:read",
    "users:read.email",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "im:history",
)
STATE_SECONDS = 600  # how long an install link stays valid


@dataclass(frozen=True)
class Installations:
    """The installation and state stores, and which workspace is kpibot's home."""

    store: SQLAlchemyInstallationStore
    states: SQLAlchemyOAuthStateStore
    home_team: str = ""

    @classmethod
    def create(cls, settings: Settings, *, engine: Engine) -> Installations:
        return cls(
            store=SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=engine),
            states=SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine),
            home_team=settings.slack_team_id,
        )

    def oauth_settings(self, settings: Settings) -> OAuthSettings:
        """Bolt's OAuth flow: the install page, the redirect handler and `authorize` per team."""
        return OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=self.store,
            installation_store_bot_only=True,
            state_store=self.states,
            install_page_rendering_enabled=False,  # /slack/install redirects straight to Slack
        )

    def teams(self) -> list[str]:
        """Workspaces kpibot has a bot token for."""
        bots = self.store.bots
        query = (
            select(bots.c.team_id)
            .where(bots.c.client_id == self.store.client_id, bots.c.bot_token.is_not(None))
            .distinct()
        )
        with self.store.engine.connect() as connection:
            return sorted(str(team) for team in connection.scalars(query) if team)

    def home_bot_token(self) -> str | None:
        """The bot token for work outside a request (digests, alerts): SLACK_TEAM_ID's installation, or
        the only workspace's. None when kpibot is not installed (yet), or in several workspaces and
        SLACK_TEAM_ID does not say which one is home."""
        team = self.home_team
        if not team:
            teams = self.teams()
            if len(teams) != 1:
                return None
            team = teams[0]
        bot = self.store.find_bot(enterprise_id=None, team_id=team)
        return bot.bot_token if bot is not None else None
