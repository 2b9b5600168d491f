"""Alert messages: the incident message (one per destination, edited in place), its thread notes, and the
`/kpi alerts` list. Pure functions over `IncidentView`, which `bot.alerts.messages` assembles.

    message = build_incident_message(view, mentions=("<!here>",))
    client.chat_postMessage(channel=channel, **message.as_kwargs())

Severity shows as an emoji in the header and as the colour bar of a small attachment under the blocks (the
buttons stay in the top-level blocks, where every client can click them). A resolved incident keeps its
facts and loses its buttons. Thread notes and edits never mention anyone: people are named, not pinged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ConfirmObject,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    StaticSelectElement,
)

from bot import actions as ids
from bot.blocks.primitives import (
    MAX_FALLBACK_TEXT,
    Message,
    actions,
    button,
    clip,
    context,
    escape,
    fields,
    header,
    section,
)
from kpi_core.standing import SEVERITY_SYMBOL

SEVERITY_EMOJI = SEVERITY_SYMBOL  # the colours of health: kpi_core.standing
SEVERITY_COLOR = {"critical": "#E01E5A", "warning": "#ECB22E", "info": "#36C5F0"}
RESOLVED_COLOR = "#2EB67D"
STATE_EMOJI = {
    "pending": "⏳",
    "firing": "🔥",
    "acknowledged": "👀",
    "snoozed": "😴",
    "no_data": "⚪",
    "resolved": "✅",
}
# (value carried by the option, label). "worse": until the severity rises or the value gets worse.
SNOOZE_CHOICES: tuple[tuple[str, str], ...] = (
    ("1h", "1 hour"),
    ("24h", "24 hours"),
    ("tomorrow", "Until tomorrow 09:00"),
    ("worse", "Until it gets worse"),
)
ACKABLE = ("pending", "firing", "snoozed", "no_data")


@dataclass(frozen=True)
class IncidentView:
    """Everything an alert message shows, as display strings (times already in the reader's timezone)."""

    id: int
    version: int
    rule_name: str
    kpi_key: str
    kpi_name: str
    severity: str
    state: str
    summary: str
    value: str  # "4.6%"
    threshold: str  # "> 4%", "critical at ≥ 4%", "milestone 1,000"
    evaluation: str = ""  # "2 consecutive days", "7-day average"
    period: str = ""  # "Fri 20 Nov 2026"
    opened: str = ""  # "20 Nov 14:00 UTC"
    status: str = ""  # "Acknowledged by Rita Revenue at 18:05 UTC"
    runbook: tuple[str, ...] = ()
    banner: str = ""  # "⏫ Escalated to you: not acknowledged within 30 minutes" / fallback note
    reopened: int = 0


@dataclass(frozen=True)
class AlertMessage:
    """An alert message: blocks plus the severity colour bar (an attachment with the state line)."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    color: str = SEVERITY_COLOR["warning"]
    footer: str = ""

    def as_kwargs(self) -> dict[str, Any]:
        bar: dict[str, Any] = {"color": self.color, "fallback": clip(self.text, 300)}
        if self.footer:
            bar["blocks"] = [context(self.footer).to_dict()]
        return {
            "text": clip(self.text, MAX_FALLBACK_TEXT),
            "blocks": [b.to_dict() for b in self.blocks],
            "attachments": [bar],
        }


def severity_label(severity: str) -> str:
    return f"{SEVERITY_EMOJI.get(severity, '⚪')} {severity.capitalize()}"


def alert_title(view: IncidentView) -> str:
    """`🔴 Critical · Churn Rate Spike`, or `✅ Resolved · Churn Rate Spike`."""
    if view.state == "resolved":
        return f"✅ Resolved · {view.rule_name}"
    return f"{SEVERITY_EMOJI.get(view.severity, '⚪')} {view.severity.capitalize()} · {view.rule_name}"


def alert_fallback(view: IncidentView) -> str:
    """The notification text: `Critical: Churn Rate Spike. Monthly Churn Rate is 4.6% (> 4%)`."""
    lead = "Resolved" if view.state == "resolved" else view.severity.capitalize()
    return f"{lead}: {view.rule_name}. {view.summary}"


def status_line(view: IncidentView) -> str:
    """`👀 Acknowledged by Rita Revenue at 18:05 UTC · alert #12`."""
    text = f"{STATE_EMOJI.get(view.state, '•')} {view.status or view.state.replace('_', ' ').capitalize()}"
    text += f" · alert #{view.id}"
    if view.reopened:
        text += f" · re-opened {view.reopened}×"
    return text


def build_incident_message(
    view: IncidentView, *, mentions: Sequence[str] = (), interactive: bool = True
) -> AlertMessage:
    """The incident message for one destination. `mentions` (`<!here>`, `<@U…>`) only on the first post;
    edits pass none. A resolved incident has no buttons."""
    blocks: list[Block] = [header(alert_title(view))]
    if view.banner:
        blocks.append(section(view.banner))
    lead = escape(view.summary)
    if mentions:
        lead = " ".join(mentions) + " " + lead
    blocks.append(section(lead))
    pairs = [
        ("KPI", escape(view.kpi_name)),
        ("Value", view.value),
        # "value > 4%", never a bare "> 4%": a line starting with ">" is a blockquote in mrkdwn
        ("Alert when", f"value {escape(view.threshold)}" if view.threshold else "—"),
        ("Severity", severity_label(view.severity)),
    ]
    if view.evaluation:
        pairs.append(("Evaluated", escape(view.evaluation)))
    if view.period:
        pairs.append(("Period", view.period))
    blocks += fields(pairs)
    if view.runbook:
        checklist = "\n".join(f"☐ {escape(step)}" for step in view.runbook)
        blocks.append(section(f"*Runbook*\n{checklist}"))
    blocks.append(context(status_line(view), f"opened {view.opened}" if view.opened else ""))
    if interactive and view.state != "resolved":
        blocks.append(alert_buttons(view))
    text = alert_fallback(view)
    if mentions:
        text = " ".join(mentions) + " " + text
    color = RESOLVED_COLOR if view.state == "resolved" else SEVERITY_COLOR.get(view.severity, "#DDDDDD")
    return AlertMessage(text=text, blocks=blocks, color=color, footer=f"kpibot · {view.kpi_key}")


def alert_buttons(view: IncidentView, *, discriminated: bool = False) -> Block:
    """Acknowledge / Snooze / Resolve / View KPI. Values carry the incident id and the version shown, so a
    click on an outdated message is refused instead of acting on something the clicker did not see.
    `discriminated` makes the action ids unique when several incidents share one message."""
    key = str(view.id) if discriminated else ""
    value = ids.encode_value(id=str(view.id), v=str(view.version))
    elements: list[Any] = []
    if view.state in ACKABLE:
        elements.append(
            button(
                "Acknowledge", ids.encode_action_id(ids.ALERT_ACK, discriminator=key), value, style="primary"
            )
        )
    elements.append(
        StaticSelectElement(
            placeholder=PlainTextObject(text="Snooze…"),
            action_id=ids.encode_action_id(ids.ALERT_SNOOZE, discriminator=key),
            options=[
                Option(value=ids.encode_value(id=str(view.id), v=str(view.version), f=choice), label=label)
                for choice, label in SNOOZE_CHOICES
            ],
        )
    )
    elements.append(
        ButtonElement(
            text="Resolve",
            action_id=ids.encode_action_id(ids.ALERT_RESOLVE, discriminator=key),
            value=value,
            confirm=ConfirmObject(
                title="Resolve this alert?",
                text=MarkdownTextObject(
                    text="It is marked resolved for everyone. If the condition still holds, "
                    "the next check re-opens it."
                ),
                confirm="Resolve",
                deny="Cancel",
            ),
        )
    )
    elements.append(
        button(
            "View KPI",
            ids.encode_action_id(ids.VIEW_KPI, discriminator=key),
            ids.encode_value(kpi=view.kpi_key),
        )
    )
    return actions(*elements, block_id=f"alert-{view.id}-actions")


# --------------------------------------------------------------------------- thread notes
NOTE_EMOJI = {
    "repeat": "🔁",
    "severity_up": "⬆️",
    "snooze_ended": "⏰",
    "acknowledged": "👀",
    "snoozed": "😴",
    "resolved": "✅",
    "reopened": "🔁",
    "unacknowledged": "↩️",
    "escalation": "⏫",
    "fallback": "⚠️",
}


def build_thread_note(
    reason: str, *, view: IncidentView, detail: str = "", mentions: Sequence[str] = (), titled: bool = False
) -> Message:
    """One line of the incident's timeline, posted in its thread. Only loud reasons (a repeat, a severity
    rise, the end of a snooze) carry `mentions`; everything else names people without pinging them.
    `titled` names the incident first (in the thread of a message several incidents share)."""
    emoji = NOTE_EMOJI.get(reason, "•")
    line = detail or _default_note(reason, view)
    text = f"{emoji} *#{view.id} {escape(view.rule_name)}*: {line}" if titled else f"{emoji} {line}"
    if mentions:
        text = " ".join(mentions) + " " + text
    return Message(text=clip(text, MAX_FALLBACK_TEXT), blocks=[section(text)])


def _default_note(reason: str, view: IncidentView) -> str:
    summary = escape(view.summary)
    if reason == "repeat":
        return f"Still {view.severity}, not acknowledged yet: {summary}"
    if reason == "severity_up":
        return f"Now *{view.severity}*: {summary}"
    if reason == "snooze_ended":
        return f"Snooze over, still {view.severity}: {summary}"
    if reason == "resolved":
        return f"{view.status or 'Resolved'}. {summary}"
    if reason == "reopened":
        return f"Fired again (re-opened): {summary}"
    return f"{view.status or reason.replace('_', ' ').capitalize()}."
