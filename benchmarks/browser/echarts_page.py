"""The Chromium side of bench_charts.py: the same KPI chart drawn by ECharts in headless Chromium.

ECharts comes from its npm package, installed on first use into benchmarks/.node (gitignored) with the
ordinary `npm` client, and is loaded into the page from that file: the page needs no network. Each render
is `setOption` (animation off, the whole option replaced) followed by a PNG screenshot of the 1600 x 900
viewport: what it costs a warm browser to turn the same data into the same kind of PNG.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.charts.data import chart_series
from kpi_core.format import format_kpi_value
from kpi_core.snapshot import KpiSnapshot

CHROMIUM = Path("/usr/bin/chromium")
ECHARTS_VERSION = "5.6.0"
NODE_DIR = Path(__file__).resolve().parent.parent / ".node"
ECHARTS = NODE_DIR / "node_modules" / "echarts" / "dist" / "echarts.min.js"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
html,body{margin:0;background:transparent}#chart{width:%dpx;height:%dpx}</style></head>
<body><div id="chart"></div></body></html>"""


def ensure_echarts() -> Path:
    """The minified ECharts of the pinned version, installed with npm the first time."""
    if not ECHARTS.exists():
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(NODE_DIR),
                "--no-audit",
                "--no-fund",
                f"echarts@{ECHARTS_VERSION}",
            ],
            check=True,
            capture_output=True,
        )
    return ECHARTS


def echarts_option(snapshot: KpiSnapshot) -> dict[str, Any]:
    """The chart of render_kpi_chart in ECharts terms: title, subtitle, the line, the dashed target, the
    warning/critical bands and the last value's label, on a white rounded card."""
    series = chart_series(snapshot)
    assert series is not None
    kpi = snapshot.kpi
    labels = [p.strftime("%b %y") for p in series.periods]
    bands = []
    thresholds = kpi.thresholds
    if thresholds is not None and thresholds.critical is not None and thresholds.warning is not None:
        low = kpi.direction != "lower"
        bands = [
            [{"yAxis": 0 if low else thresholds.critical, "itemStyle": {"color": "rgba(224,30,90,0.10)"}},
             {"yAxis": thresholds.critical if low else "max"}],
            [{"yAxis": thresholds.critical if low else thresholds.warning,
              "itemStyle": {"color": "rgba(236,178,46,0.16)"}},
             {"yAxis": thresholds.warning if low else thresholds.critical}],
        ]  # fmt: skip
    last = series.last
    return {
        "animation": False,
        "backgroundColor": "#FFFFFF",
        "textStyle": {"fontFamily": "DejaVu Sans"},
        "title": {
            "text": kpi.name,
            "subtext": kpi.grain.capitalize(),
            "left": 40,
            "top": 28,
            "textStyle": {"fontSize": 52, "color": "#1D1C1D"},
            "subtextStyle": {"fontSize": 38, "color": "#616061"},
        },
        "grid": {"left": 190, "right": 230, "top": 170, "bottom": 80},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"fontSize": 38, "color": "#616061"}},
        "yAxis": {
            "type": "value",
            "scale": True,
            "axisLabel": {"fontSize": 38, "color": "#616061"},
            "splitLine": {"lineStyle": {"color": "#E8E8EA"}},
        },
        "series": [
            {
                "type": "line",
                "data": list(series.values),
                "lineStyle": {"width": 5, "color": "#1264A3"},
                "itemStyle": {"color": "#1264A3"},
                "showSymbol": False,
                "connectNulls": False,
                "markArea": {"silent": True, "data": bands},
                "markLine": {
                    "silent": True,
                    "symbol": "none",
                    "lineStyle": {"type": "dashed", "color": "#454245", "width": 3},
                    "data": [{"yAxis": snapshot.target}] if snapshot.target is not None else [],
                },
                "markPoint": {
                    "symbol": "circle",
                    "symbolSize": 14,
                    "label": {
                        "position": "right",
                        "fontSize": 44,
                        "fontWeight": "bold",
                        "formatter": format_kpi_value(kpi, last[1]) if last else "",
                    },
                    "data": [{"coord": [labels[-1], last[1]]}] if last else [],
                },
            }
        ],
    }


class EchartsPage:
    """A warm Chromium with ECharts; `render(option)` returns the PNG bytes.

    `render` reuses one tab that already holds ECharts (the cheapest way a browser can draw a chart);
    `render_new_page` opens a tab per chart, as a chart service does to keep requests apart.
    """

    def __init__(self, browser: Any, page: Any, *, width: int, height: int) -> None:
        self.browser = browser
        self.page = page
        self.size = (width, height)

    def render(self, option: dict[str, Any]) -> bytes:
        self.page.evaluate("option => window.kpiChart.setOption(option, true)", option)
        return bytes(self.page.screenshot(type="png"))

    def render_new_page(self, option: dict[str, Any]) -> bytes:
        page = _open(self.browser, *self.size)
        try:
            page.evaluate("option => window.kpiChart.setOption(option, true)", option)
            return bytes(page.screenshot(type="png"))
        finally:
            page.close()


def _open(browser: Any, width: int, height: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
    page.route("**/*", lambda route: route.abort())  # offline: nothing may be fetched
    page.set_content(PAGE % (width, height))
    page.add_script_tag(path=str(ECHARTS))
    page.evaluate("() => { window.kpiChart = echarts.init(document.getElementById('chart')); }")
    page.evaluate("() => document.fonts.ready")
    return page


@contextmanager
def echarts_page(*, width: int, height: int) -> Iterator[EchartsPage]:
    """Headless Chromium (Debian's, through Playwright) with a page holding an ECharts instance."""
    from playwright.sync_api import sync_playwright

    ensure_echarts()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield EchartsPage(browser, _open(browser, width, height), width=width, height=height)
        finally:
            browser.close()
