"""Alert buttons (Acknowledge, Snooze, Resolve, View KPI), `/kpi alerts` and `/kpi ack <id>`.

Each click is acked at once; the work runs in a lazy listener: permission check, compare-and-set on the
incident, then every copy of the message is updated through the outbox. Whoever loses a race, or may not
act, gets an ephemeral message saying so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot import actions as ids
from bot.alerts.jobs import ActionName, SlackAlertJobs
from bot.answers import Answers
from bot.blocks.alert_list import build_alert_list
from bot.blocks.primitives import Message, quote_typed, section
from bot.grammar import CommandError, KpiRequest
from bot.listeners.safety import guarded

_ALERT_ID = re.compile(r"^#?(\d{1,12})$")


def _pattern(kind: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(ids.encode_action_id(kind)) + "(:.*)?$")


def register(app: App, answers: Answers, *, jobs: SlackAlertJobs | None = None) -> SlackAlertJobs:
    """Register the alert listeners and verbs; returns the process's alert jobs (also `answers.alerts`)."""
    jobs = jobs or SlackAlertJobs(answers.runtime, client=answers.client)
    answers.alerts = jobs

    def ack_action(ack: Ack) -> None:
        ack()

    def act(respond: Callable[..., Any], body: dict[str, Any], action: ActionName) -> None:
        try:
            element = body["actions"][0]
            raw = (element.get("selected_option") or {}).get("value") or element.get("value")
            args = ids.decode_action_id(element["action_id"], raw).args
            if "id" not in args or not args["id"].isdigit():
                raise CommandError("This button does not name an alert.")
            version = int(args["v"]) if args.get("v", "").isdigit() else None
            result = jobs.act(
                action,
                int(args["id"]),
                user=body["user"]["id"],
                expected_version=version,
                snooze=args.get("f"),
            )
            ephemeral = bool((body.get("container") or {}).get("is_ephemeral"))
            if not result.ok:
                respond(response_type="ephemeral", replace_original=False, text=f"⚠️ {result.text}")
            elif ephemeral:  # clicked in the `/kpi alerts` list, which does not update itself
                respond(response_type="ephemeral", replace_original=False, text=f"✅ {result.text}")
        finally:
            jobs.handled()

    def on_ack(respond: Callable[..., Any], body: dict[str, Any]) -> None:
        act(respond, body, "acknowledge")

    def on_snooze(respond: Callable[..., Any], body: dict[str, Any]) -> None:
        act(respond, body, "snooze")

    def on_resolve(respond: Callable[..., Any], body: dict[str, Any]) -> None:
        act(respond, body, "resolve")

    def on_view_kpi(respond: Callable[..., Any], body: dict[str, Any]) -> None:
        try:
            element = body["actions"][0]
            kpi = answers.resolve(
                ids.decode_action_id(element["action_id"], element.get("value")).args["kpi"]
            )
            user, channel = body["user"]["id"], body["channel"]["id"]
            card = answers.card(kpi.key, window=None, chart_channel=answers.private_channel(user, channel))
            respond(response_type="ephemeral", replace_original=False, **card.as_kwargs())
        finally:
            jobs.handled()

    for kind, handler in (
        (ids.ALERT_ACK, on_ack),
        (ids.ALERT_SNOOZE, on_snooze),
        (ids.ALERT_RESOLVE, on_resolve),
        (ids.VIEW_KPI, on_view_kpi),
    ):
        app.action(_pattern(kind))(ack=ack_action, lazy=[guarded(handler)])

    def list_alerts(request: KpiRequest, user_id: str, channel_id: str) -> list[Message]:
        return build_alert_list(jobs.open_views())

    def ack_command(request: KpiRequest, user_id: str, channel_id: str) -> list[Message]:
        match = _ALERT_ID.match(request.subject.strip())
        if match is None:
            raise CommandError(
                f"{quote_typed(request.subject, limit=40)} is not an alert number: try `/kpi ack 42` "
                "(`/kpi alerts` lists them)."
            )
        result = jobs.act("acknowledge", int(match.group(1)), user=user_id)
        text = f"✅ {result.text}" if result.ok else f"⚠️ {result.text}"
        return [Message(text=text, blocks=[section(text)])]

    answers.extra_verbs["alerts"] = list_alerts
    answers.extra_verbs["ack"] = ack_command
    return jobs
