"""Render timings of bot.charts: median and p95 per chart kind, cold renders and cache hits, and the same
1600 x 900 chart drawn by a warm headless Chromium (ECharts) beside ours.

    python benchmarks/bench_charts.py [--runs 20] [--threads 2] [--no-browser]

Each figure is rendered `runs` times after one warm-up render (fonts loaded, caches primed: what a
running bot sees). "threads" renders the same work on N threads at once to show the throughput the
GIL leaves (Agg drawing holds it most of the time). When /usr/bin/chromium exists, the MRR chart at
1600 x 900 is also drawn `runs` times by ECharts (npm package, loaded offline) in a warm Chromium, in one
warm tab and in a tab per chart, and screenshotted to PNG (benchmarks/browser/echarts_page.py); the
ratios of the medians are printed. The PNGs of both sides are written to --out for a look.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.browser.echarts_page import CHROMIUM, echarts_option, echarts_page
from bot.charts import ChartCache, chart_cache_key, render_kpi_chart, render_panels, render_sparkline
from bot.charts.examples import example_panels, example_snapshot, example_snapshots
from kpi_core.config.models import KpiDefinition, Thresholds
from kpi_core.snapshot import KpiSnapshot

BIG = (8.0, 4.5)  # inches at 200 dpi: 1600 x 900


def measure(render: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (this thread) milliseconds per run; CPU time is what a busy machine cannot inflate."""
    render()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        render()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return wall, cpu


def report(name: str, timings: tuple[list[float], list[float]]) -> None:
    wall, cpu = (sorted(t) for t in timings)
    p95 = wall[min(len(wall) - 1, round(0.95 * (len(wall) - 1)))]
    print(
        f"{name:<34} wall median {statistics.median(wall):8.3f} ms  p95 {p95:8.3f} ms   "
        f"cpu median {statistics.median(cpu):8.3f} ms   n={len(wall)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium comparison")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "kpibot-bench-charts")
    args = parser.parse_args()
    snapshots = example_snapshots()
    mrr, churn = snapshots["mrr"], snapshots["churn"]
    daily_kpi = KpiDefinition(
        key="dau", name="Daily active users", grain="daily", target=3000,
        thresholds=Thresholds(warning=2000, critical=1500),
    )  # fmt: skip
    daily = example_snapshot(daily_kpi, [2400 + (i * 37) % 500 for i in range(365)], last=date(2026, 11, 29))
    panels = example_panels(snapshots)
    cases: dict[str, Callable[[], object]] = {
        "kpi chart, 1600x900 (mrr), light": lambda: render_kpi_chart(mrr, size=BIG),
        "kpi chart, monthly (mrr), light": lambda: render_kpi_chart(mrr),
        "kpi chart, monthly (churn), dark": lambda: render_kpi_chart(churn, theme="dark"),
        "kpi chart, daily, 365 points": lambda: render_kpi_chart(daily),
        "panels 2x2 (dashboard)": lambda: render_panels(panels, title="Executive dashboard"),
        "no data card": lambda: render_kpi_chart(
            example_snapshot(daily_kpi, [None], last=date(2026, 11, 29))
        ),
        "sparkline png": lambda: render_sparkline(mrr),
    }
    ours = 0.0
    for name, render in cases.items():
        timings = measure(render, args.runs)
        report(name, timings)
        ours = ours or statistics.median(timings[0])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "matplotlib-1600x900.png").write_bytes(render_kpi_chart(mrr, size=BIG).png)
    if args.no_browser:
        print("Chromium comparison skipped (--no-browser)")
    elif not CHROMIUM.exists():
        print(f"Chromium comparison skipped: {CHROMIUM} does not exist")
    else:
        compare_with_chromium(mrr, ours=ours, runs=args.runs, out=args.out)
    cache = ChartCache()
    key = chart_cache_key(mrr)
    image = cache.get_or_render(key, lambda: render_kpi_chart(mrr))
    report(
        "cache hit (key + lookup)",
        measure(lambda: cache.get_or_render(chart_cache_key(mrr), lambda: image), 1000),
    )
    print(f"load average before the threaded run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        total = args.runs * args.threads
        start = time.perf_counter()
        list(pool.map(lambda _: render_kpi_chart(mrr), range(total)))
        elapsed = time.perf_counter() - start
    print(
        f"{args.threads} threads, {total} kpi charts: {elapsed * 1000 / total:.1f} ms per chart wall "
        f"({total / elapsed:.1f} charts/s)"
    )


def compare_with_chromium(snapshot: KpiSnapshot, *, ours: float, runs: int, out: Path) -> None:
    """The same chart, 1600 x 900, drawn by ECharts in a warm headless Chromium and screenshotted."""
    option = echarts_option(snapshot)
    with echarts_page(width=1600, height=900) as page:
        for _ in range(3):  # warm: the browser, ECharts' code paths and the fonts
            png = page.render(option)
            page.render_new_page(option)
        same_tab = measure(lambda: page.render(option), runs)
        new_tab = measure(lambda: page.render_new_page(option), runs)
    (out / "chromium-1600x900.png").write_bytes(png)
    report("chromium, one warm tab, 1600x900", same_tab)
    report("chromium, a tab per chart, 1600x900", new_tab)
    for name, timings in (("one warm tab", same_tab), ("a tab per chart", new_tab)):
        theirs = statistics.median(timings[0])
        print(f"matplotlib {ours:.1f} ms vs Chromium ({name}) {theirs:.1f} ms: {theirs / ours:.1f}x faster")
    print(f"PNGs: {out}")


if __name__ == "__main__":
    main()
