"""The cohort heatmap: cohort (or feature) rows, period columns, the value in every cell, colour by value,
targets marked, and the periods that have not ended left blank (never drawn as zero).

Laid out in pixels on the usual 6.4 in card at 200 dpi, with 14 pt text at the smallest, so it still
reads when Slack shrinks it to 360 px on a phone.
"""

from __future__ import annotations

from typing import Any

from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bot.charts.image import ChartImage, clip_alt_text, encode_png, new_card_figure, text_size
from bot.charts.theme import (
    DPI,
    LABEL_FONT,
    SUBTITLE_FONT,
    TICK_FONT,
    TITLE_FONT,
    VALUE_FONT,
    Theme,
    get_theme,
)
from kpi_core.cohorts import CohortKind, CohortTable
from kpi_core.format import format_value

WIDTH_IN = 6.4
PAD = 40.0  # card padding, px
ROW_PX = 64.0
HEADER_PX = 96.0  # column labels and their targets
TITLE_PX = 118.0
FOOT_PX = 84.0
LABEL_GAP = 22.0


def _cell_text(table: CohortTable, value: float) -> str:
    if table.unit == "percent":
        return format_value(value, "percent", decimals=0)
    return format_value(value, table.unit, decimals=0, compact=value >= 10_000)


def _mix(low: str, high: str, t: float) -> tuple[float, float, float]:
    a, b = to_rgb(low), to_rgb(high)
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def _columns(table: CohortTable, *, short: bool) -> list[tuple[str, str | None]]:
    """(label, target line) per column; the revenue table ends with NRR."""
    columns: list[tuple[str, str | None]] = []
    name = table.period_name[0] if short else table.period_name + " "
    for period in table.periods:
        goal = table.targets.get(period)
        columns.append((f"{name}{period}", f"≥{goal:g}%" if goal is not None else None))
    if table.kind is CohortKind.REVENUE:
        columns.append(("NRR", f"≥{table.nrr_target:g}%" if table.nrr_target else None))
    return columns


def _rows(table: CohortTable) -> list[list[tuple[float | None, float | None]]]:
    """(value, target) per cell."""
    rows = []
    for row in table.rows:
        cells: list[tuple[float | None, float | None]] = [
            (value, table.targets.get(period)) for period, value in zip(table.periods, row.cells, strict=True)
        ]
        if table.kind is CohortKind.REVENUE:
            judged = row.nrr_month == table.nrr_target_month
            cells.append((row.nrr, table.nrr_target if judged else None))
        rows.append(cells)
    return rows


def build_cohort_figure(table: CohortTable, *, theme: str = "light") -> Figure:
    colors = get_theme(theme)
    rows = _rows(table)
    marked = any(target is not None for cells in rows for _, target in cells)
    height_px = TITLE_PX + HEADER_PX + ROW_PX * max(1, len(rows)) + (FOOT_PX if marked else PAD)
    fig, canvas = new_card_figure(WIDTH_IN, height_px / DPI, theme=colors)
    renderer = canvas.get_renderer()
    width = fig.bbox.width
    label_w = max([text_size(renderer, row.label, LABEL_FONT)[0] for row in table.rows] or [0.0])
    left = PAD + label_w + LABEL_GAP
    count = len(table.periods) + (1 if table.kind is CohortKind.REVENUE else 0)
    cell_w = (width - PAD - left) / count
    longest = f"{table.period_name} {table.periods[-1]}"
    columns = _columns(table, short=text_size(renderer, longest, TICK_FONT)[0] > cell_w - 16)

    def put(x: float, y: float, text: str, font: Any, color: Any, **kw: Any) -> None:
        fig.text(x / width, y / height_px, text, fontproperties=font, color=color, parse_math=False, **kw)

    put(PAD, height_px - PAD - 30, _title(table), TITLE_FONT, colors.text, va="baseline")
    put(PAD, height_px - PAD - 70, _subtitle(table), SUBTITLE_FONT, colors.muted, va="baseline")
    top = height_px - TITLE_PX - HEADER_PX
    for c, (label, mark) in enumerate(columns):
        x = left + (c + 0.5) * cell_w
        put(x, top + 58, label, TICK_FONT, colors.text, ha="center", va="baseline")
        if mark:
            put(x, top + 18, mark, TICK_FONT, colors.muted, ha="center", va="baseline")
    low, high = _range(table, rows)
    nrr = [cells[-1][0] for cells in rows if table.kind is CohortKind.REVENUE and cells[-1][0] is not None]
    for r, (row, cells) in enumerate(zip(table.rows, rows, strict=True)):
        y = top - (r + 1) * ROW_PX
        put(PAD, y + ROW_PX / 2, row.label, LABEL_FONT, colors.text, va="center")
        for c, (value, target) in enumerate(cells):
            _cell(fig, colors, x=left + c * cell_w, y=y, w=cell_w, h=ROW_PX, height=height_px)
            if value is None:
                continue
            lo, hi = (min(nrr), max(nrr)) if c == len(table.periods) else (low, high)
            t = 0.0 if hi <= lo else max(0.0, min(1.0, (value - lo) / (hi - lo)))
            fill = _mix(colors.card, colors.series[0], 0.12 + 0.78 * t)
            missed = target is not None and value < target
            _cell(
                fig,
                colors,
                x=left + c * cell_w,
                y=y,
                w=cell_w,
                h=ROW_PX,
                height=height_px,
                fill=fill,
                missed=missed,
            )
            text = (
                _cell_text(table, value)
                if c < len(table.periods)
                else format_value(value, "percent", decimals=0)
            )
            if missed and target is not None and round(value) >= target:  # 94.7% must not read as 95%
                text = format_value(value, "percent", decimals=1)
            ink = "#FFFFFF" if t > 0.55 else colors.text
            put(
                left + (c + 0.5) * cell_w,
                y + ROW_PX / 2,
                text,
                VALUE_FONT if missed else TICK_FONT,
                ink,
                ha="center",
                va="center",
            )
    if marked:
        _legend(fig, colors, height=height_px, put=put)
    return fig


