"""The App Home tab: one person's view of kpibot (a pure builder: plain data in, a Home view out).

view = build_home(HomeContent(person="Rita", owned=snapshots, alerts=views, digests=lines, updated=...))
client.views_publish(user_id=user, view=view)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block

from bot import actions as ids
from bot.blocks.alert import IncidentView, alert_buttons, alert_title, status_line
from bot.blocks.kpi_card import compact_card, goal_text, health_text
from bot.blocks.primitives import actions, button, clip, context, divider, escape, header, section

MAX_KPIS = 20  # 2 blocks each: the view stays under Slack's 100 blocks with the alerts below
MAX_ALERTS = 10  # 3 blocks each
HOME_DASHBOARD = "home_dashboard"
HOME_REFRESH = "home_refresh"


@dataclass(frozen=True)
class DigestLine:
    """A scheduled digest, as the Home tab lists it."""

    title: str
    schedule: str
    timezone: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class HomeContent:
    """What one person's Home tab shows."""

    person: str
    owned: Sequence[Any]  # KpiSnapshot of the KPIs they own, in config order
    alerts: Sequence[IncidentView]  # open alerts on those KPIs, most severe first
    digests: Sequence[DigestLine]
    updated: str  # "20 Nov 14:00 UTC"
    all_alerts: int = 0  # open alerts anywhere, for someone who owns nothing


def build_home(content: HomeContent) -> dict[str, Any]:
    """The `home` view for views.publish."""
    blocks: list[Block] = [
        header("Your kpibot"),
        section(f"Hi {content.person}: your KPIs, the alerts that need you, and when the digests arrive."),
    ]
    blocks += _kpi_blocks(content)
    blocks += [divider(), header("Open alerts on your KPIs"), *_alert_blocks(content)]
    blocks += [divider(), header("Digests"), *_digest_blocks(content.digests)]
    blocks += [
        divider(),
        actions(
            button("Send me the dashboard", ids.encode_action_id(HOME_DASHBOARD), style="primary"),
            button("Refresh", ids.encode_action_id(HOME_REFRESH)),
            block_id="home-quick-actions",
        ),
        context(f"Updated {content.updated} · ask anything with `/kpi help`"),
    ]
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}


def _kpi_blocks(content: HomeContent) -> list[Block]:
    if not content.owned:
        return [
            section(
                "You own no KPIs, so nothing here is yours to watch yet. `/kpi dashboard` shows the "
                "company at a glance, and `/kpi list` every KPI with its owner."
            )
        ]
    blocks: list[Block] = [header("Your KPIs")]
    for snapshot in content.owned[:MAX_KPIS]:
        blocks.append(section(compact_card(snapshot)))
        blocks.append(context(f"Health: {health_text(snapshot)}", f"Goal: {goal_text(snapshot)}"))
    if len(content.owned) > MAX_KPIS:
        blocks.append(context(f"…and {len(content.owned) - MAX_KPIS} more: `/kpi list` shows them all"))
    return blocks


def _alert_blocks(content: HomeContent) -> list[Block]:
    if not content.alerts:
        elsewhere = f" ({content.all_alerts} open on other KPIs: `/kpi alerts`)" if content.all_alerts else ""
        return [section(f"✅ No open alerts on your KPIs{elsewhere}.")]
    blocks: list[Block] = []
    for view in content.alerts[:MAX_ALERTS]:
        blocks.append(section(f"*{escape(alert_title(view))}*\n{escape(view.summary)}"))
        blocks.append(context(status_line(view)))
        blocks.append(alert_buttons(view, discriminated=True))
    if len(content.alerts) > MAX_ALERTS:
        blocks.append(context(f"…and {len(content.alerts) - MAX_ALERTS} more: `/kpi alerts`"))
    return blocks


def _digest_blocks(digests: Sequence[DigestLine]) -> list[Block]:
    if not digests:
        return [section("No digests are scheduled.")]
    lines = [
        f"• *{escape(d.title)}*: {escape(d.schedule)} ({escape(d.timezone)}) in "
        + ", ".join(escape(c) for c in d.channels)
        for d in digests
    ]
    return [section(clip("\n".join(lines), 3000))]
