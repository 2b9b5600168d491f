"""PNG encoding: lossless RGBA (transparent corners), the same pixels with the fast encoder or Pillow's."""

from __future__ import annotations

import io

import numpy
import pytest
from PIL import Image

from bot.charts import image, render_kpi_chart
from bot.charts.examples import example_snapshots
from bot.charts.kpi_chart import build_kpi_figure


@pytest.mark.parametrize("fast", [True, False])
def test_the_png_holds_exactly_the_drawn_pixels(fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not fast:
        monkeypatch.setattr(image, "_png_encode", None)
    mrr = example_snapshots()["mrr"]
    png, width, height = image.encode_png(build_kpi_figure(mrr).canvas)  # type: ignore[arg-type]
    figure = build_kpi_figure(mrr)
    figure.canvas.draw()
    drawn = numpy.asarray(figure.canvas.buffer_rgba())  # type: ignore[attr-defined]
    decoded = Image.open(io.BytesIO(png))
    assert decoded.mode == "RGBA" and decoded.size == (width, height) == (1280, 720)
    assert (numpy.asarray(decoded) == drawn).all()
    assert numpy.asarray(decoded)[0, 0, 3] == 0  # a transparent rounded corner


def test_a_bigger_size_keeps_the_text_size() -> None:
    mrr = example_snapshots()["mrr"]
    big = render_kpi_chart(mrr, size=(8, 4.5))
    assert (big.width, big.height) == (1600, 900)
    assert Image.open(io.BytesIO(big.png)).size == (1600, 900)
