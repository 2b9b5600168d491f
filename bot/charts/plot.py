"""One plot area: plan it (ranges, ticks, labels) before any axes exist, then draw it at a pixel rectangle.

Planning first lets the layout measure the real tick labels and place the axes by hand, which is much
cheaper than constrained or tight layout (no extra draw passes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure

from bot.charts import draw
from bot.charts.data import ChartSeries, chart_series
from bot.charts.image import text_size
from bot.charts.labels import TargetLabel
from bot.charts.scales import value_labels, value_range, widest_tick_label, x_limits, x_ticks
from bot.charts.theme import TICK_FONT, VALUE_FONT, Theme
from kpi_core.config.models import Grain
from kpi_core.format import format_kpi_value
from kpi_core.snapshot import KpiSnapshot

Kind = Literal["line", "bar"]
_GRAIN_ORDER: dict[str, int] = {"daily": 0, "weekly": 1, "monthly": 2, "quarterly": 3}


@dataclass(frozen=True)
class AxisPlan:
    unit: str
    scale: float | None
    low: float
    high: float
    ticks: list[float]
    labels: list[str]
    target_in_view: bool


@dataclass(frozen=True)
class Entry:
    snapshot: KpiSnapshot
    series: ChartSeries
    color: str
    axis: int  # 0: left axis, 1: right axis (a second unit)


@dataclass(frozen=True)
class PlotPlan:
    kind: Kind
    grain: Grain
    first: date
    last: date
    entries: tuple[Entry, ...]
    axes: tuple[AxisPlan, ...]
    targets: tuple[float | None, ...]  # per period of the single series: flat target or a progression

    @property
    def single(self) -> Entry | None:
        """The one series when there is exactly one: only then are target, bands and last value drawn."""
        return self.entries[0] if len(self.entries) == 1 else None


class ChartDataError(ValueError):
    """The series cannot be drawn together (e.g. more than two units in one panel)."""


def plan_plot(snapshots: Sequence[KpiSnapshot], *, kind: Kind, theme: Theme) -> PlotPlan | None:
    """The plan for these series, or None when none of them has a value."""
    charted = [(s, c) for s in snapshots if (c := chart_series(s)) is not None]
    if not charted:
        return None
    units: list[str] = []
    for snapshot, _ in charted:
        if snapshot.kpi.unit not in units:
            units.append(snapshot.kpi.unit)
    if len(units) > 2:
        names = ", ".join(f"{s.kpi.name} ({s.kpi.unit})" for s, _ in charted)
        raise ChartDataError(f"one panel can show at most two units, got {len(units)}: {names}")
    entries = tuple(
        Entry(snapshot=s, series=c, color=theme.series_color(i), axis=units.index(s.kpi.unit))
        for i, (s, c) in enumerate(charted)
    )
    grain: Grain = max((e.snapshot.kpi.grain for e in entries), key=lambda g: _GRAIN_ORDER[g])
    first = min(e.series.periods[0] for e in entries)
    last = max(e.series.periods[-1] for e in entries)
    targets: tuple[float | None, ...] = ()
    if len(entries) == 1:
        targets = _targets(entries[0])
    axes = []
    for index, unit in enumerate(units):
        values = [v for e in entries if e.axis == index for _, v in e.series.known]
        extras = [t for t in targets if t is not None] if index == 0 else []
        low, high, ticks, kept = value_range(
            values, extras=sorted(set(extras)), from_zero=kind == "bar", headroom=0.18 if targets else 0.14
        )
        scale = next(e.snapshot.kpi.scale for e in entries if e.axis == index)
        axes.append(
            AxisPlan(
                unit=unit,
                scale=scale,
                low=low,
                high=high,
                ticks=ticks,
                labels=value_labels(ticks, unit, scale=scale),
                target_in_view=bool(extras) and len(kept) == len(set(extras)),
            )
        )
    return PlotPlan(kind, grain, first, last, entries, tuple(axes), targets)


def _targets(entry: Entry) -> tuple[float | None, ...]:
    kpi = entry.snapshot.kpi
    if kpi.target_progression:
        return tuple(kpi.target_at(p) for p in entry.series.periods)
    return tuple(entry.snapshot.target for _ in entry.series.periods)


def last_label_width(renderer: RendererAgg, plan: PlotPlan) -> float:
    """Pixels the latest value's label needs right of the plot (0 unless there is a single series)."""
    single = plan.single
    if single is None:
        return 0.0
    text = format_kpi_value(single.snapshot.kpi, single.series.known[-1][1])
    return text_size(renderer, text, VALUE_FONT)[0] + draw.LAST_LABEL_OFFSET * renderer.dpi / 72


