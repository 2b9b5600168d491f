"""Plain-text renderings of KPI snapshots for the terminal: `kpibot show`, `show --all`, the demo summary.

The same facts as the `/kpi` card (bot/blocks/kpi_card.py), through the same formatter, without Slack.
"""

from __future__ import annotations

from collections.abc import Sequence

from kpi_core.format import MISSING, format_as_of, format_change, format_kpi_value
from kpi_core.periods import period_label
from kpi_core.snapshot import Change, KpiSnapshot, Point
from kpi_core.standing import LEGEND
from kpi_core.wording import (
    goal_words,
    health_words,
    in_progress_words,
    period_words,
    running_only_words,
)

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(points: Sequence[Point]) -> str:
    """`▁▃▅ ▇█`: one character per period, a space where nothing was recorded."""
    values = [p.value for p in points if p.value is not None]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low
    out = []
    for point in points:
        if point.value is None:
            out.append(" ")
        else:
            level = 0 if span == 0 else round((point.value - low) / span * (len(SPARK) - 1))
            out.append(SPARK[level])
    return "".join(out)


def change_words(change: Change | None, unit: str) -> str:
    """`↑ 12% MoM (better)`; the arrow is the movement, the word whether that is good for this KPI."""
    if change is None:
        return MISSING
    verdict = {True: " (better)", False: " (worse)", None: ""}[change.improved]
    return format_change(change, unit) + verdict


def value_words(snapshot: KpiSnapshot, *, compact: bool = True) -> str:
    """The headline value; a flow with only a running period says so (`November to date: 4.6%`)."""
    if snapshot.value is None:
        running = running_only_words(snapshot)
        if running:
            return running
        return "no data (source error)" if snapshot.source_error else "no data"
    return format_kpi_value(snapshot.kpi, snapshot.value, compact=compact)


def render_snapshot(snapshot: KpiSnapshot, *, timezone: str, window_label: str | None = None) -> str:
    """The `/kpi` card as text: value, change, YoY, goal, health, the running period, as of, owner, trend."""
    kpi = snapshot.kpi
    lines = [
        f"{kpi.name} ({kpi.key}) · {kpi.category}",
        f"  Value     {value_words(snapshot, compact=False)}"
        + (f" · {period_words(snapshot)}" if snapshot.value is not None else ""),
    ]
    lines.append(f"  Change    {change_words(snapshot.change, kpi.unit)}")
    if snapshot.year_over_year is not None:
        lines.append(f"  YoY       {change_words(snapshot.year_over_year, kpi.unit)}")
    if snapshot.value is not None:
        lines.append(f"  Goal      {goal_words(kpi, snapshot.goal)}")
        lines.append(f"  Health    {health_words(kpi, snapshot.health)}")
    running = in_progress_words(kpi, snapshot.in_progress)
    if running:
        lines.append(f"  Running   {running}")
    lines.append("  " + format_as_of(snapshot, timezone=timezone, name_zone=True))
    if snapshot.stale:
        lines.append(f"  ⚠ Stale: the newest value is older than a {kpi.grain} KPI allows")
    if snapshot.source_error:
        lines.append(f"  ⚠ Source error on the last refresh: {snapshot.source_error}")
    if kpi.owners:
        lines.append("  Owner     " + ", ".join(kpi.owners))
    spark = sparkline(snapshot.series)
    if spark:
        shown = [p.value for p in snapshot.series if p.value is not None]
        low, high = format_kpi_value(kpi, min(shown)), format_kpi_value(kpi, max(shown))
        first, last = snapshot.series[0].period, snapshot.series[-1].period
        label = window_label or f"{period_label(first, kpi.grain)} – {period_label(last, kpi.grain)}"
        lines.append(f"  Trend     {spark}  ({label}; low {low}, high {high})")
        missing = sum(p.value is None for p in snapshot.series)
        if missing:
            lines.append(
                f"            {missing} of {len(snapshot.series)} periods have no value (shown as gaps)"
            )
    if snapshot.rolling_average is not None:
        lines.append(
            f"  Rolling   {format_kpi_value(kpi, snapshot.rolling_average)} average of recent periods"
        )
    return "\n".join(lines)


def render_table(groups: dict[str, list[KpiSnapshot]]) -> str:
    """`show --all`: one aligned row per KPI, grouped by category, then the legend.

    A flow's value is its last complete period (named in the Period column); its running period, if any,
    follows on an indented line of its own, labelled "to date".
    """
    header = ("KPI", "Value", "Period", "Change", "Health", "Goal")
    rows: list[tuple[str, ...] | str] = []
    for category, snapshots in groups.items():
        rows.append(category.replace("_", " ").upper())
        for snap in snapshots:
            goal = goal_words(snap.kpi, snap.goal, short=True) if snap.value is not None else MISSING
            goal += (" · stale" if snap.stale else "") + (" · source error" if snap.source_error else "")
            rows.append(
                (
                    f"{snap.kpi.name} ({snap.kpi.key})",
                    value_words(snap),
                    _period_cell(snap),
                    format_change(snap.change, snap.kpi.unit) if snap.change else MISSING,
                    health_words(snap.kpi, snap.health, detail=False) if snap.value is not None else "",
                    goal,
                )
            )
            running = in_progress_words(snap.kpi, snap.in_progress)
            if running:
                rows.append(f"    ↳ {running}")
    cells = [header] + [row for row in rows if isinstance(row, tuple)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]

    def line(row: tuple[str, ...]) -> str:
        return (
            "  "
            + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[-1]
        )

    out = [line(header)] + [row if isinstance(row, str) else line(row) for row in rows]
    return "\n".join([*_spaced(out), "", LEGEND])


def _period_cell(snapshot: KpiSnapshot) -> str:
    """`Nov 2026` for a flow's complete period, `current` for a level, — without a value."""
    if snapshot.period is None:
        return MISSING
    if not snapshot.kpi.is_flow:
        return "current"
    return period_label(snapshot.period, snapshot.kpi.grain)


def _spaced(lines: list[str]) -> list[str]:
    """A blank line before each category heading (headings are the unindented lines)."""
    out: list[str] = []
    for text in lines:
        if out and not text.startswith(" "):
            out.append("")
        out.append(text)
    return out


DEMO_DATABASE = "sqlite:///data/demo.db"  # the page's database: new on every `kpibot demo`


def no_data_hint(*, database_url: str, demo_exists: bool) -> str:
    """Why `kpibot show` has nothing to show, and what to run instead."""
    lines = [
        f"No values recorded in {database_url} yet: `kpibot refresh` runs the sql and formula sources, "
        "`kpibot record` / `kpibot import` add pushed values (`kpibot demo-data` fills the demo's)."
    ]
    if demo_exists and database_url != DEMO_DATABASE:
        lines.append(
            f"The demo page's data is in {DEMO_DATABASE}: DATABASE_URL={DEMO_DATABASE} kpibot show --all"
        )
    return "\n".join(lines)
