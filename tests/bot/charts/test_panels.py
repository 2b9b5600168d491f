"""render_panels: composed figures for the dashboard and the digests."""

from __future__ import annotations

from datetime import date

import pytest

from bot.charts import Panel, render_panels
from bot.charts.panels import build_panels_figure
from kpi_core.config.models import KpiDefinition, Thresholds
from tests.bot.charts.helpers import CHURN, CHURN_VALUES, MRR, MRR_VALUES, figure_texts, open_png, snapshot

NEW = KpiDefinition(key="new_customers", name="New customers")
CHURNED = KpiDefinition(key="churned", name="Churned", direction="lower")
DAU_MAU = KpiDefinition(
    key="dau_mau",
    name="DAU/MAU",
    unit="percent",
    grain="weekly",
    target=25,
    thresholds=Thresholds(warning=20),
)
LTV_CAC = KpiDefinition(key="ltv_cac", name="LTV:CAC", unit="ratio", target=3.0)


def _dashboard() -> list[Panel]:
    return [
        Panel("Revenue trend", (snapshot(MRR, MRR_VALUES),)),
        Panel(
            "Customer growth",
            (snapshot(NEW, (142, 156, None, 171, 188)), snapshot(CHURNED, (61, 58, 66, 63, 70))),
            kind="bar",
        ),
        Panel("Engagement", (snapshot(DAU_MAU, (19.2, 20.4, 21.1, 22.3, 24.6), last=date(2026, 11, 23)),)),
        Panel("Efficiency", (snapshot(LTV_CAC, (2.4, 2.7, 2.9, 3.1, 3.4)),)),
    ]


def test_four_panels_make_a_2x2_grid_readable_on_a_phone() -> None:
    image = render_panels(_dashboard(), title="Executive dashboard")

    assert open_png(image.png).size == (image.width, image.height)
    assert image.width == 1280 and 950 <= image.height <= 1100
    assert image.filename == "executive-dashboard.png"
    fig = build_panels_figure(_dashboard(), title="Executive dashboard")
    axes = fig.axes
    assert len(axes) == 4
    lefts = sorted({round(ax.get_position().x0, 1) for ax in axes})
    bottoms = sorted({round(ax.get_position().y0, 1) for ax in axes})
    assert len(lefts) == 2 and len(bottoms) == 2, "two columns, two rows"
    texts = figure_texts(fig)
    for title in ("Executive dashboard", "Revenue trend", "Customer growth", "Engagement", "Efficiency"):
        assert title in texts
    assert "$480K" in texts and "24.6%" in texts and "3.4:1" in texts, (
        "each single-series panel heads its value"
    )


def test_a_bar_panel_with_two_series_has_a_legend_and_no_bar_for_a_gap() -> None:
    fig = build_panels_figure([_dashboard()[1]])
    (ax,) = fig.axes
    bars = [path.vertices for collection in ax.collections for path in collection.get_paths()]

    assert len(bars) == 4 + 5, "one bar per known value; the missing period has none (not a zero bar)"
    assert min(v[:, 1].min() for v in bars) == 0 and ax.get_ylim()[0] == 0
    assert sorted(v[:, 1].max() for v in bars)[-1] == 188
    texts = figure_texts(fig)
    assert "New customers 188" in texts and "Churned 70" in texts


def test_panel_alt_text_summarises_every_series() -> None:
    alt = render_panels(_dashboard(), title="Weekly business review").alt_text

    assert alt.startswith("Weekly business review. Revenue trend: MRR rose from $310K to $480K (+55%).")
    assert (
        "Customer growth: New customers rose from 142 to 188 (+32%), Churned rose from 61 to 70 (+15%)."
        in alt
    )
    assert "Engagement: DAU/MAU rose from 19.2% to 24.6% (+5.4 pts)." in alt


def test_an_odd_last_panel_takes_the_full_width_and_a_panel_without_data_says_so() -> None:
    panels = [*_dashboard()[:2], Panel("Churn", (snapshot(CHURN, (None, None)),))]
    fig = build_panels_figure(panels, theme="dark")

    assert len(fig.axes) == 2, "the empty panel has no plot"
    assert "No data yet" in figure_texts(fig)
    wide = build_panels_figure([*_dashboard()[:2], Panel("Churn", (snapshot(CHURN, CHURN_VALUES),))])
    widths = [ax.get_position().width for ax in wide.axes]
    assert widths[2] > 1.8 * max(widths[:2])
    assert "Churn: Customer churn: no data." in render_panels(panels).alt_text
    failed = Panel("Churn", (snapshot(CHURN, (), source_error="timeout"),))
    assert "No data (source error)" in figure_texts(build_panels_figure([failed]))
    assert render_panels([failed]).alt_text == "Churn: Customer churn: no data (source error)."


def test_two_units_in_a_panel_use_a_right_axis_and_three_are_refused() -> None:
    mixed = Panel("Mixed", (snapshot(MRR, MRR_VALUES), snapshot(CHURN, CHURN_VALUES)))
    fig = build_panels_figure([mixed])
    assert len(fig.axes) == 2
    assert all(t.get_text().endswith("%") for t in fig.axes[1].get_yticklabels())
    assert "Customer churn (right) 4.3%" in figure_texts(fig)

    three = Panel("Too much", (*mixed.snapshots, snapshot(LTV_CAC, (2.0, 3.0))))
    with pytest.raises(ValueError, match=r"panel 'Too much': one panel can show at most two units, got 3"):
        render_panels([three])


def test_bad_panel_lists_get_clear_errors() -> None:
    with pytest.raises(ValueError, match="at least one panel"):
        render_panels([])
    with pytest.raises(ValueError, match="at most 8 panels"):
        render_panels(_dashboard() * 3)
    with pytest.raises(ValueError, match="kind must be 'line' or 'bar', not 'pie'"):
        render_panels([Panel("Pie", (snapshot(MRR, MRR_VALUES),), kind="pie")])  # type: ignore[arg-type]
