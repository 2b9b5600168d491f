"""The App Home tab: `app_home_opened` publishes it; its quick actions (dashboard to DM, refresh)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot import actions as ids
from bot.answers import Answers
from bot.blocks.home import HOME_DASHBOARD, HOME_REFRESH
from bot.home import HomeTabs


def _ack(ack: Ack) -> None:
    ack()


def handle_home_opened(event: dict[str, Any], *, homes: HomeTabs) -> None:
    if event.get("tab", "home") == "home":
        homes.publish(event["user"], force=True)


def handle_dashboard_to_dm(body: dict[str, Any], *, answers: Answers) -> None:
    user = body["user"]["id"]
    dm = answers.private_channel(user, "")
    if dm is None:
        return
    message = answers.dashboard(chart_channel=dm)
    answers.client.chat_postMessage(channel=dm, **message.as_kwargs())


def register(app: App, answers: Answers) -> HomeTabs:
    """Wire the Home listeners; returns the Home tabs (also `answers.home`)."""
    homes = HomeTabs(answers=answers, clock=answers.runtime.clock)
    answers.home = homes
    app.event("app_home_opened")(ack=_ack, lazy=[lambda event: handle_home_opened(event, homes=homes)])
    app.action(re.compile("^" + re.escape(ids.encode_action_id(HOME_DASHBOARD)) + "$"))(
        ack=_ack, lazy=[lambda body: handle_dashboard_to_dm(body, answers=answers)]
    )
    app.action(re.compile("^" + re.escape(ids.encode_action_id(HOME_REFRESH)) + "$"))(
        ack=_ack, lazy=[lambda body: homes.publish(body["user"]["id"], force=True)]
    )
    return homes
