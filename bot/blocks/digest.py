"""A scheduled digest as Slack messages: ONE message whenever it fits, the overflow in its thread.

    messages = build_digest_messages(digest, charts={2: ChartSlot(file_id="F123", alt_text="...")})
    messages.main      # the channel message: header, sections in the configured order, footer
    messages.thread    # replies, only when the digest does not fit in 50 blocks

Pure: a `kpi_core.digests.Digest` in, `Message`s out. Charts are uploaded by the caller (bot.digests) and
passed in by section index; before the upload (or when it failed) the chart's place is empty or says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block

from bot.blocks.digest_text import (
    COMPARED_WITH,
    alert_line,
    fallback_line,
    headline_field,
    kpi_row,
    local_time,
    mover_text,
    north_star_lines,
)
from bot.blocks.health_line import health_line
from bot.blocks.primitives import (
    MAX_BLOCKS,
    MAX_SECTION_TEXT,
    Message,
    chart_image,
    clip,
    context,
    divider,
    escape,
    fields,
    header,
    section,
)
from kpi_core.digests.content import (
    AlertsSection,
    ChartSection,
    CohortsSection,
    Digest,
    DigestSection,
    HeadlineSection,
    MoversSection,
    NorthStarSection,
    TableSection,
)
from kpi_core.standing import LEGEND

TEXT_BUDGET = MAX_SECTION_TEXT - 100  # room for the escaping of a line that is appended last
CONTINUED = "🧵 More of this digest in the thread"
DEFAULT_MOVERS_TITLE = "red flags and recent wins"


@dataclass(frozen=True)
class ChartSlot:
    """What goes where a chart section is: the uploaded file, or a note saying why there is no image."""

    file_id: str | None = None
    alt_text: str = ""
    note: str = ""


@dataclass(frozen=True)
class DigestMessages:
    """The channel message and, when the digest overflows 50 blocks, its thread replies in order."""

    main: Message
    thread: tuple[Message, ...] = ()

    @property
    def all(self) -> tuple[Message, ...]:
        return (self.main, *self.thread)


def build_digest_messages(
    digest: Digest, *, charts: Mapping[int, ChartSlot] | None = None, limit: int = MAX_BLOCKS
) -> DigestMessages:
    """Lay a digest out; `charts` maps the index of each chart section (in `digest.sections`) to its slot.

    Whole sections move to the thread, in order, once the main message is full; a section longer than a
    message on its own (a huge table) is split between replies. Nothing is ever cut off.
    """
    text = digest_fallback(digest)
    head = header_blocks(digest)
    groups = [section_blocks(digest, i, s, (charts or {}).get(i)) for i, s in enumerate(digest.sections)]
    groups = [group for group in groups if group]
    foot = [footer(digest)]
    if len(head) + sum(len(g) for g in groups) + len(foot) <= limit:
        return DigestMessages(Message(text, [*head, *(b for g in groups for b in g), *foot]))
    main = list(head)
    rest: list[list[Block]] = []
    for group in groups:
        if not rest and len(main) + len(group) + len(foot) + 1 <= limit:
            main.extend(group)
        else:
            rest.append(group)
    main += [context(CONTINUED), *foot]
    replies = _pack(rest, limit=limit)
    thread = tuple(
        Message(f"{digest.header.title} · {digest.header.period_label} (continued {n}/{len(replies)})", part)
        for n, part in enumerate(replies, 1)
    )
    return DigestMessages(Message(text, main), thread)


def _pack(groups: Sequence[list[Block]], *, limit: int) -> list[list[Block]]:
    """Groups of blocks into messages of at most `limit` blocks, keeping groups whole where they fit."""
    messages: list[list[Block]] = []
    current: list[Block] = []
    for group in groups:
        if current and len(current) + len(group) > limit:
            messages.append(current)
            current = []
        for block in group:
            if len(current) == limit:
                messages.append(current)
                current = []
            current.append(block)
    if current:
        messages.append(current)
    return messages


def digest_fallback(digest: Digest) -> str:
    """The notification text: the header, then the headline KPIs in plain words."""
    headline = next((s for s in digest.sections if isinstance(s, HeadlineSection)), None)
    if headline is None or not headline.items:
        return digest.fallback_text
    return f"{digest.fallback_text}: " + "; ".join(fallback_line(line) for line in headline.items)


def header_blocks(digest: Digest) -> list[Block]:
    """`📊 Daily metrics · Thursday 19 Nov 2026 (Europe/Berlin)`, what it compares with, late or not,
    and the company health score on a line of its own."""
    head = digest.header
    title = f"📊 {head.title} · {head.period_label}" + (" · late" if head.late else "")
    notes = [f"Compared with {COMPARED_WITH[digest.period.kind]}", LEGEND]
    if head.late:
        notes.insert(0, f"⏰ *Posted late*: it was due {local_time(head.scheduled_for, head.timezone)}")
    blocks = [header(title), context(" · ".join(notes))]
    if head.health is not None:
        blocks.append(context(health_line(head.health)))
    return blocks


def footer(digest: Digest) -> Block:
    missing = [line for line in dict((ln.key, ln) for ln in digest.lines()).values() if not line.has_data]
    parts = ["kpibot · `/kpi &lt;KPI&gt;` for any KPI's card and chart"]
    if missing:
        names = ", ".join(
            escape(line.kpi.name) + (" (source error)" if line.source_error else "") for line in missing[:8]
        )
        more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        parts.insert(0, f"⚠️ No data: {names}{more}")
    return context(*parts)


def section_blocks(digest: Digest, index: int, item: DigestSection, chart: ChartSlot | None) -> list[Block]:
    """The blocks of one configured section (its index in `digest.sections` keys its chart)."""
    if isinstance(item, HeadlineSection):
        intro = [section(f"*{escape(item.title)}*")] if item.title else []
        return [*intro, *fields([headline_field(line) for line in item.items])]
    if isinstance(item, TableSection):
        daily = digest.period.kind == "daily"
        blocks: list[Block] = [divider()]
        if item.title:
            blocks.append(section(f"*📋 {escape(item.title)}*"))
        for group in item.groups:
            rows = [kpi_row(line, daily=daily) for line in group.rows]
            blocks.extend(text_sections(f"*{escape(group.title)}*", rows))
        return blocks
    if isinstance(item, ChartSection):
        return chart_blocks(item, chart)
    if isinstance(item, AlertsSection):
        title = f"*🚨 {escape(item.title or 'Open alerts')}*"
        lines = [alert_line(alert, timezone=digest.header.timezone) for alert in item.alerts]
        if item.more:
            lines.append(f"…and {item.more} more: `/kpi alerts`")
        return [divider(), *text_sections(title, lines or ["✅ No open alerts"])]
    if isinstance(item, MoversSection):
        return movers_blocks(item)
    if isinstance(item, NorthStarSection):
        title = f"*⭐ {escape(item.title or 'North star')}*"
        return [divider(), *text_sections(title, north_star_lines(item))]
    if isinstance(item, CohortsSection):
        return cohort_blocks(item, chart)
    raise TypeError(f"unknown digest section {item!r}")


def chart_blocks(item: ChartSection, chart: ChartSlot | None) -> list[Block]:
    title = item.title or "Trends"
    if chart is not None and chart.file_id:
        return [chart_image(chart.file_id, chart.alt_text or title, title=f"📈 {title}")]
    if chart is not None and chart.note:
        return [context(f"📈 {escape(title)}: {escape(chart.note)}")]
    return []


def cohort_blocks(item: CohortsSection, chart: ChartSlot | None) -> list[Block]:
    """The heatmap (its image, or why there is none), then the table's insight lines."""
    blocks: list[Block] = [divider()]
    if item.table is None:
        return [*blocks, context(f"🧮 {escape(item.title)}: {escape(item.problem or 'no cohort table')}")]
    if chart is not None and chart.file_id:
        blocks.append(chart_image(chart.file_id, chart.alt_text or item.title, title=f"🧮 {item.title}"))
    elif chart is not None and chart.note:
        blocks.append(context(f"🧮 {escape(item.title)}: {escape(chart.note)}"))
    else:  # before the upload: the title, the image is added when it is there
        blocks.append(section(f"*🧮 {escape(item.title)}*"))
    period = "months" if item.table.period_name == "Month" else "weeks"
    lines = [f"• {escape(line)}" for line in item.table.insights] or ["No trend to report yet."]
    lines.append(f"_Complete {period} to {item.table.as_of:%-d %b %Y}; blank cells are not over yet._")
    return [*blocks, *text_sections("*Insights*", lines)]


