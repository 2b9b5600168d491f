from __future__ import annotations

import io
from datetime import date

from matplotlib.patches import Rectangle
from PIL import Image

from bot.charts.cohort_chart import build_cohort_figure, render_cohort_heatmap
from kpi_core.cohorts import adoption_table, retention_table, revenue_table
from tests.kpi_core.cohorts.seed_rows import activity_rows, feature_uses

AS_OF = date(2024, 6, 30)


def _texts(table_fig: object) -> list[str]:
    return [t.get_text() for t in table_fig.texts]  # type: ignore[attr-defined]


def test_the_retention_heatmap_shows_values_targets_and_blanks() -> None:
    table = retention_table(activity_rows(), as_of=AS_OF)
    fig = build_cohort_figure(table)
    texts = _texts(fig)
    known = [cell for row in table.rows for cell in row.cells if cell is not None]
    # Every known cell has its value written in it; cells of months not over have no text.
    assert sum(1 for t in texts if t.endswith("%") and not t.startswith("≥")) == len(known)
    assert texts.count("89%") == 1 and "≥95%" in texts and "≥85%" in texts and "≥75%" in texts
    assert "below target" in texts
    outlined = [p for p in fig.patches if isinstance(p, Rectangle) and p.get_linewidth() == 3.0]
    below = sum(
        1
        for row in table.rows
        for period, cell in zip(table.periods, row.cells, strict=True)
        if cell is not None and period in table.targets and cell < table.targets[period]
    )
    assert len(outlined) == below + 1  # plus the legend's sample


def test_the_heatmap_is_a_png_with_alt_text() -> None:
    image = render_cohort_heatmap(retention_table(activity_rows(), as_of=AS_OF))
    assert image.width == 1280 and Image.open(io.BytesIO(image.png)).size == (image.width, image.height)
    assert "Jan 2024: Month 0: 100%, Month 1: 92%, Month 3: 78%, Month 6: not over" in image.alt_text
    assert image.filename == "cohorts-retention-2024-06-30.png"


def test_revenue_heatmap_has_an_nrr_column_and_adoption_has_no_legend_without_targets() -> None:
    revenue = build_cohort_figure(revenue_table(activity_rows(), as_of=date(2025, 1, 31)))
    texts = _texts(revenue)
    assert "NRR" in texts and "140%" in texts and "$1,750" in texts and "≥115%" in texts
    adoption = build_cohort_figure(adoption_table(feature_uses(), as_of=date(2025, 6, 30)))
    assert "below target" not in _texts(adoption) and "Dashboard Builder" in _texts(adoption)
