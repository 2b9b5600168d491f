"""The health score card: the overall score and band, and one bar per category on the same 0-100 scale
with the band boundaries (50 FAIR, 70 GOOD, 85 EXCELLENT) marked. 14 pt text at the smallest."""

from __future__ import annotations

from typing import Any

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
from kpi_core.health import BAND_FLOORS, Band, HealthScore

WIDTH_IN = 6.4
PAD = 40.0
ROW_PX = 62.0
TOP_PX = 150.0
AXIS_PX = 70.0


def _band_color(theme: Theme, band: Band) -> str:
    return {
        Band.EXCELLENT: theme.series[2],
        Band.GOOD: theme.series[2],
        Band.FAIR: theme.warning,
        Band.POOR: theme.critical,
    }[band]


def build_health_figure(score: HealthScore, *, theme: str = "light") -> Figure:
    colors = get_theme(theme)
    height = TOP_PX + ROW_PX * max(1, len(score.categories)) + AXIS_PX
    fig, canvas = new_card_figure(WIDTH_IN, height / DPI, theme=colors)
    renderer = canvas.get_renderer()
    width = fig.bbox.width

    def put(x: float, y: float, text: str, font: Any, color: Any, **kw: Any) -> None:
        fig.text(x / width, y / height, text, fontproperties=font, color=color, parse_math=False, **kw)

    def box(x: float, y: float, w: float, h: float, **kw: Any) -> None:
        fig.patches.append(
            Rectangle((x / width, y / height), w / width, h / height, transform=fig.transFigure, **kw)
        )

    put(PAD, height - PAD - 30, "Company health", TITLE_FONT, colors.text, va="baseline")
    overall = f"{score.band.value} · {score.score:.0f}/100"
    put(
        width - PAD,
        height - PAD - 30,
        overall,
        TITLE_FONT,
        _band_color(colors, score.band),
        ha="right",
        va="baseline",
    )
    put(
        PAD,
        height - PAD - 70,
        "Per category, 0-100 · bands: 50 fair, 70 good, 85 excellent",
        SUBTITLE_FONT,
        colors.muted,
        va="baseline",
    )
    names = [c.category.replace("_", " ").title() for c in score.categories]
    left = PAD + max([text_size(renderer, n, LABEL_FONT)[0] for n in names] or [0.0]) + 20
    right = width - PAD - text_size(renderer, "100", VALUE_FONT)[0] - 16
    span = right - left
    top = height - TOP_PX
    bottom = AXIS_PX
    for floor, _band in BAND_FLOORS:
        x = left + span * floor / 100
        fig.add_artist(
            Rectangle(
                (x / width, bottom / height),
                0.0,
                (top - bottom) / height,
                transform=fig.transFigure,
                edgecolor=colors.axis,
                linewidth=1.2,
                linestyle=(0, (3, 3)),
                facecolor="none",
            )
        )
        put(x, bottom - 34, f"{floor:g}", TICK_FONT, colors.muted, ha="center", va="baseline")
    for i, (name, category) in enumerate(zip(names, score.categories, strict=True)):
        y = top - (i + 1) * ROW_PX
        box(left, y + 12, span, ROW_PX - 24, facecolor=colors.grid, edgecolor="none")
        box(
            left,
            y + 12,
            span * category.score / 100,
            ROW_PX - 24,
            facecolor=_band_color(colors, category.band),
            edgecolor="none",
        )
        put(PAD, y + ROW_PX / 2, name, LABEL_FONT, colors.text, va="center")
        put(right + 10, y + ROW_PX / 2, f"{category.score:.0f}", VALUE_FONT, colors.text, va="center")
    return fig


def health_alt_text(score: HealthScore) -> str:
    parts = [f"Company health {score.band.value}, {score.score:.0f} out of 100."]
    parts += [f"{c.category}: {c.score:.0f} ({c.band.value})." for c in score.categories]
    if score.drags:
        parts.append("Largest drags: " + ", ".join(f"{k.name} (-{k.drag:.0f})" for k in score.drags) + ".")
    return clip_alt_text(" ".join(parts))


def render_health_chart(score: HealthScore, *, theme: str = "light") -> ChartImage:
    fig = build_health_figure(score, theme=theme)
    png, width, height = encode_png(fig.canvas)  # type: ignore[arg-type]
    return ChartImage(
        png=png, alt_text=health_alt_text(score), filename="health.png", width=width, height=height
    )
