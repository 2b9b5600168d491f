"""Sparklines for tables: a text one for Slack messages (free) and a tiny PNG one (cheap, no text).

sparkline_text(snapshot)  # "▂▃▃▄▅ ▆▆▇█"  (a space where a period is missing)
"""

from __future__ import annotations

import math

from bot.charts.alt_text import series_summary
from bot.charts.data import chart_series
from bot.charts.image import ChartImage, encode_png, new_card_figure
from bot.charts.scales import x_of
from bot.charts.theme import SPARKLINE_SIZE, get_theme
from kpi_core.snapshot import KpiSnapshot

BLOCKS = "▁▂▃▄▅▆▇█"
GAP = " "


def sparkline_text(snapshot: KpiSnapshot, *, width: int = 12) -> str:
    """The last `width` periods as block characters; a missing period is a space; "" without data."""
    series = chart_series(snapshot)
    if series is None:
        return ""
    values = series.values[-width:]
    known = [v for v in values if v is not None]
    if not known:
        return GAP * len(values)
    low, high = min(known), max(known)
    span = high - low
    out = []
    for value in values:
        if value is None:
            out.append(GAP)
        elif span == 0:
            out.append(BLOCKS[len(BLOCKS) // 2])
        else:
            out.append(BLOCKS[math.floor((value - low) / span * (len(BLOCKS) - 1) + 0.5)])
    return "".join(out)


def render_sparkline(snapshot: KpiSnapshot, *, theme: str = "light") -> ChartImage | None:
    """A 320 x 80 px line with the latest point dotted, on a small card; None without data."""
    colors = get_theme(theme)
    series = chart_series(snapshot)
    if series is None:
        return None
    fig, canvas = new_card_figure(*SPARKLINE_SIZE, theme=colors, radius_px=12)
    ax = fig.add_axes((0.06, 0.15, 0.86, 0.7))
    ax.set_axis_off()
    xs = [x_of(p) for p in series.periods]
    ys = [math.nan if v is None else v for v in series.values]
    color = colors.series_color(0)
    ax.plot(xs, ys, color=color, linewidth=2.2, solid_capstyle="round")
    period, value = series.known[-1]
    ax.plot([x_of(period)], [value], marker="o", markersize=5, color=color)
    ax.margins(x=0.02, y=0.12)
    png, width, height = encode_png(canvas)
    return ChartImage(
        png=png,
        alt_text=series_summary(snapshot),
        filename=f"{snapshot.kpi.key}-sparkline.png",
        width=width,
        height=height,
    )
