"""Forecast accuracy (rolling-origin backtest) and speed.

    python benchmarks/bench_forecast.py [--only demo,public,speed] [--runs 5]

- demo: every KPI of the demo warehouse (config/kpis.yml, 24 months ending NOW, refreshed into SQLite in
  a temp dir) with at least 16 complete periods.
- public: series bundled with statsmodels (nothing is downloaded): Mauna Loa CO2 (weekly, 1958-2001),
  El Niño sea surface temperature (monthly, 1950-2010), euro-area electrical equipment orders (monthly,
  1996-2012) and US real GDP (quarterly, 1959-2009).
- speed: forecasting 200 daily KPIs with 3 years of data each (`forecast_points`, the uncached path:
  complete periods, the fit and the dated points), median of N runs after a warm-up.

Rolling origin: from each origin (the last ORIGINS of each series, one period apart) the model sees only
the values before it and forecasts H periods (monthly 6, weekly 13, quarterly 4, daily 14). Errors of all
origins and steps are pooled per series. MASE divides the mean absolute error by the in-sample MAE of the
one-step seasonal naive forecast before the first origin (Hyndman & Koehler, 2006); the naive (last
value) and seasonal-naive (same period one season back) forecasts are scored on the same origins, so
"rel sn" = MAE(model) / MAE(seasonal naive) below 1 means the model beats seasonal naive. Coverage is the
share of actual values inside the 80% interval (target 70-90%).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from kpi_core.config.loader import load_config
from kpi_core.forecast.model import fit_forecast
from kpi_core.forecast.series import HISTORY_LIMIT, SEASON_LENGTH, complete_history, forecast_points
from kpi_core.snapshot import Point
from kpi_core.sources import refresh, store_for
from kpi_core.storage.db import Database
from kpi_core.storage.migrate import upgrade
from kpibot_demo.data.warehouse import build_warehouse

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)
HORIZON = {"daily": 14, "weekly": 13, "monthly": 6, "quarterly": 4}
ORIGINS = {"daily": 60, "weekly": 104, "monthly": 36, "quarterly": 24}


@dataclass(frozen=True)
class Score:
    name: str
    grain: str
    n: int
    mase: float
    mase_naive: float
    mase_snaive: float
    coverage: float

    @property
    def relative(self) -> float:
        return self.mase / self.mase_snaive if self.mase_snaive else float("nan")


def backtest(name: str, values: np.ndarray, grain: str, *, origins: int | None = None) -> Score | None:
    m, h = SEASON_LENGTH[grain], HORIZON[grain]
    count = min(origins or ORIGINS[grain], len(values) - h - max(m, 8))
    if count < 3:
        return None
    first = len(values) - h - count + 1
    train = values[:first]
    lag = m if len(train) > m else 1
    scale = float(np.mean(np.abs(train[lag:] - train[:-lag])))
    err, err_naive, err_snaive, inside = [], [], [], []
    for origin in range(first, first + count):
        history = values[max(0, origin - HISTORY_LIMIT[grain]) : origin]
        actual = values[origin : origin + h]
        fit = fit_forecast(history.tolist(), horizon=h, season_length=m)
        err.extend(np.abs(np.array(fit.mean) - actual))
        inside.extend((np.array(fit.low) <= actual) & (actual <= np.array(fit.high)))
        err_naive.extend(np.abs(history[-1] - actual))
        season = history[-m:] if len(history) >= m else np.full(m, history[-1])
        err_snaive.extend(np.abs(np.resize(season, h) - actual))
    if scale == 0:
        return None
    return Score(
        name=name,
        grain=grain,
        n=len(values),
        mase=float(np.mean(err)) / scale,
        mase_naive=float(np.mean(err_naive)) / scale,
        mase_snaive=float(np.mean(err_snaive)) / scale,
        coverage=float(np.mean(inside)),
    )


def public_series() -> list[tuple[str, np.ndarray, str]]:
    from statsmodels.datasets import co2, elec_equip, elnino, macrodata

    weekly = co2.load_pandas().data["co2"].interpolate().bfill().to_numpy()
    nino = elnino.load_pandas().data.drop(columns="YEAR").to_numpy().ravel()
    equipment = elec_equip.load().data.iloc[:, 0].to_numpy()
    gdp = macrodata.load_pandas().data["realgdp"].to_numpy()
    return [
        ("co2 (weekly)", weekly, "weekly"),
        ("elnino (monthly)", nino, "monthly"),
        ("elec_equip (monthly)", equipment, "monthly"),
        ("realgdp (quarterly)", gdp, "quarterly"),
    ]


def demo_series(folder: Path) -> list[tuple[str, np.ndarray, str]]:
    warehouse = f"sqlite:///{folder / 'warehouse.db'}"
    build_warehouse(warehouse, end=NOW.date(), months=24)
    config = load_config(REPO / "config")
    catalog = config.catalog.model_copy(
        update={"databases": dict.fromkeys(config.catalog.databases, warehouse)}
    )
    config = replace(config, catalog=catalog)
    database = Database.from_url(f"sqlite:///{folder / 'demo.db'}")
    upgrade(database.engine)
    refresh(config, database, now=NOW)
    series = store_for(config, database).series(config.kpis)
    out = []
    for key, kpi in config.kpis.items():
        points = [Point(p, v) for p, v in series.get(key, [])]
        history = complete_history(points=points, grain=kpi.grain, today=NOW.date())
        if len(history) >= 16:
            out.append((key, np.array([v for _, v in history]), kpi.grain))
    database.engine.dispose()
    return out


def print_scores(title: str, scores: list[Score]) -> None:
    print(f"\n{title}")
    print(
        f"{'series':<28}{'grain':<10}{'n':>6}{'MASE':>8}{'naive':>8}{'snaive':>8}{'rel sn':>8}{'cover80':>9}"
    )
    for s in scores:
        print(
            f"{s.name:<28}{s.grain:<10}{s.n:>6}{s.mase:>8.3f}{s.mase_naive:>8.3f}{s.mase_snaive:>8.3f}"
            f"{s.relative:>8.3f}{s.coverage:>9.1%}"
        )
    beats = sum(s.relative < 1 for s in scores)
    coverages = [s.coverage for s in scores]
    relative = statistics.median(s.relative for s in scores)
    print(
        f"beats seasonal naive on {beats}/{len(scores)} series; median coverage "
        f"{statistics.median(coverages):.1%}; median rel sn {relative:.3f}"
    )


def synthetic_daily(count: int, days: int) -> list[list[Point]]:
    rng = np.random.default_rng(11)
    first = NOW.date() - timedelta(days=days)
    t = np.arange(days)
    out = []
    for _ in range(count):
        level = rng.uniform(100, 10_000)
        y = level * (1 + rng.uniform(-0.2, 0.5) * t / days + 0.1 * np.sin(2 * np.pi * t / 365))
        y += np.where((t + first.weekday()) % 7 >= 5, -0.2 * level, 0) + rng.normal(0, 0.03 * level, days)
        out.append([Point(first + timedelta(days=int(i)), float(v)) for i, v in enumerate(y)])
    return out


def bench_speed(runs: int) -> None:
    kpis = synthetic_daily(200, 3 * 365 + 1)
    today = NOW.date()

    def work() -> None:
        for points in kpis:
            forecast_points(points=points, grain="daily", today=today, horizon=90)

    work()
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    median = statistics.median(timings)
    print(
        f"\nspeed: 200 daily KPIs x {len(kpis[0])} days, 90-day forecasts: median {median:.2f} s wall, "
        f"{statistics.median(cpu):.2f} s CPU (wall min {min(timings):.2f}, max {max(timings):.2f}, n={runs}; "
        "target < 2 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="demo,public,speed")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    only = set(args.only.split(","))
    if "public" in only:
        print_scores(
            "public series (statsmodels.datasets)",
            [s for n, v, g in public_series() if (s := backtest(n, v, g))],
        )
    if "demo" in only:
        with tempfile.TemporaryDirectory(prefix="kpibot-bench-") as tmp:
            scores = [s for n, v, g in demo_series(Path(tmp)) if (s := backtest(n, v, g))]
        print_scores("demo warehouse KPIs (24 months)", scores)
    if "speed" in only:
        bench_speed(args.runs)


if __name__ == "__main__":
    main()