def tick_overhang(renderer: RendererAgg, plan: PlotPlan) -> float:
    """Pixels the last x label can stick out right of the plot (it is centred on the last period)."""
    return text_size(renderer, widest_tick_label(plan.grain, plan.first, plan.last), TICK_FONT)[0] / 2


def label_width(renderer: RendererAgg, plan: PlotPlan, axis: int) -> float:
    if axis >= len(plan.axes):
        return 0.0
    return max(text_size(renderer, label, TICK_FONT)[0] for label in plan.axes[axis].labels)


def draw_plot(
    fig: Figure,
    renderer: RendererAgg,
    plan: PlotPlan,
    rect_px: tuple[float, float, float, float],
    *,
    theme: Theme,
    label_last: bool = False,
    target_label: TargetLabel | None = None,
) -> Axes:
    """Draw the plan in `rect_px` = (left, bottom, right, top) pixels; tick labels go outside it.

    With `label_last`, the latest value of a single series is written right of its mark, outside the
    rectangle: leave `last_label_width()` pixels free on the right.
    """
    width, height = fig.bbox.width, fig.bbox.height
    left, bottom, right, top = rect_px
    ax = fig.add_axes((left / width, bottom / height, (right - left) / width, (top - bottom) / height))
    draw.style_axes(ax, theme=theme)
    main = plan.axes[0]
    ax.set_ylim(main.low, main.high)
    x_low, x_high = x_limits(plan.first, plan.last, plan.grain)
    ax.set_xlim(x_low, x_high)
    draw.y_axis(ax, main.ticks, main.labels, theme=theme)
    if main.low < 0 < main.high:
        ax.axhline(0, color=theme.axis, linewidth=1.2, zorder=1)
    sample_width = text_size(renderer, widest_tick_label(plan.grain, plan.first, plan.last), TICK_FONT)[0]
    days_per_px = (x_high - x_low) / max(right - left, 1.0)
    spacing = (sample_width + 28) * days_per_px
    draw.x_axis(ax, x_ticks(plan.first, plan.last, plan.grain, min_spacing_days=spacing), theme=theme)
    single = plan.single
    if single is not None:
        draw.threshold_bands(ax, single.snapshot.kpi, low=main.low, high=main.high, theme=theme)
        if main.target_in_view:
            draw.target_line(ax, single.series, plan.targets, theme=theme)
        if target_label is not None:
            draw.target_label(ax, target_label, theme=theme)
    right_ax = None
    if len(plan.axes) > 1:
        right_ax = ax.twinx()
        draw.style_axes(right_ax, theme=theme, grid=False)
        second = plan.axes[1]
        right_ax.set_ylim(second.low, second.high)
        draw.y_axis(right_ax, second.ticks, second.labels, theme=theme, side="right")
    bars = [e for e in plan.entries if plan.kind == "bar"]
    for entry in plan.entries:
        target_ax = right_ax if entry.axis == 1 and right_ax is not None else ax
        if plan.kind == "bar":
            draw.bars(target_ax, entry.series, color=entry.color, slot=bars.index(entry), slots=len(bars))
        else:
            draw.line(target_ax, entry.series, color=entry.color, theme=theme)
    if single is not None:
        draw.last_value(ax, single, kind=plan.kind, theme=theme, label=label_last)
    return ax
