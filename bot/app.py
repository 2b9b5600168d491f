"""The Bolt app factory: `create_app(settings, runtime=..., client=...)`. No global state."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.answers import Answers
from bot.charts import ChartCache
from bot.charts.pool import RenderPool
from bot.listeners import actions, alerts, commands
from bot.listeners.safety import reply_error
from bot.slack.client import make_client
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
