"""`/kpi dashboard`: seed 000's executive dashboard as one message."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.blocks.kpi_card import card_fallback, change_text, value_text
from bot.blocks.primitives import (
    STATUS_EMOJI,
    STATUS_LABEL,
    Message,
    chart_image,
    context,
    divider,
    fields,
    header,
    section,
)
from kpi_core.format import format_kpi_value, format_progress
from kpi_core.snapshot import KpiSnapshot


def headline_field(snapshot: KpiSnapshot) -> tuple[str, str]:
    """A headline card as a field: big value, change, status (seed 000's `$12,450 / MRR / ↑ 12% MoM`)."""
    lines = [f"*{value_text(snapshot)}*", change_text(snapshot.change, snapshot.kpi.unit)]
    if snapshot.target is not None and snapshot.progress is not None:
        lines.append(f"{STATUS_EMOJI[snapshot.status]} {format_progress(snapshot.progress)} of target")
    else:
        lines.append(f"{STATUS_EMOJI[snapshot.status]} {STATUS_LABEL[snapshot.status]}")
    return snapshot.kpi.name, "\n".join(lines)


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
) -> Message:
    """Headline cards, the composed trend chart, alerts and quick stats."""
    about = f"👥 For {audience} · " if audience else ""
    blocks: list[Block] = [header(f"📊 {title}"), context(f"{about}📅 Last updated {updated}")]
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
