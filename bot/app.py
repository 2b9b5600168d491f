"""The Bolt app factory: `create_app(settings, runtime=..., client=...)`. No global state."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.answers import Answers
from bot.charts import ChartCache
from bot.charts.pool import RenderPool
from bot.listeners import actions, alerts, commands, forecast
from bot.listeners.safety import reply_error
from bot.slack.client import make_client
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
    client = client or make_client(settings)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret or None,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="kpibot-listener"),
        # the workspace may be offline at start (or be the local emulator starting up)
        token_verification_enabled=False,
        request_verification_enabled=True,
    )
    charts = ChartCache(pool=RenderPool(settings.render_processes).start())
    answers = Answers(runtime=runtime, client=client, charts=charts)
    commands.register(app, answers)
    actions.register(app, answers)
    alerts.register(app, answers)  # buttons, /kpi alerts, /kpi ack; sets answers.alerts
    forecast.register(app, answers)  # /kpi forecast

    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Any) -> BoltResponse | None:
        if respond is None:
            log.exception("listener failed", exc_info=error)
        else:
            reply_error(respond, error)
        return None

    return app, answers
