"""The mrkdwn text of a digest's pieces: KPI rows, headline fields, movers, alerts, the north star.

Pure functions over `kpi_core.digests.content`; `bot.blocks.digest` arranges them into blocks. Every
number goes through `kpi_core.format`, so a digest reads exactly like `/kpi` and `kpibot show`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.blocks.primitives import escape
from kpi_core.digests.content import KpiLine, Milestone, Mover, NorthStarSection, OpenAlert
from kpi_core.format import format_change, format_kpi_value, format_progress, format_value
from kpi_core.snapshot import Change
from kpi_core.standing import HEALTH_SYMBOL, SEVERITY_SYMBOL, Health
from kpi_core.wording import goal_words, health_words, in_progress_words

SEVERITY_EMOJI = SEVERITY_SYMBOL  # the colours of health: kpi_core.standing
COMPARED_WITH = {
    "daily": "the day before (DoD) and the same day last week (WoW)",
    "weekly": "the week before (WoW)",
    "monthly": "the month before (MoM)",
    "quarterly": "the quarter before (QoQ)",
}
_SIGNS = {"↑": "+", "↓": "−", "→": "±"}
NBSP = "\u00a0"
INDENT = "\u2003\u2002"  # an em and an en space: under the name, past the status dot (never collapsed)


def value_text(line: KpiLine) -> str:
    """`*$486K*`, or `_no data (source error)_` for a KPI without a value."""
    if line.value is None:
        return f"_{line.note}_"
    return f"*{keep_together(escape(format_kpi_value(line.kpi, line.value)))}*"


def change_text(change: Change | None, unit: str) -> str:
    """`↑ 6.2% MoM`; "" without a change. The arrow is the movement; the row's dot says good or bad.

    Joined with no-break spaces, so a phone wraps a change as a whole, never leaving "MoM" alone.
    """
    return "" if change is None else keep_together(format_change(change, unit))


def keep_together(text: str) -> str:
    return text.replace(" ", NBSP)


def signed_change(change: Change, unit: str) -> str:
    """`+1.2 pts MoM`, `−13% vs last week`: a move as a signed amount, for sentences."""
    text = format_change(change, unit)
    return _SIGNS.get(text[:1], "") + text[2:]


def as_of_text(line: KpiLine) -> str:
    """`as of 16 Nov` when the value is older than the digest's period (its newest period is missing);
    `Nov` for a coarser flow (monthly signups in a daily digest): its last complete period, named.

    A coarser level's latest value (monthly MRR in a weekly digest) is not marked: it is current.
    """
    if line.as_of is None:
        return ""
    if line.lagging:
        return "as of " + short_period(line.as_of, line.kpi.grain)
    if line.aggregate == "latest" and line.kpi.is_flow:
        return short_period(line.as_of, line.kpi.grain)
    return ""


def short_period(start: date, grain: str) -> str:
    if grain == "daily":
        return start.strftime("%-d %b")
    if grain == "weekly":
        return "wk of " + start.strftime("%-d %b")
    if grain == "monthly":
        return start.strftime("%b")
    return f"Q{(start.month - 1) // 3 + 1}"


def health_dot(line: KpiLine) -> str:
    """The health colour and a space, or "" for a KPI without thresholds (colours are health only)."""
    symbol = HEALTH_SYMBOL[line.health]
    return f"{symbol} " if symbol else ""


def goal_text(line: KpiLine) -> str:
    """`🎯 behind target: 80% of ≥ 12 minutes` (short form), "" without a value or a target."""
    if line.value is None or line.goal is None:
        return ""
    return keep_together(escape(goal_words(line.kpi, line.goal, short=True)))


def kpi_row(line: KpiLine, *, daily: bool = False) -> str:
    """One compact table row: `🟠 Churn *4.2%* ↑ 0.3 pts MoM · 🎯 behind target: 60% of ≤ 2.5%`.

    The dot is health (none without thresholds), the 🎯 words the goal standing.

    Daily digests add the change against the same day last week (`WoW`) and put both changes on a
    second, indented line: one long line would wrap at random points on a phone. An average over the
    period (a daily KPI in a weekly digest) says `avg`; a value older than the period says `as of 16 Nov`.
    """
    head = f"{health_dot(line)}{escape(line.kpi.name)} {value_text(line)}"
    if line.value is not None and line.aggregate == "average":
        head += f"{NBSP}avg"
    changes = [change_text(line.change, line.kpi.unit)]
    if daily and line.vs_last_week is not None:
        # "WoW" for a day means the same weekday a week earlier; the header says so.
        changes.append(change_text(replace(line.vs_last_week, label="WoW"), line.kpi.unit))
    when = as_of_text(line)
    goal = goal_text(line)
    tail = " · ".join([c for c in changes if c] + ([f"_{when}_"] if when else []) + ([goal] if goal else []))
    if not tail:
        return head
    return f"{head}\n{INDENT}{tail}" if daily else f"{head} {tail}"


def headline_field(line: KpiLine) -> tuple[str, str]:
    """A headline card as a field: name, then the value, its change, its goal standing and its health."""
    body = [value_text(line)]
    change = change_text(line.change, line.kpi.unit)
    if change:
        body.append(change)
    if line.value is not None:
        body.append(goal_text(line) or "no target")
        if line.health is not Health.NOT_SET:
            body.append(escape(health_words(line.kpi, line.health, detail=False)))
    when = as_of_text(line)
    if when:
        body[0] += f" _{when}_"
    return escape(line.kpi.name), "\n".join(body)


def mover_text(mover: Mover) -> str:
    """Direction-aware news: `Churn rose to 4.6% (+1.2 pts MoM)`; the section says whether that is bad."""
    line, change = mover.line, mover.change
    verb = "rose" if change.absolute > 0 else "fell" if change.absolute < 0 else "held"
    value = format_kpi_value(line.kpi, line.value)
    amount = keep_together(signed_change(change, line.kpi.unit))
    return f"{escape(line.kpi.name)} {verb} to *{keep_together(escape(value))}* ({amount})"


def alert_line(alert: OpenAlert, *, timezone: str) -> str:
    """`🔴 *CAC increased 15%* · since Wed 18 Nov 14:05` and the detail, if any."""
    since = alert.since.astimezone(ZoneInfo(timezone))
    text = f"{SEVERITY_EMOJI[alert.severity]} *{escape(alert.title)}* · since {since:%a %-d %b %H:%M}"
    if alert.detail:
        text += f"\n{INDENT}{escape(alert.detail)}"
    return text


def progress_bar(progress: float | None, *, width: int = 10) -> str:
    """`▰▰▰▰▰▰▰▰▱▱`: progress to target in tenths (full past 100%)."""
    if progress is None or not math.isfinite(progress):
        return ""
    filled = max(0, min(width, math.floor(progress * width + 1e-9)))
    return "▰" * filled + "▱" * (width - filled)


def north_star_lines(section: NorthStarSection) -> list[str]:
    """The north star: its value and move, the next milestone with a progress bar, the whole progression."""
    line = section.line
    if line is None:
        return ["_No north star KPI is configured._"]
    kpi = line.kpi
    head = value_text(line)
    change = change_text(line.change, kpi.unit)
    if change:
        head += f"  {change}"
    lines = [f"{health_dot(line)}{escape(kpi.name)}: {head}"]
    if line.value is not None and line.goal is not None:
        lines.append(escape(goal_words(kpi, line.goal)))
    running = in_progress_words(kpi, line.snapshot.in_progress) if line.snapshot is not None else ""
    if running:
        lines.append(f"_{escape(running)}_")
    goal = section.next_milestone
    if goal is not None and line.value is not None:
        target = format_kpi_value(kpi, goal.target)
        bar = progress_bar(section.progress)
        lines.append(f"{bar} {format_progress(section.progress)} of *{target}* by {goal.on:%-d %b %Y}")
    elif line.target is not None and line.value is not None:
        target = format_kpi_value(kpi, line.target)
        lines.append(f"{progress_bar(section.progress)} {format_progress(section.progress)} of *{target}*")
    if section.milestones:
        lines.append(
            "Milestones: " + "   ".join(milestone_text(kpi.unit, m, line) for m in section.milestones)
        )
    return lines


def milestone_text(unit: str, milestone: Milestone, line: KpiLine) -> str:
    mark = "✅" if milestone.reached else "⬜"
    target = format_value(milestone.target, unit, scale=line.kpi.scale, decimals=line.kpi.decimals)
    return keep_together(f"{mark} {target} {milestone.on:%b %Y}")


def local_time(moment: datetime, timezone: str) -> str:
    """`Mon 23 Nov 09:00 CET`."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%a %-d %b %H:%M} {local.tzname()}"


def fallback_line(line: KpiLine) -> str:
    """`MRR $486K ↑ 6.2% MoM` in plain text (notifications, screen readers)."""
    value = line.note if line.value is None else format_kpi_value(line.kpi, line.value)
    change = change_text(line.change, line.kpi.unit)
    return f"{line.kpi.name} {value}" + (f" {change}" if change else "")
