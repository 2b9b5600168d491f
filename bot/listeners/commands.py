"""`/kpi`: ack at once, answer in a lazy listener through response_url."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.answers import Answers
from bot.grammar import parse_command
from bot.listeners.safety import guarded


def register(app: App, answers: Answers) -> None:
    def ack_kpi(ack: Ack) -> None:
        ack()

    def answer_kpi(respond: Callable[..., Any], command: dict[str, Any]) -> None:
        request = parse_command(command.get("text", ""))
        messages = answers.answer(request, user_id=command["user_id"], channel_id=command["channel_id"])
        for message in messages:
            respond(response_type="ephemeral", **message.as_kwargs())

    app.command("/kpi")(ack=ack_kpi, lazy=[guarded(answer_kpi)])
