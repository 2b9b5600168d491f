from __future__ import annotations

from bot.charts.health_chart import build_health_figure, render_health_chart
from kpi_core.health import HealthInput, HealthScore, health_score


def _score() -> HealthScore:
    return health_score(
        [
            HealthInput("mrr", "MRR", "revenue", "north_star", goal="met", health="healthy"),
            HealthInput(
                "churn", "Churn", "customer", "health", goal="behind", progress=0.5, health="critical"
            ),
        ]
    )


def test_the_health_card_shows_the_overall_band_and_each_category() -> None:
    texts = [t.get_text() for t in build_health_figure(_score()).texts]
    score = _score()
    assert f"{score.band.value} · {score.score:.0f}/100" in texts
    assert "Revenue" in texts and "Customer" in texts and "100" in texts and "18" in texts
    assert {"50", "70", "85"} <= set(texts)  # the band boundaries


def test_the_health_card_is_a_png_with_alt_text() -> None:
    image = render_health_chart(_score())
    assert image.png.startswith(b"\x89PNG") and image.width == 1280
    assert image.alt_text.startswith("Company health ") and "Largest drags: Churn (-" in image.alt_text