def movers_blocks(item: MoversSection) -> list[Block]:
    """Seed 003's red flags and recent wins, in direction-aware words."""
    blocks: list[Block] = [divider()]
    if item.title and item.title.lower() != DEFAULT_MOVERS_TITLE:
        blocks.append(section(f"*{escape(item.title)}*"))
    if not item.red_flags and not item.wins:
        blocks.append(section("No big moves for the better or the worse this time."))
        return blocks
    flags = [f"• {mover_text(m)}" for m in item.red_flags] or ["✅ Nothing moved for the worse."]
    blocks.extend(text_sections("*🚩 Red flags*", flags))
    if item.wins:
        blocks.extend(text_sections("*🏆 Recent wins*", [f"• {mover_text(m)}" for m in item.wins]))
    return blocks


def text_sections(title: str, lines: Sequence[str]) -> list[Block]:
    """A titled list of lines as section blocks, split between lines to stay within Slack's 3000 chars."""
    blocks: list[Block] = []
    current = title
    for line in lines:
        line = clip(line, TEXT_BUDGET)
        if len(current) + 1 + len(line) > TEXT_BUDGET:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    blocks.append(section(current))
    return blocks


def chart_section_indexes(digest: Digest) -> list[int]:
    """The indexes (in `digest.sections`) of the sections with an image (charts, cohort heatmaps): the
    keys of `charts`."""
    return [i for i, s in enumerate(digest.sections) if isinstance(s, ChartSection | CohortsSection)]
