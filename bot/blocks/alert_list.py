"""Several alerts in one message: `/kpi alerts`, a storm summary (many incidents firing at once for one
destination share one message, each with its own buttons), and the dashboard's alert lines.

    messages = build_alert_list(views)                          # /kpi alerts (split past 50 blocks)
    message = build_group_message(views, mentions=("<!here>",)) # a storm: one post instead of fifteen
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.blocks.alert import (
    RESOLVED_COLOR,
    SEVERITY_COLOR,
    SEVERITY_EMOJI,
    STATE_EMOJI,
    AlertMessage,
    IncidentView,
    alert_buttons,
)
from bot.blocks.primitives import Message, context, escape, header, section, split_messages

GROUP_SIZE = 15  # incidents per storm message: 2 blocks each, well inside Slack's 50
_RANK = {"info": 0, "warning": 1, "critical": 2}


def incident_line(view: IncidentView) -> str:
    """`🔴 *#12 Churn Rate Spike*` + summary + state line: one incident among several."""
    emoji = "✅" if view.state == "resolved" else SEVERITY_EMOJI.get(view.severity, "⚪")
    return (
        f"{emoji} *#{view.id} {escape(view.rule_name)}*\n"
        f"{escape(view.summary)}\n{STATE_EMOJI.get(view.state, '•')} {view.status}"
    )


def build_alert_list(views: Sequence[IncidentView], *, title: str = "Open alerts") -> list[Message]:
    """`/kpi alerts`: every open incident with its buttons, split past Slack's 50-block limit."""
    if not views:
        text = "✅ No open alerts."
        return [Message(text=text, blocks=[section(text)])]
    blocks: list[Block] = [header(f"🚨 {title} ({len(views)})")]
    for view in views:
        blocks += [section(incident_line(view)), alert_buttons(view, discriminated=True)]
    text = f"{len(views)} open alert{'s' if len(views) != 1 else ''}: " + "; ".join(
        f"#{v.id} {v.rule_name}" for v in views[:20]
    )
    return split_messages(text, blocks)


def group_title(views: Sequence[IncidentView]) -> str:
    """`🚨 15 alerts at once: 12 critical, 3 warning` (`✅ 15 alerts, all resolved` once they are)."""
    open_views = [v for v in views if v.state != "resolved"]
    if not open_views:
        return f"✅ {len(views)} alerts, all resolved"
    counts = {s: sum(v.severity == s for v in open_views) for s in ("critical", "warning", "info")}
    parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    resolved = len(views) - len(open_views)
    return f"🚨 {len(views)} alerts at once: {parts}" + (f" ({resolved} resolved)" if resolved else "")


def build_group_message(
    views: Sequence[IncidentView], *, mentions: Sequence[str] = (), banner: str = ""
) -> AlertMessage:
    """One message for several incidents that fired together for one destination (a storm). Each keeps
    its own buttons; the thread holds every timeline. Resolved ones stay listed, without buttons."""
    views = list(views)[:GROUP_SIZE]
    blocks: list[Block] = [header(group_title(views))]
    if banner:
        blocks.append(section(banner))
    if mentions:
        blocks.append(section(" ".join(mentions)))
    for view in views:
        blocks.append(section(incident_line(view)))
        if view.state != "resolved":
            blocks.append(alert_buttons(view, discriminated=True))
    blocks.append(
        context(
            "Several alerts fired together, so they share this message. The thread has each one's timeline."
        )
    )
    text = group_title(views) + ": " + "; ".join(f"#{v.id} {v.rule_name}" for v in views)
    if mentions:
        text = " ".join(mentions) + " " + text
    still = [v for v in views if v.state != "resolved"]
    worst = max((v.severity for v in still), key=lambda s: _RANK.get(s, 0), default=None)
    color = SEVERITY_COLOR.get(worst, "#DDDDDD") if worst else RESOLVED_COLOR
    return AlertMessage(text=text, blocks=blocks, color=color, footer="kpibot · alert storm")


def alert_line(view: IncidentView) -> str:
    """One mrkdwn line for the dashboard: `🔴 *Churn Rate Spike*: Churn is 4.6% (> 4%) · 👀 Ack…`."""
    line = f"{SEVERITY_EMOJI.get(view.severity, '⚪')} *{escape(view.rule_name)}*: {escape(view.summary)}"
    if view.state != "firing":
        line += f" · {STATE_EMOJI.get(view.state, '•')} {view.status}"
    return line
