"""`/kpi dashboard`: seed 000's executive dashboard as one message."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.blocks.health_line import health_line
from bot.blocks.kpi_card import card_fallback, change_text, period_suffix, value_text
from bot.blocks.primitives import (
    Message,
    chart_image,
    context,
    divider,
    escape,
    fields,
    header,
    section,
)
from kpi_core.format import format_kpi_value
from kpi_core.health import HealthScore
from kpi_core.snapshot import KpiSnapshot
from kpi_core.standing import LEGEND, Health
from kpi_core.wording import goal_words, health_words


def headline_field(snapshot: KpiSnapshot) -> tuple[str, str]:
    """A headline card as a field: big value (and its period for a flow), change, goal, health.

    `*1.05M* (November)` / `↑ 5% MoM · better` / `🎯 behind target: 749K expected by 30 Nov` / `🟢 healthy`
    """
    kpi = snapshot.kpi
    lines = [
        f"*{value_text(snapshot)}*{escape(period_suffix(snapshot))}",
        change_text(snapshot.change, kpi.unit),
    ]
    if snapshot.value is not None:
        lines.append(escape(goal_words(kpi, snapshot.goal, short=True)))
        if snapshot.health is not Health.NOT_SET:
            lines.append(escape(health_words(kpi, snapshot.health, detail=False)))
    return escape(kpi.name), "\n".join(lines)


def build_dashboard(
    *,
    headline: Sequence[KpiSnapshot],
    quick_stats: Sequence[KpiSnapshot],
    alerts: Sequence[str],
    updated: str,
    chart_file_id: str | None = None,
    chart_alt_text: str = "",
    title: str = "Executive dashboard",
    audience: str = "",
    health: HealthScore | None = None,
) -> Message:
    """Headline cards, the composed trend chart, alerts and quick stats; the company health score on top."""
    about = f"👥 For {audience} · " if audience else ""
    blocks: list[Block] = [header(f"📊 {title}"), context(f"{about}📅 Last updated {updated}", LEGEND)]
    if health is not None:
        blocks.append(context(health_line(health)))
    blocks.extend(fields([headline_field(s) for s in headline]))
    if chart_file_id:
        blocks.append(chart_image(chart_file_id, chart_alt_text or "KPI trends"))
    blocks.append(divider())
    alert_text = "\n".join(alerts[:10]) if alerts else "✅ No open alerts"
    if len(alerts) > 10:
        alert_text += f"\n…and {len(alerts) - 10} more: `/kpi alerts`"
    blocks.append(section(f"*🚨 Alerts*\n{alert_text}"))
    stats = "\n".join(
        f"• {s.kpi.name}: {value_text(s)}"
        + (f" (target {format_kpi_value(s.kpi, s.target)})" if s.target is not None else "")
        for s in quick_stats
    )
    if stats:
        blocks.append(section(f"*📋 Quick stats*\n{stats}"))
    text = f"{title}: " + "; ".join(card_fallback(s) for s in headline)
    return Message(text=text, blocks=blocks)
