"""render_kpi_chart: the PNG, what is drawn in it, and the alt text."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import pytest
from matplotlib.colors import same_color, to_rgba
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from bot.charts import has_chart_data, render_kpi_chart
from bot.charts.kpi_chart import build_kpi_figure
from bot.charts.theme import DARK, LIGHT
from kpi_core.config.models import KpiDefinition, Thresholds
from tests.bot.charts.helpers import (
    CHURN,
    CHURN_VALUES,
    MRR,
    MRR_VALUES,
    figure_texts,
    main_axes,
    open_png,
    series_lines,
    snapshot,
)


def _bands(fig, color: str) -> list[tuple[float, float]]:
    """(bottom, top) in data units of the shaded bands in `color`."""
    ax = main_axes(fig)
    return sorted(
        (p.get_y(), p.get_y() + p.get_height())
        for p in ax.patches
        if isinstance(p, Rectangle) and same_color(p.get_facecolor()[:3], to_rgba(color)[:3])
    )


def _target_lines(fig):
    return [line for line in main_axes(fig).get_lines() if same_color(line.get_color(), LIGHT.target)]


def test_currency_monthly_kpi_renders_a_retina_png_with_alt_text() -> None:
    image = render_kpi_chart(snapshot(MRR, MRR_VALUES))

    png = open_png(image.png)
    assert png.format == "PNG" and png.mode == "RGBA"
    assert png.size == (image.width, image.height) == (1280, 720)
    assert len(image.png) < 250_000
    assert png.getpixel((0, 0))[3] == 0, "rounded corners are transparent"
    assert png.getpixel((640, 30))[:3] == (255, 255, 255), "the card is opaque white in the light theme"
    assert image.filename == "mrr-2026-11-01.png"
    assert image.alt_text == (
        "MRR, monthly, Dec 2025 to Nov 2026: rose from $310K to $480K (+55%); latest $480K, target $500K; "
        "1 missing period."
    )


def test_currency_axis_target_and_last_value_are_labelled_through_the_formatter() -> None:
    fig = build_kpi_figure(snapshot(MRR, MRR_VALUES))
    ax = main_axes(fig)

    y_labels = [t.get_text() for t in ax.get_yticklabels()]
    assert y_labels and all(label.startswith("$") and label.endswith("K") for label in y_labels)
    x_labels = [t.get_text() for t in ax.get_xticklabels()]
    assert x_labels[-1] == "Nov '26" and 2 <= len(x_labels) <= 6
    texts = figure_texts(fig)
    assert "$480K" in texts and "Target $500K" in texts and "MRR" in texts
    (target,) = _target_lines(fig)
    assert set(target.get_ydata()) == {500_000}
    assert target.get_linestyle() == "--"
    low, high = ax.get_ylim()
    assert low <= 310_000 and high >= 500_000


def test_higher_is_better_bands_shade_below_critical_red_and_up_to_warning_amber() -> None:
    fig = build_kpi_figure(snapshot(MRR, MRR_VALUES))
    low, _ = main_axes(fig).get_ylim()

    assert _bands(fig, LIGHT.critical) == [(pytest.approx(low), pytest.approx(300_000))]
    assert _bands(fig, LIGHT.warning) == [(pytest.approx(300_000), pytest.approx(330_000))]


def test_lower_is_better_percent_bands_shade_above_the_thresholds() -> None:
    churn = snapshot(CHURN, CHURN_VALUES)
    fig = build_kpi_figure(churn)
    ax = main_axes(fig)
    _, high = ax.get_ylim()

    assert _bands(fig, LIGHT.critical) == [(pytest.approx(4.0), pytest.approx(high))]
    assert _bands(fig, LIGHT.warning) == [(pytest.approx(3.0), pytest.approx(4.0))]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert all(label.endswith("%") for label in labels)
    assert len({len(label) for label in labels}) == 1, f"ticks share their decimals: {labels}"
    texts = figure_texts(fig)
    assert "4.3%" in texts and "Target 2.5%" in texts
    assert any("lower is better" in t for t in texts)
    alt = render_kpi_chart(churn).alt_text
    assert "rose from 2.4% to 4.3% (+1.9 pts)" in alt and "in the critical zone" in alt


def test_gaps_break_the_line_and_are_never_zero_filled() -> None:
    values = (100.0, 120.0, None, None, 150.0, 160.0, None, 170.0)
    fig = build_kpi_figure(snapshot(KpiDefinition(key="x", name="Signups"), values))
    (line,) = series_lines(main_axes(fig), LIGHT.series[0])

    y = [float(v) for v in line.get_ydata()]
    assert [math.isnan(v) for v in y] == [v is None for v in values]
    assert 0.0 not in y
    lone = [
        marker
        for marker in main_axes(fig).get_lines()
        if marker.get_marker() == "o" and marker.get_linestyle() == "None" and len(marker.get_xdata()) == 1
    ]
    assert lone, "a value with gaps on both sides gets a dot, or it would be invisible"


def test_periods_missing_from_the_series_are_gaps_too() -> None:
    base = snapshot(KpiDefinition(key="x", name="Signups"), (10.0, 11.0, 12.0, 13.0))
    holey = dataclasses.replace(base, series=(base.series[0], base.series[1], base.series[3]))
    (line,) = series_lines(main_axes(build_kpi_figure(holey)), LIGHT.series[0])

    assert [math.isnan(float(v)) for v in line.get_ydata()] == [False, False, True, False]
    assert render_kpi_chart(holey).alt_text.endswith("1 missing period.")


def test_no_data_renders_a_short_tidy_card() -> None:
    empty = snapshot(MRR, (None, None))
    image = render_kpi_chart(empty)

    assert not has_chart_data(empty)
    assert open_png(image.png).size == (1280, 400)
    assert "No data yet" in figure_texts(build_kpi_figure(empty))
    assert image.alt_text == "MRR, monthly: no data yet."
    assert image.filename == "mrr-no-data.png"
    failed = dataclasses.replace(snapshot(MRR, ()), source_error="connection refused")
    assert render_kpi_chart(failed).alt_text == "MRR, monthly: no data (source error)."
    assert "No data (source error)" in figure_texts(build_kpi_figure(failed, theme="dark"))


def test_a_dated_target_progression_is_a_step_line_labelled_with_the_target_in_force() -> None:
    users = KpiDefinition.model_validate(
        {
            "key": "active_users",
            "name": "Active users",
            "target": {date(2026, 6, 30): 50_000, date(2026, 12, 31): 200_000},
        }
    )
    values = (8_000, 12_500, 17_000, 24_000, 31_000, 39_000, 52_000, 67_000, 85_000, 104_000, 126_000)
    snap = snapshot(users, values, at=date(2026, 11, 20))
    fig = build_kpi_figure(snap)

    (target,) = _target_lines(fig)
    assert target.get_drawstyle() == "steps-mid"
    periods = [p.period for p in snap.series]
    assert list(target.get_ydata())[1:] == [users.target_at(p) for p in periods]
    assert {50_000, 200_000} <= set(target.get_ydata())
    assert "Target 200K" in figure_texts(fig)
    assert "target 200K by Dec 2026" in render_kpi_chart(snap).alt_text


def test_a_target_far_off_scale_is_named_in_the_header_not_drawn() -> None:
    arr = KpiDefinition(key="arr", name="ARR", unit="USD", target=50_000_000)
    fig = build_kpi_figure(snapshot(arr, (3.7e6, 4.1e6, 4.6e6, 5.8e6)))

    assert not _target_lines(fig)
    assert main_axes(fig).get_ylim()[1] < 10e6
    assert any("target $50M (off scale)" in t for t in figure_texts(fig))


def test_every_text_is_big_enough_for_a_phone_and_dollars_are_not_mathtext() -> None:
    named = MRR.model_copy(update={"name": "Revenue ($) and cost ($)"})
    fig = build_kpi_figure(snapshot(named, MRR_VALUES))
    fig.canvas.draw()

    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    assert texts
    assert min(t.get_fontsize() for t in texts) >= 14
    assert not any(t.get_parse_math() for t in texts if "$" in t.get_text())
    assert "Revenue ($) and cost ($)" in figure_texts(fig)


def test_dark_theme_draws_a_dark_card_and_rejects_unknown_themes() -> None:
    image = render_kpi_chart(snapshot(MRR, MRR_VALUES), theme="dark")
    pixel = open_png(image.png).getpixel((640, 30))
    assert pixel[:3] == tuple(int(DARK.card[i : i + 2], 16) for i in (1, 3, 5))

    with pytest.raises(ValueError, match="unknown chart theme 'blue': use one of light, dark"):
        render_kpi_chart(snapshot(MRR, MRR_VALUES), theme="blue")


def test_a_single_value_and_a_flat_series_still_draw() -> None:
    runway = KpiDefinition(
        key="runway", name="Runway", unit="days", target=540, thresholds=Thresholds(warning=365)
    )
    flat = build_kpi_figure(snapshot(runway, (600.0,) * 6))
    assert "600 days" in figure_texts(flat)
    assert all("days" not in t.get_text() for t in main_axes(flat).get_yticklabels()), "bare numbers on ticks"
    one = snapshot(runway, (None, None, 600.0))
    assert render_kpi_chart(one).alt_text.startswith("Runway, monthly, Sep 2026 to Nov 2026: 600 days;")


def test_negative_values_get_a_zero_line_and_an_absolute_change() -> None:
    cash = KpiDefinition(key="cash", name="Net cash flow", unit="EUR")
    snap = snapshot(cash, (-42_000.0, -31_000.0, 4_000.0, 22_000.0))
    ax = main_axes(build_kpi_figure(snap))

    assert any(list(line.get_ydata()) == [0, 0] for line in ax.get_lines())
    assert "rose from -€42K to €22K (+€64K)" in render_kpi_chart(snap).alt_text


def test_weekly_and_daily_axes_label_by_grain() -> None:
    weekly = KpiDefinition(key="w", name="Trial signups", grain="weekly")
    labels = [
        t.get_text()
        for t in main_axes(
            build_kpi_figure(snapshot(weekly, [float(i) for i in range(52)], last=date(2026, 11, 23)))
        ).get_xticklabels()
    ]
    assert labels[-1] == "W48" and any("'26" in label for label in labels)
    daily = KpiDefinition(key="d", name="DAU", grain="daily")
    long_daily = snapshot(daily, [float(i % 9) for i in range(120)], last=date(2026, 11, 29))
    month_labels = [t.get_text() for t in main_axes(build_kpi_figure(long_daily)).get_xticklabels()]
    assert month_labels and all(label[:3] in ("Aug", "Sep", "Oct", "Nov") for label in month_labels)
