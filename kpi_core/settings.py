"""Process settings, read once from the environment (and `.env`) with pydantic-settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """One frozen settings object, passed explicitly to whatever needs it.

    >>> Settings(DATABASE_URL="sqlite://").database_url
    'sqlite://'
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True, populate_by_name=True)

    slack_bot_token: str = Field(default="", alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str = Field(default="", alias="SLACK_SIGNING_SECRET")
    slack_app_token: str = Field(default="", alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    # Install into any workspace (OAuth v2): with these set, SLACK_BOT_TOKEN is not needed; each
    # workspace's bot token comes from the installation store. SLACK_TEAM_ID names the workspace whose
    # channels the digests and alerts post in (default: the only one installed).
    slack_client_id: str = Field(default="", alias="SLACK_CLIENT_ID")
    slack_client_secret: str = Field(default="", alias="SLACK_CLIENT_SECRET")
    slack_team_id: str = Field(default="", alias="SLACK_TEAM_ID")
    database_url: str = Field(default="sqlite:///data/kpibot.db", alias="DATABASE_URL")
    config_dir: Path = Field(default=Path("config"), alias="KPIBOT_CONFIG")
    timezone: str = Field(default="UTC", alias="KPIBOT_TIMEZONE")
    port: int = Field(default=3000, alias="PORT")
    ops_channel: str = Field(default="", alias="KPIBOT_OPS_CHANNEL")
    # Worker processes drawing charts (0: draw in the request thread). See bot/charts/pool.py.
    render_processes: int = Field(default=2, ge=0, le=32, alias="KPIBOT_RENDER_PROCESSES")

    @property
    def oauth_enabled(self) -> bool:
        """Installed through OAuth v2 into any number of workspaces (SLACK_CLIENT_ID is set)."""
        return bool(self.slack_client_id)

    def require_slack(self, *, socket_mode: bool = False) -> None:
        """Fail fast, naming the variable to set, when a Slack secret is missing."""
        oauth = self.oauth_enabled
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", None if oauth else self.slack_bot_token),
                ("SLACK_CLIENT_SECRET", self.slack_client_secret if oauth else None),
                ("SLACK_SIGNING_SECRET", None if socket_mode else self.slack_signing_secret),
                ("SLACK_APP_TOKEN", self.slack_app_token if socket_mode else None),
            )
            if value == ""
        ]
        if oauth and socket_mode:
            raise SettingsError(
                "installing from a link (SLACK_CLIENT_ID) needs HTTP mode for /slack/install: "
                "unset SLACK_APP_TOKEN"
            )
        if missing:
            raise SettingsError(
                "missing setting(s): " + ", ".join(missing) + " (set them in the environment or in .env)"
            )


class SettingsError(RuntimeError):
    """A required setting is missing or invalid."""
