"""Building the demo digests: content (snapshots from the database) + Block Kit + the composed chart PNG.

    python benchmarks/bench_digests.py [--runs 10] [--database-url sqlite:///data/kpibot.db]

For the daily (Thursday 19 Nov 2026), weekly (week 46, 32 KPIs, 4-panel chart) and monthly (October 2026)
digests of config/digests.yml on the demo database (prepared in a temp dir unless --database-url):
- cold: a fresh ChartCache every build, so the chart is rendered (matplotlib, PNG encoding);
- warm: the second build with the same cache, so the chart is a cache hit (what a second channel, a
  resumed run or a repeated preview costs).
Prints the median and p95 of `--runs` builds with time.perf_counter (after one warm-up build, reported
as "first": imports and matplotlib's font cache), the share of each step in the cold median, and the
peak traced memory (tracemalloc, measured in separate builds so it does not slow the timed ones).
Target (issue 4): the weekly digest built in under 2 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.blocks.digest import ChartSlot, build_digest_messages  # noqa: E402
from bot.charts import ChartCache  # noqa: E402
from bot.digest_charts import render_digest_charts  # noqa: E402
from kpi_core.clock import ManualClock  # noqa: E402
from kpi_core.digests.periods import period_containing  # noqa: E402
from kpi_core.runtime import Runtime  # noqa: E402
from kpi_core.settings import Settings  # noqa: E402
from scheduling.scheduler import make_builder  # noqa: E402

NOW = datetime(2026, 11, 20, 14, tzinfo=UTC)
DIGESTS = {"daily": date(2026, 11, 19), "weekly": date(2026, 11, 11), "monthly": date(2026, 10, 5)}
shape: dict[str, tuple[int, int, int]] = {}  # digest -> (KPIs, blocks in the message, thread replies)


def prepare(folder: Path) -> str:
    from kpibot_demo.data.prepare import prepare_demo

    os.environ["KPIBOT_WAREHOUSE_URL"] = f"sqlite:///{folder / 'warehouse.db'}"
    url = f"sqlite:///{folder / 'kpibot.db'}"
    runtime = Runtime.create(
        Settings(DATABASE_URL=url, KPIBOT_CONFIG=REPO / "config"), clock=ManualClock(NOW)
    )
    prepare_demo(runtime, now=NOW)
    runtime.close()
    return url


def builder(runtime: Runtime, name: str) -> Callable[[ChartCache], dict[str, float]]:
    """One full build of digest `name`: returns the seconds spent in each step."""
    digest = runtime.config.digests.digest(name)
    period = period_containing(digest, DIGESTS[name], scheduled_for=NOW)
    build = make_builder(service=runtime.service, config=runtime.config, clock=runtime.clock)

    def once(cache: ChartCache) -> dict[str, float]:
        start = time.perf_counter()
        content = build(digest, period, previous_run_at=None, late=False)
        built = time.perf_counter()
        charts = render_digest_charts(content, cache=cache)
        drawn = time.perf_counter()
        slots = {i: ChartSlot(file_id=f"F{i}", alt_text=img.alt_text) for i, img in charts.images.items()}
        messages = build_digest_messages(content, charts=slots)
        assert messages.main.blocks and charts.images, f"{name}: no blocks or no chart"
        end = time.perf_counter()
        shape[name] = (
            len({line.key for line in content.lines()}),
            len(messages.main.blocks),
            len(messages.thread),
        )
        return {"content": built - start, "chart": drawn - built, "blocks": end - drawn, "total": end - start}

    return once


def peak_mib(once: Callable[[ChartCache], dict[str, float]], cache: ChartCache) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    once(cache)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url", default=None, help="a prepared demo database (default: build one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or prepare(Path(folder))
        runtime = Runtime.create(
            Settings(DATABASE_URL=url, KPIBOT_CONFIG=REPO / "config"), clock=ManualClock(NOW)
        )
        print(f"{'digest':<8} {'mode':<5} {'median':>8} {'p95':>8} {'peak MiB':>9}   cold median split")
        for name in DIGESTS:
            once = builder(runtime, name)
            first = once(ChartCache())["total"]
            cold = [once(ChartCache()) for _ in range(args.runs)]
            cache = ChartCache()
            once(cache)
            warm = [once(cache) for _ in range(args.runs)]
            cold_peak, warm_peak = peak_mib(once, ChartCache()), peak_mib(once, cache)
            split = "  ".join(
                f"{step} {statistics.median(r[step] for r in cold) * 1000:.0f} ms"
                for step in ("content", "chart", "blocks")
            )
            for mode, runs, peak in (("cold", cold, cold_peak), ("warm", warm, warm_peak)):
                totals = [r["total"] * 1000 for r in runs]
                print(
                    f"{name:<8} {mode:<5} {statistics.median(totals):6.0f}ms {p95(totals):6.0f}ms {peak:9.1f}"
                    + (f"   {split} (first in process {first * 1000:.0f} ms)" if mode == "cold" else "")
                )
        for name, (kpis, blocks, replies) in shape.items():
            print(f"{name}: {kpis} KPIs, one message of {blocks} blocks, {replies} thread replies")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"process max RSS {rss:.0f} MiB (tracemalloc sees Python objects, not matplotlib's C buffers)")
        runtime.close()


if __name__ == "__main__":
    main()
