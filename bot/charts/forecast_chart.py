"""Forecast and expected-range charts: actuals solid, the forecast dashed in a shaded 80% band, the target
as a thin line; for anomalies, the expected range shaded and values outside it marked.

    image = render_forecast_chart(result)                     # a KpiForecast
    image = render_range_chart(kpi, ranges, title="Daily active users")

Same card, fonts and colours as the KPI chart (bot/charts/theme.py); the legend spells out which line is
which, so the dashed forecast can never be read as data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.dates import MONTHLY, AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.charts.image import ChartImage, clip_alt_text, encode_png, new_card_figure
from bot.charts.theme import CHART_SIZE, LEGEND_FONT, SUBTITLE_FONT, TICK_FONT, TITLE_FONT, Theme, get_theme
from kpi_core.anomaly.detect import ExpectedRange
from kpi_core.config.models import KpiDefinition
from kpi_core.forecast.service import KpiForecast
from kpi_core.format import format_kpi_value
from kpi_core.periods import period_label

BAND_ALPHA = 0.18
RECT = (0.15, 0.19, 0.82, 0.58)  # axes in figure fractions: room for the title, legend and ticks


def render_forecast_chart(
    result: KpiForecast, *, history: Sequence[tuple[date, float]], theme: str = "light"
) -> ChartImage:
    """The last `history` values and the forecast after them, as a 1280 x 720 PNG card."""
    colors = get_theme(theme)
    fig, canvas = new_card_figure(*CHART_SIZE, theme=colors)
    kpi = result.kpi
    ax = fig.add_axes(RECT)
    _style(ax, kpi, colors)
    color = colors.series_color(0)
    if history:
        ax.plot(
            [date2num(p) for p, _ in history],
            [v for _, v in history],
            color=color,
            linewidth=2.6,
            solid_capstyle="round",
        )
    forecast = result.forecast
    if forecast is not None and forecast.points:
        xs = [date2num(p.period) for p in forecast.points]
        if history:  # join the dashed line to the last actual value
            xs = [date2num(history[-1][0]), *xs]
        anchor = [history[-1][1]] if history else []
        values = [*anchor, *(p.value for p in forecast.points)]
        lows = [*anchor, *(p.low for p in forecast.points)]
        highs = [*anchor, *(p.high for p in forecast.points)]
        ax.fill_between(xs, lows, highs, color=color, alpha=BAND_ALPHA, linewidth=0)
        ax.plot(xs, values, color=color, linewidth=2.4, linestyle=(0, (4, 2.5)))
    target = result.outlook.target if result.outlook is not None else kpi.target_at(result.today)
    if target is not None:
        ax.axhline(target, color=colors.target, linewidth=1.2, linestyle=(0, (1, 2)))
    subtitle = ""
    if forecast is not None:
        subtitle = f"Forecast after {period_label(forecast.through, kpi.grain)} · shaded: 80% range"
    _header(fig, kpi.name, subtitle, colors)
    _legend(
        fig,
        [("solid", "Actual", color), ("dashed", "Forecast", color)]
        + ([("dotted", "Target", colors.target)] if target is not None else []),
        colors,
    )
    png, width, height = encode_png(canvas)
    alt = f"{kpi.name}: forecast chart. " + (
        _forecast_alt(result) if forecast is not None else "Not enough history to forecast."
    )
    return ChartImage(
        png=png, alt_text=clip_alt_text(alt), filename=f"{kpi.key}-forecast.png", width=width, height=height
    )


def render_range_chart(
    kpi: KpiDefinition, ranges: Sequence[ExpectedRange], *, theme: str = "light"
) -> ChartImage:
    """Values against their expected range (shaded); values outside it are marked."""
    colors = get_theme(theme)
    fig, canvas = new_card_figure(*CHART_SIZE, theme=colors)
    ax = fig.add_axes(RECT)
    _style(ax, kpi, colors)
    color = colors.series_color(0)
    xs = [date2num(r.period) for r in ranges]
    ax.fill_between(
        xs,
        [r.low for r in ranges],
        [r.high for r in ranges],
        color=colors.muted,
        alpha=0.16,
        linewidth=0,
        step="mid",
    )
    ax.plot(
        xs, [r.value if r.value is not None else float("nan") for r in ranges], color=color, linewidth=2.0
    )
    odd = [r for r in ranges if r.anomalous and r.value is not None]
    ax.scatter(
        [date2num(r.period) for r in odd],
        [float(r.value or 0.0) for r in odd],
        s=70,
        color=colors.critical,
        zorder=5,
        edgecolors=colors.card,
        linewidths=1.5,
    )
    last = ranges[-1] if ranges else None
    subtitle = ""
    if last is not None:
        band = f"{format_kpi_value(kpi, last.low)}–{format_kpi_value(kpi, last.high)}"
        subtitle = f"Expected {band} on {period_label(last.period, kpi.grain)}"
    _header(fig, kpi.name, subtitle, colors)
    _legend(
        fig,
        [
            ("solid", "Actual", color),
            ("band", "Expected range", colors.muted),
            ("dot", "Outside it", colors.critical),
        ],
        colors,
    )
    png, width, height = encode_png(canvas)
    alt = f"{kpi.name}: values against their expected range; {len(odd)} outside it."
    return ChartImage(
        png=png,
        alt_text=clip_alt_text(alt),
        filename=f"{kpi.key}-expected-range.png",
        width=width,
        height=height,
    )


def _style(ax: Axes, kpi: KpiDefinition, theme: Theme) -> None:
    ax.set_facecolor(theme.card)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(theme.axis)
    ax.grid(axis="y", color=theme.grid, linewidth=1)
    ax.set_axisbelow(True)
    ax.tick_params(colors=theme.muted, length=0, pad=8)
    for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        label.set_fontproperties(TICK_FONT)
    locator = AutoDateLocator(minticks=3, maxticks=5)
    locator.intervald[MONTHLY] = [1, 2, 3, 4, 6, 12]  # two or three years of months: yearly ticks
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: format_kpi_value(kpi, value)))


def _tick_fonts(ax: Axes) -> None:
    for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        label.set_fontproperties(TICK_FONT)


def _header(fig: Figure, title: str, subtitle: str, theme: Theme) -> None:
    fig.text(0.035, 0.9, title, fontproperties=TITLE_FONT, color=theme.text, va="bottom")
    if subtitle:
        fig.text(0.035, 0.86, subtitle, fontproperties=SUBTITLE_FONT, color=theme.muted, va="top")
    for ax in fig.axes:
        _tick_fonts(ax)


def _legend(fig: Figure, entries: list[tuple[str, str, str]], theme: Theme) -> None:
    """A one-line key along the bottom: a short stroke or swatch per entry, then its name."""
    x = 0.035
    for style, name, color in entries:
        y = 0.045
        if style in ("solid", "dashed", "dotted"):
            dashes: dict[str, tuple[float, Sequence[float]]] = {
                "solid": (0, ()),
                "dashed": (0, (4, 2.5)),
                "dotted": (0, (1, 2)),
            }
            dash = dashes[style]
            fig.add_artist(_stroke(fig, x, y, color, dash))
        elif style == "band":
            fig.patches.append(_swatch(fig, x, y, color))
        else:
            fig.add_artist(_dot(fig, x, y, color))
        text = fig.text(x + 0.05, y, name, fontproperties=LEGEND_FONT, color=theme.muted, va="center")
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        x += 0.05 + text.get_window_extent(renderer).width / fig.bbox.width + 0.04


def _stroke(fig: Figure, x: float, y: float, color: str, dash: tuple[float, Sequence[float]]) -> Artist:
    return Line2D(
        [x, x + 0.04], [y, y], transform=fig.transFigure, color=color, linewidth=2.4, linestyle=dash
    )


def _swatch(fig: Figure, x: float, y: float, color: str) -> Rectangle:
    return Rectangle(
        (x, y - 0.02), 0.04, 0.04, transform=fig.transFigure, color=color, alpha=0.3, linewidth=0
    )


def _dot(fig: Figure, x: float, y: float, color: str) -> Artist:
    return Line2D(
        [x + 0.02], [y], transform=fig.transFigure, marker="o", markersize=7, color=color, linewidth=0
    )


def _forecast_alt(result: KpiForecast) -> str:
    forecast = result.forecast
    assert forecast is not None
    kpi = result.kpi
    last = forecast.points[-1]
    return (
        f"Forecast for {period_label(last.period, kpi.grain)}: {format_kpi_value(kpi, last.value)} "
        f"(80% range {format_kpi_value(kpi, last.low)} to {format_kpi_value(kpi, last.high)})."
    )
