"""Messages about the catalog: usage, `/kpi list`, `/kpi info`, and friendly errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import Block

from bot.blocks.kpi_card import compact_card
from bot.blocks.primitives import Message, context, divider, escape, fields, header, section, split_messages
from kpi_core.config.models import KpiDefinition
from kpi_core.format import format_kpi_value
from kpi_core.snapshot import KpiSnapshot
from kpi_core.standing import LEGEND

USAGE = [
    ("`/kpi <kpi>`", "A KPI card with its chart, e.g. `/kpi mrr`"),
    ("`/kpi <kpi> <window>`", "Chart over `30d`, `12w`, `6m`, `1y`, `ytd` or `all`"),
    ("`/kpi list [category]`", "Every KPI, or one category's"),
    ("`/kpi <category>`", "Compact cards for a category, e.g. `/kpi revenue`"),
    ("`/kpi dashboard`", "The executive dashboard"),
    ("`/kpi info <kpi>`", "Definition, formula, source, owner, targets"),
    ("`/kpi alerts`", "Open alerts with their buttons; `/kpi ack <id>` acknowledges one"),
]


def build_help(categories: Sequence[str], *, intro: str | None = None) -> Message:
    blocks: list[Block] = [header("kpibot: your KPIs in Slack")]
    if intro:
        blocks.append(section(intro))
    blocks.append(section("\n".join(f"{cmd}  {what}" for cmd, what in USAGE)))
    if categories:
        blocks.append(context("Categories: " + ", ".join(f"`{c}`" for c in categories)))
    text = (intro + "\n" if intro else "") + "Usage: " + "; ".join(f"{c} {w}" for c, w in USAGE)
    return Message(text=text.replace("`", ""), blocks=blocks)


def build_error(message: str, *, suggestions: Sequence[str] = ()) -> Message:
    """A friendly error that explains itself and says what to try instead."""
    text = f"⚠️ {escape(message)}"  # messages are plain text; they may quote what someone typed
    if suggestions:
        text += "\nDid you mean " + ", ".join(f"`{escape(s)}`" for s in suggestions) + "?"
    text += "\nType `/kpi help` for what I understand."
    return Message(text=text.replace("`", ""), blocks=[section(text)])


def build_kpi_list(groups: Mapping[str, Sequence[KpiSnapshot]], *, title: str = "KPIs") -> list[Message]:
    """`/kpi list`: every KPI grouped by category; split across messages past Slack's 50-block limit."""
    blocks: list[Block] = []
    for category, snapshots in groups.items():
        blocks.append(section(f"*{escape(category.title())}*"))
        lines = [compact_card(s) for s in snapshots]
        # one section holds up to 3,000 characters: pack lines until full
        chunk: list[str] = []
        for line in lines:
            if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
                blocks.append(section("\n".join(chunk)))
                chunk = []
            chunk.append(line)
        if chunk:
            blocks.append(section("\n".join(chunk)))
    count = sum(len(s) for s in groups.values())
    text = f"{title}: {count} KPIs in {len(groups)} categories"
    messages = split_messages(
        text, [header(title), *blocks, context(f"{count} KPIs · `/kpi <name>` for a card", LEGEND)]
    )
    return messages


# How a value relates to its period: what a reader needs to compare a month with the month before.
MEASURE_WORDS = {
    "level": "a balance at a point in time",
    "sum": "a total over each {period}",
    "rate": "a rate over each {period}",
}
GRAIN_NOUN = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter"}


def build_info_card(kpi: KpiDefinition, *, owners: Sequence[str], source: str) -> Message:
    """Seed 004's definition template as a card."""
    pairs = [
        ("Key", f"`{kpi.key}`" + (f" (also: {', '.join(kpi.aliases)})" if kpi.aliases else "")),
        ("Category", f"{kpi.category} · {kpi.tier.replace('_', ' ')}"),
        ("Unit", kpi.unit),
        ("Better when", "higher" if kpi.direction == "higher" else "lower"),
        ("Measured", f"{kpi.grain} · {MEASURE_WORDS[kpi.measured_as].format(period=GRAIN_NOUN[kpi.grain])}"),
        ("Owner", ", ".join(owners) or "—"),
    ]
    if kpi.target is not None:
        pairs.append(("Target", format_kpi_value(kpi, kpi.target, compact=False)))
    if kpi.thresholds.warning is not None or kpi.thresholds.critical is not None:
        pairs.append(
            (
                "Thresholds",
                f"warning {format_kpi_value(kpi, kpi.thresholds.warning)} · "
                f"critical {format_kpi_value(kpi, kpi.thresholds.critical)}",
            )
        )
    blocks: list[Block] = [header(f"{kpi.name}: definition")]
    if kpi.definition:
        blocks.append(section(f"*Definition*\n{escape(kpi.definition)}"))
    blocks.append(section(f"*Source*\n{source}"))
    blocks.extend(fields(pairs))
    if kpi.target_progression:
        timeline = "\n".join(
            f"• {when:%-d %b %Y}: {format_kpi_value(kpi, value, compact=False)}"
            for when, value in kpi.target_progression
        )
        blocks.append(section(f"*Target timeline*\n{timeline}"))
    if kpi.why:
        blocks.append(section(f"*Why it matters*\n{escape(kpi.why)}"))
    if kpi.actions:
        blocks.append(
            section(
                "*Actions to improve*\n"
                + "\n".join(f"{n}. {escape(a)}" for n, a in enumerate(kpi.actions, 1))
            )
        )
    if kpi.risks:
        blocks.append(section("*Risks*\n" + "\n".join(f"• {escape(r)}" for r in kpi.risks)))
    blocks.append(divider())
    blocks.append(context(f"`/kpi {kpi.key}` for the current value and chart"))
    text = f"{kpi.name}: {kpi.definition or 'no definition'} ({kpi.grain}, {kpi.unit})"
    return Message(text=text, blocks=blocks)


def describe_source(kpi: KpiDefinition) -> str:
    """A human description of where the numbers come from."""
    source = kpi.source
    if source.kind == "sql":
        sql = " ".join(source.sql.split())
        return f"SQL on `{source.database}`:\n```{sql[:1500]}```"
    if source.kind == "formula":
        return f"Formula: `{source.formula}`"
    return "Pushed from outside (`kpibot record`, `kpibot import`)"
