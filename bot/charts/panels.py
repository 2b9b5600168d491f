"""Composed figures: several titled panels in one image, for the dashboard and the digests.

    image = render_panels([Panel("Revenue trend", (mrr,)), Panel("New customers", (new,), kind="bar"),
                           Panel("Engagement", (dau_mau,)), Panel("Efficiency", (ltv_cac,))],
                          title="Weekly business review")

Panels go two to a row (a 2x2 grid for four, 1x2 for two); an odd last panel takes the full width. Two
columns is the most a phone can read: a 1x3 strip shrinks each panel to ~120 px wide at 360 px.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bot.charts.alt_text import series_summary
from bot.charts.draw import target_key
from bot.charts.image import ChartImage, clip_alt_text, encode_png, new_card_figure, text_size
from bot.charts.labels import place_target_label, target_text
from bot.charts.plot import ChartDataError, PlotPlan, draw_plot, label_width, plan_plot, tick_overhang
from bot.charts.theme import (
    DPI,
    EMPTY_FONT,
    LEGEND_FONT,
    PANEL_ROW_HEIGHT,
    PANEL_TITLE_FONT,
    PANEL_WIDTH,
    TICK_FONT,
    TITLE_FONT,
    Theme,
    get_theme,
)
from kpi_core.format import format_kpi_value
from kpi_core.snapshot import KpiSnapshot

PAD_X, PAD_TOP, PAD_BOTTOM = 40.0, 32.0, 22.0
COLUMN_GAP, ROW_GAP = 56.0, 34.0
TICK_PAD = 8 * DPI / 72
HEADER_HEIGHT = 0.55  # inches, when the figure has a title
MAX_PANELS = 8


@dataclass(frozen=True)
class Panel:
    """One titled panel: one or more KPIs (a legend names them when there are several), line or bar."""

    title: str
    snapshots: tuple[KpiSnapshot, ...]
    kind: Literal["line", "bar"] = "line"


def render_panels(panels: Sequence[Panel], *, title: str | None = None, theme: str = "light") -> ChartImage:
    """Render the panels as one PNG, 1280 px wide (2x2 with a title: 1280 x 1050)."""
    fig = build_panels_figure(panels, title=title, theme=theme)
    png, width, height = encode_png(fig.canvas)  # type: ignore[arg-type]
    return ChartImage(
        png=png,
        alt_text=clip_alt_text(panels_alt_text(panels, title=title)),
        filename=f"{_slug(title or 'chart')}.png",
        width=width,
        height=height,
    )


def build_panels_figure(panels: Sequence[Panel], *, title: str | None = None, theme: str = "light") -> Figure:
    """The figure render_panels encodes. ValueError for no panels, too many, or a panel it cannot draw."""
    colors = get_theme(theme)
    if not panels:
        raise ValueError("render_panels needs at least one panel")
    if len(panels) > MAX_PANELS:
        raise ValueError(f"render_panels draws at most {MAX_PANELS} panels, got {len(panels)}")
    plans: list[PlotPlan | None] = []
    for panel in panels:
        if panel.kind not in ("line", "bar"):
            raise ValueError(f"panel {panel.title!r}: kind must be 'line' or 'bar', not {panel.kind!r}")
        try:
            plans.append(plan_plot(panel.snapshots, kind=panel.kind, theme=colors))
        except ChartDataError as error:
            raise ValueError(f"panel {panel.title!r}: {error}") from None
    columns = 1 if len(panels) == 1 else 2
    rows = math.ceil(len(panels) / columns)
    header = HEADER_HEIGHT if title else 0.0
    fig, canvas = new_card_figure(PANEL_WIDTH, header + rows * PANEL_ROW_HEIGHT + 0.1, theme=colors)
    renderer = canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    top = height - PAD_TOP
    if title:
        fig.text(
            PAD_X / width,
            top / height,
            title,
            fontproperties=TITLE_FONT,
            color=colors.text,
            va="top",
            parse_math=False,
        )
        top -= header * DPI - 4
    row_height = (top - PAD_BOTTOM - ROW_GAP * (rows - 1)) / rows
    column_width = (width - 2 * PAD_X - COLUMN_GAP * (columns - 1)) / columns
    for index, (panel, plan) in enumerate(zip(panels, plans, strict=True)):
        row, column = divmod(index, columns)
        wide = columns == 2 and index == len(panels) - 1 and len(panels) % 2 == 1
        left = PAD_X + column * (column_width + COLUMN_GAP)
        right = width - PAD_X if wide else left + column_width
        cell_top = top - row * (row_height + ROW_GAP)
        cell = (left, cell_top - row_height, right, cell_top)
        _draw_panel(fig, renderer, panel, plan, cell, theme=colors)
    return fig


def panels_alt_text(panels: Sequence[Panel], *, title: str | None = None) -> str:
    """ "Executive dashboard. Revenue trend: MRR rose from $310K to $480K (+55%). ..." """
    sentences = [title] if title else []
    for panel in panels:
        summaries = ", ".join(series_summary(s) for s in panel.snapshots) or "no data"
        sentences.append(f"{panel.title}: {summaries}")
    return ". ".join(sentences) + "."


def _draw_panel(
    fig: Figure,
    renderer: RendererAgg,
    panel: Panel,
    plan: PlotPlan | None,
    cell: tuple[float, float, float, float],
    *,
    theme: Theme,
) -> None:
    width, height = fig.bbox.width, fig.bbox.height
    left, bottom, right, top = cell
    title_height = text_size(renderer, panel.title, PANEL_TITLE_FONT)[1]
    fig.text(
        left / width,
        top / height,
        panel.title,
        fontproperties=PANEL_TITLE_FONT,
        color=theme.text,
        va="top",
        parse_math=False,
    )
    if plan is not None and plan.single is not None:
        # The latest value heads the panel, right-aligned, instead of crowding the small plot.
        entry = plan.single
        latest = format_kpi_value(entry.snapshot.kpi, entry.series.known[-1][1])
        fig.text(
            right / width,
            top / height,
            latest,
            fontproperties=PANEL_TITLE_FONT,
            color=entry.color,
            ha="right",
            va="top",
            parse_math=False,
        )
    top -= title_height + 14
    if plan is None:
        fig.text(
            (left + right) / 2 / width,
            (top + bottom) / 2 / height,
            "No data (source error)" if any(x.source_error for x in panel.snapshots) else "No data yet",
            fontproperties=EMPTY_FONT,
            color=theme.muted,
            ha="center",
            va="center",
            parse_math=False,
        )
        return
    if len(plan.entries) > 1:
        top = _draw_legend(fig, renderer, plan, left=left, right=right, top=top, theme=theme) - 10
    x_label_height = text_size(renderer, "Jg'26", TICK_FONT)[1]
    right_labels = label_width(renderer, plan, 1) + TICK_PAD if len(plan.axes) > 1 else 0.0
    rect = (
        left + label_width(renderer, plan, 0) + TICK_PAD,
        bottom + x_label_height + TICK_PAD,
        right - max(right_labels, tick_overhang(renderer, plan) - 24, 4),
        top - 10,
    )
    label = place_target_label(plan, rect, renderer)
    key = target_text(plan)
    if label is None and key is not None:
        # No clear spot on this small plot: a key row under the title names the dashed line instead.
        key_height = text_size(renderer, key, LEGEND_FONT)[1]
        target_key(fig, key, x_px=left, y_px=top - key_height / 2, theme=theme)
        rect = (*rect[:3], rect[3] - key_height - 14)
    draw_plot(fig, renderer, plan, rect, theme=theme, target_label=label)


def _draw_legend(
    fig: Figure, renderer: RendererAgg, plan: PlotPlan, *, left: float, right: float, top: float, theme: Theme
) -> float:
    """Colour keys and names in a row, wrapping as needed; returns the pixel y under the last row."""
    width, height = fig.bbox.width, fig.bbox.height
    line_height = text_size(renderer, "Jg", LEGEND_FONT)[1] * 1.25
    key = line_height * 0.55
    x, y = left, top - line_height
    for entry in plan.entries:
        latest = format_kpi_value(entry.snapshot.kpi, entry.series.known[-1][1])
        name = f"{entry.snapshot.kpi.name}{' (right)' if entry.axis == 1 else ''} {latest}"
        name_width = text_size(renderer, name, LEGEND_FONT)[0]
        if x > left and x + key + 10 + name_width > right:
            x, y = left, y - line_height
        fig.patches.append(
            Rectangle(
                (x / width, (y + line_height * 0.2) / height),
                key / width,
                key / height,
                transform=fig.transFigure,
                facecolor=entry.color,
                edgecolor="none",
            )
        )
        fig.text(
            (x + key + 10) / width,
            (y + line_height * 0.2 + key / 2) / height,
            name,
            fontproperties=LEGEND_FONT,
            color=theme.muted,
            va="center",
            parse_math=False,
        )
        x += key + 10 + name_width + 28
    return y


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"
