"""Timings of kpi_core's data path: median and p95 of N runs (time.perf_counter), after one warm-up run.

    python benchmarks/bench_core.py [--runs 10] [--only demo-snapshots,demo-refresh,snapshots-200]
                                    [--database-url URL]

- demo-snapshots: the snapshot of every demo KPI (config/kpis.yml) for one date, from a refreshed
  demo database (KpiService.snapshots: three queries, then compute_snapshot per KPI).
- demo-refresh: refreshing all demo sources (every sql query against the 24-month demo warehouse,
  then every formula), on an already-filled database (the steady state: values compared, none new).
- snapshots-200: snapshots of 200 daily KPIs with 3 years of daily data (219,200 observations).

Everything runs in a temporary directory on SQLite unless --database-url names an empty database
(for example a PostgreSQL one) for kpibot's own tables; the demo warehouse is always SQLite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kpi_core.clock import ManualClock
from kpi_core.config.loader import AppConfig, load_config
from kpi_core.service import KpiService
from kpi_core.sources import refresh, store_for
from kpi_core.storage.db import Database
from kpi_core.storage.migrate import upgrade
from kpibot_demo.data.warehouse import build_warehouse

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)


def measure(work: Callable[[], object], runs: int) -> list[float]:
    work()  # warm-up: imports, engine pools, SQLite page cache
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def report(name: str, timings: list[float], note: str = "") -> None:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    print(f"{name:<16} median {median:9.1f} ms   p95 {p95:9.1f} ms   n={len(ordered)}   {note}")


def fresh_database(url: str | None, folder: Path, name: str) -> Database:
    database = Database.from_url(url or f"sqlite:///{folder / name}")
    upgrade(database.engine)
    return database


def demo_setup(folder: Path, url: str | None) -> tuple[AppConfig, Database]:
    warehouse = f"sqlite:///{folder / 'warehouse.db'}"
    build_warehouse(warehouse, end=NOW.date(), months=24)
    config = load_config(REPO / "config")
    # Point every named database of the demo config at this run's warehouse file.
    catalog = config.catalog.model_copy(
        update={"databases": dict.fromkeys(config.catalog.databases, warehouse)}
    )
    config = replace(config, catalog=catalog)
    database = fresh_database(url, folder, "demo.db")
    first = refresh(config, database, now=NOW)
    if first.failed:
        raise SystemExit("demo refresh failed: " + "; ".join(f"{r.key}: {r.error}" for r in first.failed))
    return config, database


def bench_demo(runs: int, folder: Path, url: str | None, only: set[str]) -> None:
    config, database = demo_setup(folder, url)
    kpis = config.kpis
    sql = sum(kpi.source.kind == "sql" for kpi in kpis.values())
    formulas = sum(kpi.source.kind == "formula" for kpi in kpis.values())
    if "demo-snapshots" in only:
        service = KpiService(config, database, clock=ManualClock(NOW), timezone="UTC")
        timings = measure(lambda: service.snapshots(at=NOW.date()), runs)
        report("demo-snapshots", timings, f"{len(kpis)} KPIs at {NOW.date()}")
    if "demo-refresh" in only:
        timings = measure(lambda: refresh(config, database, now=NOW), runs)
        report("demo-refresh", timings, f"{sql} sql sources + {formulas} formulas, 24 months")
    database.engine.dispose()


def bench_200(runs: int, folder: Path, url: str | None) -> None:
    directory = folder / "config200"
    directory.mkdir()
    kpis = {
        f"kpi_{n:03d}": {
            "name": f"Metric {n}",
            "category": f"group_{n % 8}",
            "grain": "daily",
            "unit": "USD" if n % 3 == 0 else "count",
            "direction": "lower" if n % 5 == 0 else "higher",
            "target": 1000 + n,
            "thresholds": {"warning": 900, "critical": 700} if n % 2 and n % 5 else {},
        }
        for n in range(200)
    }
    (directory / "kpis.yml").write_text(json.dumps({"kpis": kpis}))
    config = load_config(directory, env={})
    database = fresh_database(url, folder, "two_hundred.db")
    first_day = NOW.date() - timedelta(days=3 * 365 + 1)
    days = [first_day + timedelta(days=d) for d in range((NOW.date() - first_day).days + 1)]
    store = store_for(config, database)
    started = time.perf_counter()
    for n, key in enumerate(kpis):
        store.record_many(
            [(key, day, 800.0 + n + (i % 97) * 3.5) for i, day in enumerate(days)], source="import", now=NOW
        )
    loaded = time.perf_counter() - started
    rows = len(days) * len(kpis)
    print(f"(loaded {rows:,} observations in {loaded:.1f} s: {rows / loaded:,.0f} rows/s via record_many)")
    service = KpiService(config, database, clock=ManualClock(NOW), timezone="UTC")
    timings = measure(lambda: service.snapshots(at=NOW.date()), runs)
    report("snapshots-200", timings, f"200 daily KPIs x {len(days)} days, default 90d window + YoY")
    database.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", default="demo-snapshots,demo-refresh,snapshots-200")
    parser.add_argument("--database-url", default=None, help="an EMPTY database for kpibot's tables")
    args = parser.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="kpibot-bench-") as tmp:
        folder = Path(tmp)
        if only & {"demo-snapshots", "demo-refresh"}:
            bench_demo(args.runs, folder, args.database_url, only)
        if "snapshots-200" in only:
            if args.database_url and only & {"demo-snapshots", "demo-refresh"}:
                raise SystemExit("--database-url holds one data set: run snapshots-200 on its own with it")
            bench_200(args.runs, folder, args.database_url)


if __name__ == "__main__":
    main()
