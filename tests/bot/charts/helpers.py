"""KpiSnapshot builders for the chart tests: plain dataclasses, no database."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from bot.charts.examples import CHURN as CHURN  # the example KPIs double as the tests' fixtures
from bot.charts.examples import MRR as MRR
from kpi_core.config.models import KpiDefinition
from kpi_core.periods import shift_period
from kpi_core.snapshot import KpiSnapshot, Point
from kpi_core.standing import Health

NOV_2026 = date(2026, 11, 1)
MRR_VALUES: tuple[float | None, ...] = (
    310_000, 322_000, 331_000, 345_000, 352_000, None, 381_000, 398_000, 412_000, 437_000, 458_000, 480_000,
)  # fmt: skip
CHURN_VALUES = (2.4, 2.6, 2.3, 2.8, 3.1, 3.3, 3.6, 3.9, 4.2, 4.4, 4.1, 4.3)


def snapshot(
    kpi: KpiDefinition,
    values: Sequence[float | None],
    *,
    last: date = NOV_2026,
    at: date | None = None,
    **changes: object,
) -> KpiSnapshot:
    """A snapshot whose series has one value per period of the KPI's grain, the last one at `last`."""
    start = shift_period(last, kpi.grain, -(len(values) - 1))
    series = tuple(Point(shift_period(start, kpi.grain, i), v) for i, v in enumerate(values))
    known = [p for p in series if p.value is not None]
    at = at or last
    fields: dict[str, object] = {
        "kpi": kpi,
        "at": at,
        "period": known[-1].period if known else None,
        "value": known[-1].value if known else None,
        "previous": known[-2].value if len(known) > 1 else None,
        "change": None,
        "year_over_year": None,
        "target": kpi.target_at(at),
        "progress": None,
        "health": Health.NOT_SET if known else Health.NO_DATA,
        "series": series,
    }
    fields.update(changes)
    return KpiSnapshot(**fields)  # type: ignore[arg-type]


def open_png(data: bytes) -> Image.Image:
    """The decoded PNG, after checking the signature and the whole stream."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    Image.open(io.BytesIO(data)).verify()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def main_axes(fig: Figure) -> Axes:
    return fig.axes[0]


def series_lines(ax: Axes, color: str) -> list[Line2D]:
    """The thick series lines drawn in `color` (not the last-point marker or the target)."""
    from matplotlib.colors import same_color

    return [
        line
        for line in ax.get_lines()
        if same_color(line.get_color(), color) and line.get_linestyle() == "-" and len(line.get_xdata()) > 1
    ]


def figure_texts(fig: Figure) -> list[str]:
    """Every visible text in the figure: titles, labels, annotations, tick labels."""
    fig.canvas.draw()
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontsize"))]
    return [t.get_text() for t in texts if t.get_visible() and t.get_text()]
