from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import numpy as np
from PIL import Image

from bot.charts.forecast_chart import render_forecast_chart, render_range_chart
from kpi_core.anomaly.detect import detect_anomalies
from kpi_core.config.models import KpiDefinition
from kpi_core.forecast.outlook import target_outlook
from kpi_core.forecast.series import complete_history, forecast_points
from kpi_core.forecast.service import KpiForecast
from kpi_core.periods import shift_period
from kpi_core.snapshot import Point

TODAY = date(2026, 12, 2)
MRR = KpiDefinition(
    key="mrr",
    name="Monthly Recurring Revenue",
    unit="USD",
    grain="monthly",
    target={date(2027, 3, 31): 550_000},
)


def mrr_forecast() -> tuple[KpiForecast, list[tuple[date, float]]]:
    values = [180_000 * 1.045**i + (4_000 if i % 3 else -4_000) for i in range(24)]
    points = [Point(shift_period(date(2024, 12, 1), "monthly", i), v) for i, v in enumerate(values)]
    history = complete_history(points=points, grain="monthly", today=TODAY)
    full = forecast_points(key="mrr", points=points, grain="monthly", today=TODAY, horizon=60)
    assert full is not None
    outlook = target_outlook(kpi=MRR, forecast=full, latest=history[-1][1], today=TODAY)
    shown = replace(full, points=full.points[:12])
    return KpiForecast(
        kpi=MRR, today=TODAY, latest=history[-1], forecast=shown, outlook=outlook, horizon=12
    ), history


def test_forecast_chart_is_a_card_with_its_range_in_the_alt_text() -> None:
    result, history = mrr_forecast()
    image = render_forecast_chart(result, history=history)
    assert (image.width, image.height) == (1280, 720)
    assert Image.open(io.BytesIO(image.png)).size == (1280, 720)
    assert image.alt_text.startswith("Monthly Recurring Revenue: forecast chart. Forecast for Nov 2027: $")
    assert "80% range" in image.alt_text
    assert image.filename == "mrr-forecast.png"


def test_forecast_chart_without_history_still_renders() -> None:
    result = KpiForecast(kpi=MRR, today=TODAY, latest=None, forecast=None, outlook=None, horizon=12)
    image = render_forecast_chart(result, history=[])
    assert image.alt_text.endswith("Not enough history to forecast.")


def test_expected_range_chart_marks_values_outside_it() -> None:
    rng = np.random.default_rng(4)
    t = np.arange(200)
    values = 1200 + np.where(t % 7 >= 5, -250, 0) + rng.normal(0, 20, 200)
    values[190] -= 160
    ranges = detect_anomalies(values=values.tolist(), start=date(2026, 5, 4), grain="daily")
    dau = KpiDefinition(key="daily_active_users", name="Daily Active Users", unit="count", grain="daily")
    image = render_range_chart(dau, ranges[-60:])
    assert Image.open(io.BytesIO(image.png)).size == (1280, 720)
    assert image.alt_text == "Daily Active Users: values against their expected range; 1 outside it."
