"""The chart of one KPI for its card: the series, its target, threshold bands and the latest value.

    image = render_kpi_chart(snapshot)            # ChartImage(png, alt_text, filename, 1280, 720)
    slack_upload(image.png, alt_text=image.alt_text)

A KPI with no value in its window still gets an image (a short "No data yet" card, 1280 x 400), so every
card can be laid out the same way; callers that prefer to skip it can test `has_chart_data(snapshot)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from bot.charts.alt_text import kpi_alt_text
from bot.charts.data import chart_series
from bot.charts.draw import KEY_DASH, target_key
from bot.charts.image import ChartImage, clip_alt_text, encode_png, new_card_figure, text_size
from bot.charts.labels import place_target_label, target_text
from bot.charts.plot import PlotPlan, draw_plot, label_width, last_label_width, plan_plot, tick_overhang
from bot.charts.theme import (
    CHART_SIZE,
    DPI,
    EMPTY_FONT,
    LABEL_FONT,
    SUBTITLE_FONT,
    TICK_FONT,
    TITLE_FONT,
    Theme,
    get_theme,
)
from kpi_core.format import format_kpi_value
from kpi_core.snapshot import KpiSnapshot

PAD_X, PAD_TOP, PAD_BOTTOM = 40.0, 32.0, 26.0  # card padding in pixels at DPI
TICK_PAD = 8 * DPI / 72  # draw.style_axes pads tick labels by 8 pt
EMPTY_HEIGHT = 2.0


def has_chart_data(snapshot: KpiSnapshot) -> bool:
    """True when the snapshot has at least one value to draw."""
    return chart_series(snapshot) is not None


def render_kpi_chart(
    snapshot: KpiSnapshot, *, theme: str = "light", size: tuple[float, float] = CHART_SIZE
) -> ChartImage:
    """Render the KPI's series as a 1280 x 720 PNG card (2x retina of Slack's 640 px image width).

    `size` is in inches at 200 dpi: (8, 4.5) gives 1600 x 900 with the same text sizes and more room.
    """
    fig = build_kpi_figure(snapshot, theme=theme, size=size)
    png, width, height = encode_png(fig.canvas)  # type: ignore[arg-type]
    series = chart_series(snapshot)
    return ChartImage(
        png=png,
        alt_text=clip_alt_text(kpi_alt_text(snapshot, series)),
        filename=f"{snapshot.kpi.key}-{series.periods[-1].isoformat() if series else 'no-data'}.png",
        width=width,
        height=height,
    )


def build_kpi_figure(
    snapshot: KpiSnapshot, *, theme: str = "light", size: tuple[float, float] = CHART_SIZE
) -> Figure:
    """The figure render_kpi_chart encodes (on an Agg canvas), for callers and tests that inspect it."""
    colors = get_theme(theme)
    plan = plan_plot([snapshot], kind="line", theme=colors)
    if plan is None:
        return _build_empty(snapshot, theme=colors)
    fig, canvas = new_card_figure(*size, theme=colors)
    renderer = canvas.get_renderer()
    width = fig.bbox.width
    title, subtitle = snapshot.kpi.name, _subtitle(snapshot, plan)
    header = _layout_header(renderer, fig, title, subtitle, key=None)
    x_label_height = text_size(renderer, "Jg'26", TICK_FONT)[1]
    rect = (
        PAD_X + label_width(renderer, plan, 0) + TICK_PAD,
        PAD_BOTTOM + x_label_height + TICK_PAD,
        width - PAD_X - max(last_label_width(renderer, plan) - 20, tick_overhang(renderer, plan)),
        header.bottom - 30,
    )
    label = place_target_label(plan, rect, renderer)
    key = target_text(plan) if label is None else None
    if key is not None:
        # No clear spot on the plot: the header names the dashed line instead.
        header = _layout_header(renderer, fig, title, subtitle, key=key)
        rect = (*rect[:3], header.bottom - 30)
    _draw_header(fig, header, theme=colors)
    draw_plot(fig, renderer, plan, rect, theme=colors, label_last=True, target_label=label)
    return fig


@dataclass(frozen=True)
class _Header:
    items: tuple[tuple[str, str, float, float], ...]  # (role, text, x px, baseline px)
    bottom: float


def _subtitle(snapshot: KpiSnapshot, plan: PlotPlan | None) -> str:
    kpi = snapshot.kpi
    notes = [kpi.grain.capitalize()]
    if kpi.direction == "lower":
        notes.append("lower is better")
    if plan is not None and plan.targets and not plan.axes[0].target_in_view:
        target = next((t for t in reversed(plan.targets) if t is not None), None)
        if target is not None:
            notes.append(f"target {format_kpi_value(kpi, target)} (off scale)")
    if snapshot.stale:
        notes.append("stale")
    if snapshot.source_error:
        notes.append("last refresh failed")
    return " · ".join(notes)


def _layout_header(
    renderer: RendererAgg, fig: Figure, title: str, subtitle: str, *, key: str | None
) -> _Header:
    """Title, then the subtitle on the same line if it fits (else below), then the target key at the
    right of the last line if it fits (else on a line of its own)."""
    avail = fig.bbox.width - 2 * PAD_X
    title = _fit(renderer, title, TITLE_FONT, avail)
    title_width, title_height = text_size(renderer, title, TITLE_FONT)
    subtitle = _fit(renderer, subtitle, SUBTITLE_FONT, avail)
    sub_width, sub_height = text_size(renderer, subtitle, SUBTITLE_FONT)
    line_step = sub_height * 1.55
    baseline = fig.bbox.height - PAD_TOP - title_height * 0.82
    items = [("title", title, PAD_X, baseline)]
    used = title_width
    if title_width + 20 + sub_width <= avail:
        items.append(("subtitle", subtitle, PAD_X + title_width + 20, baseline))
        used += 20 + sub_width
    else:
        baseline -= line_step
        items.append(("subtitle", subtitle, PAD_X, baseline))
        used = sub_width
    if key is not None:
        key_width = text_size(renderer, key, LABEL_FONT)[0] + KEY_DASH + 12
        if used + 48 + key_width > avail:
            baseline -= line_step
        items.append(("key", key, fig.bbox.width - PAD_X, baseline))
    return _Header(items=tuple(items), bottom=baseline - sub_height * 0.35)


def _draw_header(fig: Figure, header: _Header, *, theme: Theme) -> None:
    width, height = fig.bbox.width, fig.bbox.height
    for role, text, x, baseline in header.items:
        if role == "key":
            target_key(fig, text, x_px=x, y_px=baseline + 12, theme=theme, align="right")
            continue
        font, color = (TITLE_FONT, theme.text) if role == "title" else (SUBTITLE_FONT, theme.muted)
        fig.text(
            x / width,
            baseline / height,
            text,
            fontproperties=font,
            color=color,
            va="baseline",
            parse_math=False,
        )


def _fit(renderer: RendererAgg, text: str, font: FontProperties, width: float) -> str:
    """`text`, cut with an ellipsis if it is wider than `width` pixels."""
    if text_size(renderer, text, font)[0] <= width:
        return text
    while len(text) > 1 and text_size(renderer, text + "…", font)[0] > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _build_empty(snapshot: KpiSnapshot, *, theme: Theme) -> Figure:
    """A short card: the header, and "No data yet" (or "No data (source error)") where the plot would be."""
    fig, canvas = new_card_figure(CHART_SIZE[0], EMPTY_HEIGHT, theme=theme)
    renderer = canvas.get_renderer()
    header = _layout_header(renderer, fig, snapshot.kpi.name, _subtitle(snapshot, None), key=None)
    _draw_header(fig, header, theme=theme)
    message = "No data (source error)" if snapshot.source_error else "No data yet"
    fig.text(
        0.5,
        header.bottom / 2 / fig.bbox.height,
        message,
        fontproperties=EMPTY_FONT,
        color=theme.muted,
        ha="center",
        va="center",
        parse_math=False,
    )
    return fig
