"""The KPI card: `/kpi mrr`, shared cards and the dashboard's headline cards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot import actions as ids
from bot.blocks.primitives import (
    STATUS_EMOJI,
    STATUS_LABEL,
    Message,
    actions,
    button,
    chart_image,
    context,
    escape,
    fields,
    header,
    section,
)
from kpi_core.format import format_as_of, format_change, format_kpi_value, format_progress
from kpi_core.snapshot import Change, KpiSnapshot


def change_text(change: Change | None, unit: str) -> str:
    """`🟢 ↑ 12% MoM`: the arrow says which way it moved, the colour whether that is good."""
    if change is None:
        return "—"
    dot = "🟢" if change.improved else ("🔴" if change.improved is False else "⚪")
    return f"{dot} {format_change(change, unit)}"


def target_text(snapshot: KpiSnapshot) -> str:
    if snapshot.target is None:
        return "—"
    target = format_kpi_value(snapshot.kpi, snapshot.target)
    comparator = "≤" if snapshot.kpi.direction == "lower" else "≥"
    if snapshot.progress is None:
        return f"{comparator} {target}"
    return f"{comparator} {target} · {format_progress(snapshot.progress)} of the way"


def status_text(snapshot: KpiSnapshot) -> str:
    return f"{STATUS_EMOJI[snapshot.status]} {STATUS_LABEL[snapshot.status]}"


def as_of_text(snapshot: KpiSnapshot, *, timezone: str) -> str:
    """`As of Nov 2026 · updated 21 Nov 09:00 CET`, plus a stale or source-error warning."""
    text = format_as_of(snapshot, timezone=timezone)
    if snapshot.stale:
        text += f" · ⚠️ *Stale*: older than a {snapshot.kpi.grain} KPI allows"
    if snapshot.source_error:
        text += " · ⚠️ *Source error* on the last refresh"
    return text


def value_text(snapshot: KpiSnapshot, *, compact: bool = True) -> str:
    if snapshot.value is None:
        return "no data (source error)" if snapshot.source_error else "No data"
    return format_kpi_value(snapshot.kpi, snapshot.value, compact=compact)


def card_fallback(snapshot: KpiSnapshot) -> str:
    """The plain-text summary used as the notification text and for screen readers."""
    parts = [f"{snapshot.kpi.name}: {value_text(snapshot)}"]
    if snapshot.change is not None:
        parts.append(format_change(snapshot.change, snapshot.kpi.unit))
    if snapshot.target is not None:
        parts.append(f"target {format_kpi_value(snapshot.kpi, snapshot.target)}")
    parts.append(STATUS_LABEL[snapshot.status].lower())
    return ", ".join(parts)


def build_kpi_card(
    snapshot: KpiSnapshot,
    *,
    timezone: str,
    owners: Sequence[str] = (),
    chart_file_id: str | None = None,
    chart_alt_text: str = "",
    window: str | None = None,
    shareable: bool = True,
    shared_by: str | None = None,
) -> Message:
    """The full card for one KPI: value, change, target, status, chart, as-of, owner and actions."""
    kpi = snapshot.kpi
    # the value goes in the header: the one large type Block Kit has, readable at a glance on a phone
    title = f"{kpi.name} · {value_text(snapshot, compact=False)}"
    pairs = [
        ("Change", change_text(snapshot.change, kpi.unit)),
        ("Target", target_text(snapshot)),
        ("Status", status_text(snapshot)),
    ]
    if snapshot.year_over_year is not None:
        pairs.append(("Year over year", change_text(snapshot.year_over_year, kpi.unit)))
    blocks: list[Block] = [header(title), *fields(pairs)]
    if chart_file_id:
        blocks.append(chart_image(chart_file_id, chart_alt_text or kpi.name))
    notes = [as_of_text(snapshot, timezone=timezone)]
    if owners:
        notes.append("Owner: " + ", ".join(owners))
    if shared_by:
        notes.append(f"Shared by {shared_by}")
    blocks.append(context(*notes))
    buttons = []
    if shareable:
        value = ids.encode_value(kpi=kpi.key, window=window or "")
        buttons.append(
            button("Share in channel", ids.encode_action_id(ids.SHARE_CARD), value, style="primary")
        )
    buttons.append(button("Definition", ids.encode_action_id(ids.VIEW_INFO), ids.encode_value(kpi=kpi.key)))
    blocks.append(actions(*buttons))
    return Message(text=card_fallback(snapshot), blocks=blocks)


def compact_card(snapshot: KpiSnapshot) -> str:
    """One mrkdwn line for lists and category views: `🟢 *MRR* $482K · 🟢 ↑ 12% MoM · target $500K`."""
    kpi = snapshot.kpi
    line = f"{STATUS_EMOJI[snapshot.status]} *{escape(kpi.name)}*  {value_text(snapshot)}"
    if snapshot.change is not None:
        line += f" · {change_text(snapshot.change, kpi.unit)}"
    if snapshot.target is not None:
        line += f" · target {format_kpi_value(kpi, snapshot.target)}"
    if snapshot.stale:
        line += " · ⚠️ stale"
    return line


def build_category_cards(category: str, snapshots: Sequence[KpiSnapshot]) -> Message:
    """`/kpi revenue`: a compact card for each KPI in one category."""
    blocks: list[Block] = [header(f"{category.title()} KPIs")]
    for snap in snapshots[:45]:
        blocks.append(section(compact_card(snap)))
    if len(snapshots) > 45:
        blocks.append(context(f"…and {len(snapshots) - 45} more: `/kpi list {category}`"))
    blocks.append(context(f"{len(snapshots)} KPIs · `/kpi <name>` for a card with a chart"))
    text = f"{category.title()}: " + "; ".join(card_fallback(s) for s in snapshots)
    return Message(text=text, blocks=blocks)


def format_owner(owner: str, *, user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else escape(owner)


def local_now(now: datetime, timezone: str) -> str:
    local = now.astimezone(ZoneInfo(timezone))
    return f"{local:%-d %b %Y %H:%M} {local.tzname()}"
