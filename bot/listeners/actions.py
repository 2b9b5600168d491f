"""Buttons on KPI cards: Share in channel, Definition."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot import actions as ids
from bot.answers import Answers
from bot.grammar import CommandError
from bot.listeners.safety import guarded
from bot.slack.errors import SlackNotInChannelError, classify
from kpi_core.windows import parse_window


def _action_pattern(kind: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(ids.encode_action_id(kind)) + "(:.*)?$")


def register(app: App, answers: Answers) -> None:
    def ack_action(ack: Ack) -> None:
        ack()

    def share_card(respond: Callable[..., Any], body: dict[str, Any]) -> None:
        action = body["actions"][0]
        decoded = ids.decode_action_id(action["action_id"], action.get("value"))
        channel = body["channel"]["id"]
        user = body["user"]["id"]
        window = parse_window(decoded.args["window"]) if decoded.args.get("window") else None
        try:
            answers.share_card(decoded.args["kpi"], window=window, channel=channel, shared_by=f"<@{user}>")
        except Exception as error:
            if not isinstance(classify(error, method="chat.postMessage"), SlackNotInChannelError):
                raise
            raise CommandError(
                "I'm not a member of this channel, so I can't post here. Invite me with `/invite @kpibot`."
            ) from None
        respond(delete_original=True)

    def view_info(respond: Callable[..., Any], body: dict[str, Any]) -> None:
        action = body["actions"][0]
        decoded = ids.decode_action_id(action["action_id"], action.get("value"))
        kpi = answers.resolve(decoded.args["kpi"])
        respond(response_type="ephemeral", replace_original=False, **answers.info(kpi).as_kwargs())

    app.action(_action_pattern(ids.SHARE_CARD))(ack=ack_action, lazy=[guarded(share_card)])
    app.action(_action_pattern(ids.VIEW_INFO))(ack=ack_action, lazy=[guarded(view_info)])