def _cell(
    fig: Figure,
    colors: Theme,
    *,
    x: float,
    y: float,
    w: float,
    h: float,
    height: float,
    fill: tuple[float, float, float] | None = None,
    missed: bool = False,
) -> None:
    width = fig.bbox.width
    inset = 3.0
    patch = Rectangle(
        ((x + inset) / width, (y + inset) / height),
        (w - 2 * inset) / width,
        (h - 2 * inset) / height,
        transform=fig.transFigure,
        facecolor=fill if fill is not None else "none",
        edgecolor=colors.critical if missed else (colors.grid if fill is None else "none"),
        linewidth=3.0 if missed else 1.0,
        linestyle="-" if fill is not None else (0, (2, 3)),
    )
    fig.patches.append(patch)


def _range(table: CohortTable, rows: list[list[tuple[float | None, float | None]]]) -> tuple[float, float]:
    count = len(table.periods)
    values = [v for cells in rows for v, _ in cells[:count] if v is not None]
    if table.kind is CohortKind.RETENTION:
        values = [v for cells in rows for v, _ in cells[1:count] if v is not None] or values
    return (min(values), max(values)) if values else (0.0, 1.0)


def _title(table: CohortTable) -> str:
    return {
        CohortKind.RETENTION: "Retention by signup cohort",
        CohortKind.REVENUE: "Revenue per customer by cohort",
        CohortKind.ADOPTION: "Feature adoption by week",
    }[table.kind]


def _subtitle(table: CohortTable) -> str:
    period = "month" if table.period_name == "Month" else "week"
    return f"Complete {period}s to {table.as_of:%-d %b %Y} · blank: not over yet"


def _legend(fig: Figure, colors: Theme, *, height: float, put: object) -> None:
    width = fig.bbox.width
    fig.patches.append(
        Rectangle(
            (PAD / width, (PAD - 8) / height),
            34 / width,
            30 / height,
            transform=fig.transFigure,
            facecolor="none",
            edgecolor=colors.critical,
            linewidth=3.0,
        )
    )
    put(PAD + 48, PAD + 7, "below target", TICK_FONT, colors.muted, va="center")  # type: ignore[operator]


def cohort_alt_text(table: CohortTable) -> str:
    lines = [f"{_title(table)}, {_subtitle(table)}."]
    for row in table.rows:
        cells = ", ".join(
            f"{table.period_name} {p}: {'not over' if v is None else _cell_text(table, v)}"
            for p, v in zip(table.periods, row.cells, strict=True)
        )
        lines.append(f"{row.label}: {cells}.")
    lines += [f"{line}." for line in table.insights]
    return clip_alt_text(" ".join(lines))


def render_cohort_heatmap(table: CohortTable, *, theme: str = "light") -> ChartImage:
    """The heatmap as a PNG card with its alt text."""
    fig = build_cohort_figure(table, theme=theme)
    png, width, height = encode_png(fig.canvas)  # type: ignore[arg-type]
    return ChartImage(
        png=png,
        alt_text=cohort_alt_text(table),
        filename=f"cohorts-{table.kind.value}-{table.as_of.isoformat()}.png",
        width=width,
        height=height,
    )
