"""Drawing primitives on one Axes: axes style, ticks, series, target, threshold bands, last value.

Every Text is created with parse_math=False: "$" is a currency sign here, never a mathtext delimiter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bot.charts.data import ChartSeries
from bot.charts.image import text_size
from bot.charts.scales import period_width, x_of
from bot.charts.theme import LABEL_FONT, TICK_FONT, VALUE_FONT, Theme
from kpi_core.config.models import KpiDefinition
from kpi_core.format import format_kpi_value

if TYPE_CHECKING:
    from bot.charts.labels import TargetLabel
    from bot.charts.plot import Entry

LINE_WIDTH = 3.2
LAST_LABEL_OFFSET = 10  # points between the last mark and its value
TARGET_WIDTH = 2.0
KEY_DASH = 66.0  # pixels of dashed line in a target key
TARGET_DASHES = (0, (4, 2.5))
_NAN = math.nan


def style_axes(ax: Axes, *, theme: Theme, grid: bool = True) -> None:
    """No frame, no tick marks; light horizontal gridlines behind the data; a thin baseline."""
    ax.set_facecolor((0, 0, 0, 0))
    for name, spine in ax.spines.items():
        spine.set_visible(name == "bottom")
        spine.set_color(theme.axis)
        spine.set_linewidth(1.2)
    ax.tick_params(axis="both", length=0, pad=8, colors=theme.muted)
    ax.set_axisbelow(True)
    if grid:
        ax.yaxis.grid(True, color=theme.grid, linewidth=1.1)
    ax.xaxis.grid(False)
    ax.set_autoscale_on(False)


def y_axis(
    ax: Axes, ticks: Sequence[float], labels: Sequence[str], *, theme: Theme, side: str = "left"
) -> None:
    ax.set_yticks(list(ticks), list(labels), fontproperties=TICK_FONT, color=theme.muted, parse_math=False)
    if side == "right":
        ax.yaxis.tick_right()
        ax.tick_params(axis="y", length=0, pad=8, colors=theme.muted)


def x_axis(ax: Axes, ticks: Sequence[tuple[float, str]], *, theme: Theme) -> None:
    ax.set_xticks(
        [x for x, _ in ticks],
        [label for _, label in ticks],
        fontproperties=TICK_FONT,
        color=theme.muted,
        parse_math=False,
    )


def line(ax: Axes, series: ChartSeries, *, color: str, theme: Theme) -> Line2D:
    """The series as one line; None values are NaN, so the line breaks there (no zero-fill, no bridging).

    A value with gaps on both sides would be invisible as a line, so it gets a dot.
    """
    xs = [x_of(p) for p in series.periods]
    ys = [_NAN if v is None else v for v in series.values]
    (drawn,) = ax.plot(
        xs, ys, color=color, linewidth=LINE_WIDTH, solid_capstyle="round", solid_joinstyle="round", zorder=3
    )
    values = series.values
    lonely = [
        i
        for i, v in enumerate(values)
        if v is not None
        and (i == 0 or values[i - 1] is None)
        and (i == len(values) - 1 or values[i + 1] is None)
    ]
    if lonely:
        ax.plot(
            [xs[i] for i in lonely],
            [ys[i] for i in lonely],
            linestyle="none",
            marker="o",
            markersize=6,
            color=color,
            zorder=3,
        )
    return drawn


def bars(ax: Axes, series: ChartSeries, *, color: str, slot: int, slots: int) -> None:
    """Bars for flows; a missing period has no bar (an empty slot, not a zero)."""
    # One PolyCollection rather than ax.bar's patch per bar: a year of daily bars stays cheap.
    polygons = []
    for period, value in series.known:
        width = period_width(period, series.grain) * 0.74 / slots
        left = x_of(period) + (slot - (slots - 1) / 2) * width - width / 2
        polygons.append([(left, 0.0), (left, value), (left + width, value), (left + width, 0.0)])
    ax.add_collection(PolyCollection(polygons, facecolors=color, linewidths=0, zorder=3), autolim=False)


def threshold_bands(ax: Axes, kpi: KpiDefinition, *, low: float, high: float, theme: Theme) -> None:
    """Shade the warning and critical zones, on the side direction makes bad, clipped to the view."""
    warning, critical = kpi.thresholds.warning, kpi.thresholds.critical
    zones: list[tuple[float, float, str, float]] = []
    if kpi.direction == "higher":
        if critical is not None:
            zones.append((low, critical, theme.critical, theme.critical_alpha))
        if warning is not None:
            zones.append(
                (
                    max(low, critical if critical is not None else low),
                    warning,
                    theme.warning,
                    theme.warning_alpha,
                )
            )
    else:
        if critical is not None:
            zones.append((critical, high, theme.critical, theme.critical_alpha))
        if warning is not None:
            top = min(high, critical) if critical is not None else high
            zones.append((warning, top, theme.warning, theme.warning_alpha))
    for start, end, color, alpha in zones:
        start, end = max(start, low), min(end, high)
        if end > start:
            ax.axhspan(start, end, facecolor=color, alpha=alpha, linewidth=0, zorder=0)


def target_line(ax: Axes, series: ChartSeries, targets: Sequence[float | None], *, theme: Theme) -> None:
    """A dashed target across the plot; a dated progression is a dashed step line."""
    if all(t is None for t in targets):
        return
    xs = [x_of(p) for p in series.periods]
    ys = [_NAN if t is None else t for t in targets]
    ax.plot(
        [ax.get_xlim()[0], *xs],
        [ys[0], *ys],
        drawstyle="steps-mid" if len(set(ys)) > 1 else "default",
        color=theme.target,
        linewidth=TARGET_WIDTH,
        linestyle=TARGET_DASHES,
        zorder=2,
    )


def target_label(ax: Axes, label: TargetLabel, *, theme: Theme) -> None:
    ax.annotate(
        label.text,
        xy=(label.x, label.y),
        xytext=(0, 5 if label.above else -5),
        textcoords="offset points",
        ha="left",
        va="bottom" if label.above else "top",
        fontproperties=LABEL_FONT,
        color=theme.target,
        parse_math=False,
        zorder=4,
    )


def target_key(
    fig: Figure, text: str, *, x_px: float, y_px: float, theme: Theme, align: str = "left"
) -> float:
    """A dashed key and the target text at pixel (x, y) of the figure (y is the text's vertical centre),
    for when the label has no clear spot in the plot. Returns the key's width in pixels."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    text_width = text_size(renderer, text, LABEL_FONT)[0]
    dash = KEY_DASH
    total = dash + 12 + text_width
    left = x_px - total if align == "right" else x_px
    width, height = fig.bbox.width, fig.bbox.height
    fig.lines.append(
        Line2D(
            [left / width, (left + dash) / width],
            [y_px / height] * 2,
            transform=fig.transFigure,
            color=theme.target,
            linewidth=TARGET_WIDTH,
            linestyle=TARGET_DASHES,
        )
    )
    fig.text(
        (left + dash + 12) / width,
        y_px / height,
        text,
        fontproperties=LABEL_FONT,
        color=theme.target,
        va="center",
        parse_math=False,
    )
    return total


def last_value(ax: Axes, entry: Entry, *, kind: Literal["line", "bar"], theme: Theme, label: bool) -> None:
    """Mark the latest value; with `label`, write it just right of the mark (the layout keeps room)."""
    period, value = entry.series.known[-1]
    x = x_of(period)
    if kind == "line":
        ax.plot(
            [x],
            [value],
            marker="o",
            markersize=11,
            color=entry.color,
            markeredgecolor=theme.card,
            markeredgewidth=2.5,
            zorder=5,
        )
    if not label:
        return
    ax.annotate(
        format_kpi_value(entry.snapshot.kpi, value),
        xy=(x, value),
        xytext=(LAST_LABEL_OFFSET, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontproperties=VALUE_FONT,
        color=theme.text,
        parse_math=False,
        zorder=6,
        annotation_clip=False,
    )
