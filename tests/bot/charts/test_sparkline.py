"""Sparklines: text for Slack tables, a tiny PNG."""

from __future__ import annotations

from bot.charts import render_sparkline, sparkline_text
from tests.bot.charts.helpers import MRR, MRR_VALUES, open_png, snapshot


def test_text_sparkline_scales_values_and_keeps_gaps() -> None:
    assert sparkline_text(snapshot(MRR, (1.0, None, 8.0, 4.5, 2.0))) == "▁ █▅▂"
    assert sparkline_text(snapshot(MRR, (5.0, 5.0))) == "▅▅"
    assert sparkline_text(snapshot(MRR, (None,))) == ""
    assert len(sparkline_text(snapshot(MRR, MRR_VALUES), width=6)) == 6


def test_png_sparkline_is_small_and_none_without_data() -> None:
    image = render_sparkline(snapshot(MRR, MRR_VALUES))
    assert image is not None
    assert open_png(image.png).size == (320, 80)
    assert image.alt_text == "MRR rose from $310K to $480K (+55%)"
    assert render_sparkline(snapshot(MRR, (None, None))) is None
