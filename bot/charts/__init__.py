"""KPI charts for Slack: matplotlib (Agg, object API only), readable on a phone, light and dark cards.

from bot.charts import ChartCache, chart_cache_key, render_kpi_chart

cache = ChartCache()
image = cache.get_or_render(chart_cache_key(snapshot), lambda: render_kpi_chart(snapshot))
image.png, image.alt_text, image.filename, image.width, image.height
"""

from bot.charts.cache import CacheStats, ChartCache, chart_cache_key, panels_cache_key
from bot.charts.image import ChartImage
from bot.charts.kpi_chart import has_chart_data, render_kpi_chart
from bot.charts.panels import Panel, panels_alt_text, render_panels
from bot.charts.sparkline import render_sparkline, sparkline_text
from bot.charts.theme import THEMES

__all__ = [
    "THEMES",
    "CacheStats",
    "ChartCache",
    "ChartImage",
    "Panel",
    "chart_cache_key",
    "has_chart_data",
    "panels_alt_text",
    "panels_cache_key",
    "render_kpi_chart",
    "render_panels",
    "render_sparkline",
    "sparkline_text",
]
