"""`kpibot demo`'s executive summary, modelled on seed 004's sample summary and seed 000's dashboard."""

from __future__ import annotations

from collections.abc import Sequence

from bot.cli.kpi_text import MISSING, value_words
from kpi_core.format import format_change
from kpi_core.periods import period_label
from kpi_core.snapshot import KpiSnapshot
from kpi_core.standing import LEGEND, Health
from kpi_core.wording import goal_words, health_words, in_progress_words
from kpibot_demo.data.prepare import DemoSummary

RULE = "═" * 78


def summary_lines(snapshots: Sequence[KpiSnapshot], widths: Sequence[int]) -> list[str]:
    """`Session Duration:  9.6 minutes  (↑ 1% DoD)  🟢 healthy  🎯 behind target: 80% of ≥ 12 minutes`.

    Seed 004's layout, with health and goal standing as two columns; a flow's running period follows
    on its own line, labelled "to date".
    """
    out = []
    for snapshot in snapshots:
        cells = _cells(snapshot)
        out.append(
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        )
        running = in_progress_words(snapshot.kpi, snapshot.in_progress)
        if running:
            out.append(f"    ↳ {running}")
    return out


def _cells(snapshot: KpiSnapshot) -> tuple[str, str, str, str, str]:
    kpi = snapshot.kpi
    value = value_words(snapshot)
    if snapshot.value is not None and kpi.is_flow and snapshot.period is not None:
        value += f" ({period_label(snapshot.period, kpi.grain)})"
    change = f"({format_change(snapshot.change, kpi.unit)})" if snapshot.change else ""
    has_value = snapshot.value is not None
    health = health_words(kpi, snapshot.health, detail=False) if has_value else ""
    goal = goal_words(kpi, snapshot.goal, short=True) if has_value else ""
    return kpi.name + ":", value, change, health, goal


def _widths(snapshots: Sequence[KpiSnapshot]) -> list[int]:
    rows = [_cells(s) for s in snapshots] or [("", "", "", "", "")]
    return [max(len(row[i]) for row in rows) for i in range(5)]


def _attention_line(snapshot: KpiSnapshot) -> str:
    """`🔴 critical (at or above 4%): Monthly Churn Rate 5.3% · 🎯 behind target: 47% of ≤ 2.5%`."""
    kpi = snapshot.kpi
    if snapshot.health in (Health.CRITICAL, Health.WARNING):
        head = f"{health_words(kpi, snapshot.health)}: {kpi.name} {value_words(snapshot)}"
        if snapshot.goal is not None:
            head += f" · {goal_words(kpi, snapshot.goal, short=True)}"
    else:
        head = f"{goal_words(kpi, snapshot.goal, short=True)}: {kpi.name} {value_words(snapshot)}"
    owner = f" ({', '.join(kpi.owners)})" if kpi.owners else ""
    action = f" → {kpi.actions[0]}" if kpi.actions else ""
    return f"  {head}{owner}{action}"


def cli_prefix(*, data_in: str, cli_uses: str | None) -> str:
    """What to type before `kpibot show` so it reads `data_in`: nothing when the CLI already does."""
    if cli_uses is None or cli_uses == data_in:
        return ""
    return f"DATABASE_URL={data_in} "


def render_demo_summary(summary: DemoSummary, *, cli_database_url: str | None = None) -> str:
    """The whole summary: headline, every category, red flags with actions, wins, data notes, next steps.

    `cli_database_url` is the database a plain `kpibot show` would read: when it is not the one the
    summary was made from, the suggested commands carry `DATABASE_URL=...` so they show the same data.
    """
    title = f"KPI SUMMARY · {summary.at:%-d %b %Y} ({summary.timezone})"
    lines = [title, RULE, LEGEND, "", "HEADLINE"]
    widths = _widths([*summary.snapshots, *summary.dashboard.headline])
    lines += summary_lines(summary.dashboard.headline, widths) or ["  (no dashboard headline in kpis.yml)"]
    categories: dict[str, list[KpiSnapshot]] = {}
    for snapshot in summary.snapshots:
        categories.setdefault(snapshot.kpi.category, []).append(snapshot)
    for category, snapshots in categories.items():
        lines += ["", category.replace("_", " ").upper()]
        lines += summary_lines(snapshots, widths)
    lines += ["", "NEEDS ATTENTION"]
    lines += [_attention_line(snapshot) for snapshot in summary.attention[:10]]
    if len(summary.attention) > 10:
        lines.append(f"  …and {len(summary.attention) - 10} more (kpibot show --all)")
    if not summary.attention:
        lines.append("  nothing: every KPI is healthy and none is behind its target")
    lines += ["", "RECENT WINS"]
    for snapshot in summary.wins:
        change = format_change(snapshot.change, snapshot.kpi.unit) if snapshot.change else MISSING
        lines.append(f"  ↗ {snapshot.kpi.name}: {value_words(snapshot)} ({change}, better)")
    if not summary.wins:
        lines.append("  none this period")
    if summary.dashboard.quick_stats:
        lines += ["", "QUICK STATS"]
        lines += [f"  • {s.kpi.name}: {value_words(s)}" for s in summary.dashboard.quick_stats]
    lines += ["", "DATA", *data_lines(summary), "", "NEXT"]
    prefix = cli_prefix(data_in=summary.database_url, cli_uses=cli_database_url)
    steps = [
        (f"{prefix}kpibot show mrr", "one KPI, as /kpi mrr shows it"),
        (f"{prefix}kpibot show --all", "every KPI by category"),
        ("kpibot serve", "the Slack bot (needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)"),
    ]
    width = max(len(command) for command, _ in steps) + 3
    lines += [f"  {command.ljust(width)}{what}" for command, what in steps]
    return "\n".join(lines)


def data_lines(summary: DemoSummary) -> list[str]:
    lines = [f"  kpibot database: {summary.database_url}"]
    built = summary.built
    if built is not None:
        lines.append(
            f"  warehouse {summary.warehouse_url}: built, {built.total_rows:,} rows, "
            f"{built.months} months to {built.end} (seed {built.seed})"
        )
        lines += [f"    planted: {incident.description}" for incident in built.incidents]
    else:
        lines.append(f"  warehouse {summary.warehouse_url}: current, reused")
    done = [r for r in summary.refresh.results if r.kind != "push"]
    lines.append(f"  refresh: {len(done) - len(summary.refresh.failed)} of {len(done)} sources OK")
    lines += [f"    ✗ {r.key}: {r.error}" for r in summary.refresh.failed]
    for snapshot in summary.warnings:
        if snapshot.stale and snapshot.period is not None:
            newest = period_label(snapshot.period, snapshot.kpi.grain)
            lines.append(f"    ⚠ {snapshot.kpi.key}: stale, newest value is for {newest}")
    return lines
