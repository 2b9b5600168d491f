"""Where the target's label goes: on the plot where it is clear of the data, else nowhere (the caller
draws a key instead). Pure geometry on the plan and the plot rectangle, done before any drawing."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import RendererAgg

from bot.charts.image import text_size
from bot.charts.scales import x_limits, x_of
from bot.charts.theme import DPI, LABEL_FONT
from kpi_core.format import format_kpi_value

if TYPE_CHECKING:
    from bot.charts.plot import PlotPlan

_SPOTS = 9  # positions tried along the target level, each above then below the line
_LINE_SLACK_PX = 6.0  # half the series line width: text must not touch the stroke
_TEXT_OFFSET_PX = 5 * DPI / 72  # the label sits 5 pt off the target line


@dataclass(frozen=True)
class TargetLabel:
    text: str
    x: float  # left edge, data units
    y: float  # the target value
    above: bool


def target_text(plan: PlotPlan) -> str | None:
    """ "Target $500K" for the target in force at the end of the series, if it is drawn."""
    single = plan.single
    if single is None or not plan.axes[0].target_in_view:
        return None
    current = next((t for t in reversed(plan.targets) if t is not None), None)
    if current is None:
        return None
    return f"Target {format_kpi_value(single.snapshot.kpi, current)}"


def place_target_label(
    plan: PlotPlan, rect_px: tuple[float, float, float, float], renderer: RendererAgg
) -> TargetLabel | None:
    """The first clear spot, sliding left to right along the current target level, above before below.

    None when every spot crosses the data: a label on top of the line would hide what matters.
    """
    text = target_text(plan)
    single = plan.single
    if text is None or single is None:
        return None
    current = next(t for t in reversed(plan.targets) if t is not None)
    left_px, bottom_px, right_px, top_px = rect_px
    x_low, x_high = x_limits(plan.first, plan.last, plan.grain)
    low, high = plan.axes[0].low, plan.axes[0].high
    per_px_x = (x_high - x_low) / max(right_px - left_px, 1.0)
    per_px_y = (high - low) / max(top_px - bottom_px, 1.0)
    width_px, height_px = text_size(renderer, text, LABEL_FONT)
    gap = 10 * per_px_x
    box_w = width_px * per_px_x
    box_h = (height_px + _TEXT_OFFSET_PX) * per_px_y
    slack = _LINE_SLACK_PX * per_px_y
    periods = single.series.periods
    xs = [x_of(p) for p in periods]
    ys = [math.nan if v is None else v for v in single.series.values]
    # The level in force at the end starts halfway between the last change and the period before it.
    start = len(plan.targets) - 1
    while start > 0 and plan.targets[start - 1] == current:
        start -= 1
    first = (xs[start - 1] + xs[start]) / 2 + gap if start else x_low + gap
    last = max(first, x_high - box_w - gap)
    for step in range(_SPOTS):
        x = first + (last - first) * step / (_SPOTS - 1)
        for above in (True, False):
            y0, y1 = (
                (current - slack, current + box_h + slack)
                if above
                else (current - box_h - slack, current + slack)
            )
            if y1 > high or y0 < low:
                continue
            if not crosses(xs, ys, (x - gap, x + box_w + gap), (y0, y1)):
                return TargetLabel(text=text, x=x, y=current, above=above)
    return None


def crosses(
    xs: Sequence[float], ys: Sequence[float], x_span: tuple[float, float], y_span: tuple[float, float]
) -> bool:
    """Whether the polyline (NaN breaks it) passes through the box."""
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if math.isnan(y):
            continue
        if i + 1 < len(xs) and not math.isnan(ys[i + 1]):
            x2, y2 = xs[i + 1], ys[i + 1]
            a, b = max(x, x_span[0]), min(x2, x_span[1])
            if a > b:
                continue
            ya = y + (y2 - y) * (a - x) / (x2 - x)
            yb = y + (y2 - y) * (b - x) / (x2 - x)
            if max(ya, yb) >= y_span[0] and min(ya, yb) <= y_span[1]:
                return True
        elif x_span[0] <= x <= x_span[1] and y_span[0] <= y <= y_span[1]:
            return True
    return False
