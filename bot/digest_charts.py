"""A digest's images: a composed figure per chart section (render_panels) and a heatmap per cohort section
(render_cohort_heatmap), keyed by the section's index, so both go through the same upload steps.

    charts = render_digest_charts(digest, cache=answers.charts)
    charts.images[2]     # ChartImage for the chart section at index 2 of digest.sections
    charts.problems      # {index: "why there is no image"}: no data yet, or a render error

The same render serves every channel of a digest (and `/kpi` through a shared ChartCache).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial

from bot.charts import ChartCache, ChartImage, Panel, panels_cache_key, render_panels
from bot.charts.cohort_chart import render_cohort_heatmap
from bot.charts.data import chart_series
from kpi_core.digests.content import ChartSection, CohortsSection, Digest, DigestSection

log = logging.getLogger(__name__)
NO_DATA_YET = "no chart data yet"


@dataclass(frozen=True)
class DigestCharts:
    images: dict[int, ChartImage] = field(default_factory=dict)
    problems: dict[int, str] = field(default_factory=dict)


def digest_panels(item: ChartSection) -> list[Panel]:
    """The panels of a chart section, as `bot.charts.render_panels` takes them."""
    return [Panel(panel.title, panel.snapshots, panel.kind) for panel in item.panels]


def has_chart_data(panels: list[Panel]) -> bool:
    return any(chart_series(snap) is not None for panel in panels for snap in panel.snapshots)


def render_digest_charts(
    digest: Digest, *, cache: ChartCache | None = None, theme: str = "light"
) -> DigestCharts:
    """Render every chart section and cohort heatmap (through `cache` when given). Never raises: a chart
    that cannot be drawn is a problem to report, and the digest is posted without it."""
    charts = DigestCharts()
    for index, item in enumerate(digest.sections):
        job = _render_job(item, theme=theme)
        if job is None:
            continue
        if isinstance(job, str):
            charts.problems[index] = job
            continue
        key, render = job
        try:
            image = render() if cache is None else cache.get_or_render(key, render)
        except Exception as error:  # a chart must never sink the digest's text
            log.exception(
                "digest %s %s: chart %r could not be drawn", digest.name, digest.period.key, item.title
            )
            charts.problems[index] = f"the chart could not be drawn ({error})"
            continue
        charts.images[index] = image
    return charts


def _render_job(item: DigestSection, *, theme: str) -> tuple[Hashable, Callable[[], ChartImage]] | str | None:
    """(cache key, render) for a section with an image, why it has none, or None for other sections."""
    if isinstance(item, CohortsSection):
        table = item.table
        if table is None:
            return None  # the section says why itself
        if not table.rows:
            return NO_DATA_YET
        cells = tuple((row.label, row.size, row.cells, row.nrr) for row in table.rows)
        key = ("digest-cohorts", table.kind.value, table.as_of, table.title, cells, theme)
        return key, partial(render_cohort_heatmap, table, theme=theme)
    if not isinstance(item, ChartSection):
        return None
    panels = digest_panels(item)
    if not panels or not has_chart_data(panels):
        return NO_DATA_YET
    # No title in the figure: the image block has the section's title; twice costs a phone's height.
    render = partial(render_panels, panels, title=None, theme=theme)
    return panels_cache_key(panels, title=None, theme=theme), render


def chart_filename(digest: Digest, index: int) -> str:
    """`weekly-2026-W46-trends.png`: what the upload and the preview call a chart."""
    item = digest.sections[index]
    slug = "".join(c if c.isalnum() else "-" for c in (getattr(item, "title", None) or "chart").lower())
    return f"{digest.name}-{digest.period.key}-{slug.strip('-') or 'chart'}.png"
