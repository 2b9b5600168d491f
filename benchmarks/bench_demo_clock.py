"""The demo's "+1 week" button: `DemoController.advance(hours=168)` on a fresh demo, end to end.

    python benchmarks/bench_demo_clock.py [--runs 3] [--hours 168]

Each run starts the whole demo (emulator, the real bot on HTTP, background digests and alerts, the page
server) on a fresh copy of a prepared demo database, with the clock at Friday 20 Nov 2026 14:00 UTC, and
times one `advance` (what the page's button calls): every digest that falls due posts through the
emulator, every alert timer runs. Prints the median and p95 of the runs (after one warm-up run) and the
summary of what fired and what was skipped in the last run. The CPU time (time.process_time: the bot,
the emulator and the page server all run in this process) is less sensitive than wall time to other
work on a shared machine.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kpi_core.clock import ManualClock  # noqa: E402
from kpi_core.runtime import Runtime  # noqa: E402
from kpi_core.settings import Settings  # noqa: E402
from kpibot_demo import start_demo  # noqa: E402
from kpibot_demo.data.prepare import prepare_demo  # noqa: E402

NOW = datetime(2026, 11, 20, 14, tzinfo=UTC)  # a Friday afternoon, as the tests use


def prepare(folder: Path) -> Path:
    os.environ["KPIBOT_WAREHOUSE_URL"] = f"sqlite:///{folder / 'warehouse.db'}"
    template = folder / "template.db"
    settings = Settings(DATABASE_URL=f"sqlite:///{template}", KPIBOT_CONFIG=REPO / "config")
    runtime = Runtime.create(settings, clock=ManualClock(NOW))
    prepare_demo(runtime, now=NOW)
    runtime.close()
    return template


def one_run(template: Path, folder: Path, *, hours: float) -> tuple[float, float, str]:
    copy = folder / "run.db"
    shutil.copy(template, copy)
    with start_demo(
        config_dir=REPO / "config",
        database_url=f"sqlite:///{copy}",
        port=0,
        clock=ManualClock(NOW),
        prepare=False,
        tick_interval=None,
    ) as demo:
        demo.controller.tick()  # what the ticker does at start
        start, cpu = time.perf_counter(), time.process_time()
        outcome = demo.controller.advance(hours=hours)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return elapsed, cpu, outcome.message


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hours", type=float, default=168)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        template = prepare(folder)
        first, _, _ = one_run(template, folder, hours=args.hours)
        runs = [one_run(template, folder, hours=args.hours) for _ in range(args.runs)]
    seconds = [elapsed for elapsed, _, _ in runs]
    cpu = [used for _, used, _ in runs]
    print(
        f"advance {args.hours:g} h: wall median {statistics.median(seconds):.2f} s, "
        f"p95 {p95(seconds):.2f} s; "
        f"CPU (all threads of this process) median {statistics.median(cpu):.2f} s "
        f"over {args.runs} runs (warm-up {first:.2f} s)"
    )
    print(f"last run said: {runs[-1][2]}")


if __name__ == "__main__":
    main()
