"""The KPI card: `/kpi mrr`, shared cards and the dashboard's headline cards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot import actions as ids
from bot.blocks.primitives import (
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
from kpi_core.format import format_as_of, format_change, format_kpi_value
from kpi_core.snapshot import Change, KpiSnapshot
from kpi_core.standing import HEALTH_SYMBOL, HEALTH_WORD, LEGEND
from kpi_core.wording import (
    goal_words,
    health_words,
    in_progress_words,
    period_name,
    running_only_words,
    target_words,
)

IMPROVED_WORD = {True: "better", False: "worse", None: "no change"}


def change_text(change: Change | None, unit: str) -> str:
    """`↑ 12% MoM · better`: the arrow says which way it moved, the word whether that is good.

    Words, not colours: colours mean health (kpi_core.standing), and a move can be good news for a KPI
    in poor health.
    """
    if change is None:
        return "—"
    return f"{format_change(change, unit)} · {IMPROVED_WORD[change.improved]}"


def goal_text(snapshot: KpiSnapshot) -> str:
    """`🎯 behind target: 80% of ≥ 12 minutes`; the target alone when there is no value to judge."""
    if snapshot.value is None:
        return target_words(snapshot.kpi, snapshot.target) if snapshot.target is not None else "—"
    return escape(goal_words(snapshot.kpi, snapshot.goal))


def health_text(snapshot: KpiSnapshot) -> str:
    """`🟢 healthy`, `🟠 warning (at or below 5 minutes)`, `no thresholds`."""
    return escape(health_words(snapshot.kpi, snapshot.health))


def as_of_text(snapshot: KpiSnapshot, *, timezone: str) -> str:
    """`As of Nov 2026 · updated 21 Nov 09:00 CET`, plus a stale or source-error warning."""
    text = format_as_of(snapshot, timezone=timezone)
    if snapshot.stale:
        text += f" · ⚠️ *Stale*: older than a {snapshot.kpi.grain} KPI allows"
    if snapshot.source_error:
        text += " · ⚠️ *Source error* on the last refresh"
    return text


def value_text(snapshot: KpiSnapshot, *, compact: bool = True) -> str:
    """The headline value; a flow with only a running period says so (`November to date: 4.6%`)."""
    if snapshot.value is None:
        running = running_only_words(snapshot)
        if running:
            return running
        return "no data (source error)" if snapshot.source_error else "No data"
    return format_kpi_value(snapshot.kpi, snapshot.value, compact=compact)


def card_fallback(snapshot: KpiSnapshot) -> str:
    """The plain-text summary used as the notification text and for screen readers."""
    kpi = snapshot.kpi
    parts = [f"{kpi.name}: {value_text(snapshot)}{period_suffix(snapshot)}"]
    if snapshot.change is not None:
        parts.append(format_change(snapshot.change, kpi.unit))
    if snapshot.value is not None:
        parts.append(goal_words(kpi, snapshot.goal, short=True).removeprefix("🎯 "))
        parts.append(HEALTH_WORD[snapshot.health])
    return ", ".join(parts)


def period_suffix(snapshot: KpiSnapshot) -> str:
    """` (November)` after a flow's value: the complete period it is for."""
    if snapshot.value is None or snapshot.period is None or not snapshot.kpi.is_flow:
        return ""
    return f" ({period_name(snapshot.period, snapshot.kpi.grain)})"


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
    """The full card for one KPI: value, change, goal, health, the running period, chart, as-of, owner."""
    kpi = snapshot.kpi
    # the value goes in the header: the one large type Block Kit has, readable at a glance on a phone
    title = f"{kpi.name} · {value_text(snapshot, compact=False)}{period_suffix(snapshot)}"
    pairs = [
        ("Change", change_text(snapshot.change, kpi.unit)),
        ("Goal", goal_text(snapshot)),
        ("Health", health_text(snapshot) if snapshot.value is not None else "—"),
    ]
    if snapshot.year_over_year is not None:
        pairs.append(("Year over year", change_text(snapshot.year_over_year, kpi.unit)))
    running = in_progress_words(kpi, snapshot.in_progress)
    if running:
        pairs.append(("In progress", escape(running)))
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
    """One mrkdwn line for lists and category views.

    `🟢 *Session Duration*  9.6 minutes (Tue 1 Dec) · ↑ 1% DoD · 🎯 behind target: 80% of ≥ 12 minutes`:
    the dot is health (none without thresholds), the 🎯 words the goal standing.
    """
    kpi = snapshot.kpi
    dot = HEALTH_SYMBOL[snapshot.health]
    line = (f"{dot} " if dot else "") + f"*{escape(kpi.name)}*  {value_text(snapshot)}"
    line += escape(period_suffix(snapshot))
    if snapshot.change is not None:
        line += f" · {format_change(snapshot.change, kpi.unit)}"
    if snapshot.value is not None and snapshot.target is not None:
        line += f" · {escape(goal_words(kpi, snapshot.goal, short=True))}"
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
    blocks.append(context(f"{len(snapshots)} KPIs · `/kpi <name>` for a card with a chart", LEGEND))
    text = f"{category.title()}: " + "; ".join(card_fallback(s) for s in snapshots)
    return Message(text=text, blocks=blocks)


def format_owner(owner: str, *, user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else escape(owner)


def local_now(now: datetime, timezone: str) -> str:
    local = now.astimezone(ZoneInfo(timezone))
    return f"{local:%-d %b %Y %H:%M} {local.tzname()}"
