"""Any series in any unit and grain renders: a valid PNG, alt text, gaps kept as gaps."""

from __future__ import annotations

import math
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.charts import render_kpi_chart
from bot.charts.kpi_chart import build_kpi_figure
from bot.charts.theme import LIGHT
from kpi_core.config.models import KpiDefinition, Thresholds
from tests.bot.charts.helpers import main_axes, open_png, series_lines, snapshot

LAST = {
    "daily": date(2026, 11, 29),
    "weekly": date(2026, 11, 23),
    "monthly": date(2026, 11, 1),
    "quarterly": date(2026, 10, 1),
}
magnitudes = st.sampled_from([1e-3, 0.5, 7.0, 420.0, 12_450.0, 3.2e6, 8e9])
values = st.lists(st.one_of(st.none(), st.floats(-1.5, 1.5, allow_nan=False)), min_size=1, max_size=40)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    unit=st.sampled_from(["USD", "EUR", "percent", "count", "ratio", "days", "seconds", "score"]),
    grain=st.sampled_from(["daily", "weekly", "monthly", "quarterly"]),
    direction=st.sampled_from(["higher", "lower"]),
    magnitude=magnitudes,
    shape=values,
    target=st.one_of(st.none(), st.floats(0.1, 3.0)),
    warning=st.one_of(st.none(), st.floats(0.1, 1.5)),
)
def test_any_series_renders(unit, grain, direction, magnitude, shape, target, warning) -> None:
    kpi = KpiDefinition(
        key="k",
        name="Anything",
        unit=unit,
        grain=grain,
        direction=direction,
        target=None if target is None else target * magnitude,
        thresholds=Thresholds(warning=None if warning is None else warning * magnitude),
    )
    series = [None if v is None else v * magnitude for v in shape]
    snap = snapshot(kpi, series, last=LAST[grain])

    image = render_kpi_chart(snap)

    assert open_png(image.png).size == (image.width, image.height)
    assert image.alt_text.startswith("Anything, ")
    if all(v is None for v in series):
        assert image.height == 400
        return
    (line,) = series_lines(main_axes(build_kpi_figure(snap)), LIGHT.series[0]) or [None]
    if line is not None:
        # The window's periods are all on the axis, leading and trailing gaps included.
        assert [math.isnan(float(y)) for y in line.get_ydata()] == [v is None for v in series]
