"""The background work of `kpibot serve`, wired to Slack: digests posted by `SlackDigestPoster`.

background = build_background(runtime, client=app.client, answers=answers)
background.start()      # APScheduler: digests in their timezones, refreshes, catch-up (and alerts)
background.tick()       # or run what is due at the runtime clock's now (demo, tests)
"""

from __future__ import annotations

from typing import cast

from slack_sdk import WebClient

from bot.answers import Answers
from bot.digests import SlackDigestPoster
from kpi_core.runtime import Runtime
from scheduling.service import AlertJobs, Background


def build_background(
    runtime: Runtime,
    *,
    client: WebClient,
    answers: Answers | None = None,
    alerts: AlertJobs | None = None,
    ops_channel: str | None = None,
) -> Background:
    """A not-yet-started `Background`: the digest jobs posting through `client`, plus `alerts` (the alert
    jobs, once that work provides them). Charts share the `/kpi` render cache when `answers` is given;
    failures go to `ops_channel` (default: KPIBOT_OPS_CHANNEL) as well as the log."""
    poster = SlackDigestPoster(
        client,
        ops_channel=runtime.settings.ops_channel if ops_channel is None else ops_channel,
        charts=answers.charts if answers is not None else None,
    )
    if alerts is None and answers is not None and hasattr(answers.alerts, "tick"):
        alerts = cast(AlertJobs, answers.alerts)  # the app's alert jobs (bot.listeners.alerts.register)
    if alerts is not None and answers is not None and answers.home is not None:
        from bot.home import HomeRefreshingAlerts

        alerts = HomeRefreshingAlerts(alerts, answers.home)  # Home tabs follow what the alerts change
    return Background.create(runtime, post_digest=poster, alerts=alerts)


def start_background(
    runtime: Runtime,
    *,
    client: WebClient,
    answers: Answers | None = None,
    alerts: AlertJobs | None = None,
) -> Background:
    """`build_background(...).start()`: what `kpibot serve` runs."""
    return build_background(runtime, client=client, answers=answers, alerts=alerts).start()
