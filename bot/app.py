"""The Bolt app factory: `create_app(settings, runtime=..., client=...)`. No global state."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot import analytics_answers
from bot.answers import Answers
from bot.charts import ChartCache
from bot.charts.pool import RenderPool
from bot.listeners import actions, alerts, commands, home
from bot.listeners import forecast as forecast_listeners
from bot.listeners.safety import reply_error
from bot.slack.client import make_client
from bot.slack.installations import Installations
from bot.slack.team_client import ContextExecutor, bind_team_token
from bot.verify import check_request
from kpi_core.runtime import Runtime
from kpi_core.settings import Settings

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    runtime: Runtime,
    client: WebClient | None = None,
    socket_mode: bool = False,
) -> tuple[App, Answers]:
    """Build the Bolt app and the `Answers` service behind it.

    Signature verification stays on in every mode: requests without a valid `X-Slack-Signature` get 401.
    """
    settings.require_slack(socket_mode=socket_mode)
    installations = (
        Installations.create(settings, engine=runtime.db.engine) if settings.oauth_enabled else None
    )
    if installations is None:
        client = client or make_client(settings)
        bolt_client = client
    else:  # Bolt finds each request's token; our own calls go through a TeamClient
        client = client or make_client(settings, home_token=installations.home_bot_token)
        bolt_client = make_client(settings.model_copy(update={"slack_bot_token": ""}))
    app = new_bolt_app(
        client=bolt_client,
        signing_secret=settings.slack_signing_secret or None,
        oauth_settings=installations.oauth_settings(settings) if installations is not None else None,
    )
    if installations is not None:
        app.middleware(bind_team_token)
        app.enable_token_revocation_listeners()  # tokens_revoked, app_uninstalled: delete from the store
    charts = ChartCache(pool=RenderPool(settings.render_processes).start())
    answers = Answers(runtime=runtime, client=client, charts=charts)
    commands.register(app, answers)
    actions.register(app, answers)
    alerts.register(app, answers)  # buttons, /kpi alerts, /kpi ack; sets answers.alerts
    analytics_answers.register(answers)  # /kpi cohorts, at-risk, health, stage, dashboard <role>
    home.register(app, answers)  # the App Home tab; sets answers.home
    forecast_listeners.register(app, answers)  # /kpi forecast

    secret = settings.slack_signing_secret

    @app.error
    def on_error(error: Exception, request: BoltRequest, respond: Any) -> BoltResponse | None:
        # never answer through a response_url taken from a body Slack did not sign
        if respond is None or not is_verified(request, secret=secret):
            log.error("listener failed (%s); no reply", type(error).__name__, exc_info=error)
        else:
            reply_error(respond, error)
        return None

    return app, answers


def new_bolt_app(
    *, client: WebClient, signing_secret: str | None, oauth_settings: OAuthSettings | None = None
) -> App:
    """The Bolt app kpibot's listeners are registered on (also the no-op floor of benchmarks/).

    Every listener's ack function only acks; the work is in lazy listeners. So acks run inline on the
    request thread (`process_before_response=True`): the HTTP 200 never waits for a free pool thread or
    Bolt's 10 ms ack poll, and the answers run on the listener pool after the response has gone.
    """
    return App(
        client=client,
        signing_secret=signing_secret,
        process_before_response=True,
        # carries the request's workspace token into lazy listeners (see bot/slack/team_client.py)
        listener_executor=ContextExecutor(max_workers=32, thread_name_prefix="kpibot-listener"),
        # the workspace may be offline at start (or be the local emulator starting up)
        token_verification_enabled=False,
        request_verification_enabled=True,
        oauth_settings=oauth_settings,
    )


def is_verified(request: BoltRequest, *, secret: str) -> bool:
    """Whether the request came over the Socket Mode link or carries Slack's valid signature."""
    if request.mode == "socket_mode":
        return True
    headers: dict[str, str] = {}
    for name, values in (request.headers or {}).items():
        if len(values) != 1:  # a duplicated signature header is not Slack's
            return False
        headers[name] = values[0]
    return check_request(headers, request.raw_body.encode("utf-8"), secret=secret, now=time.time()) is None
