"""The churn model on the demo warehouse: held-back AUC and how long training, evaluation and scoring take.

    python benchmarks/bench_churn.py [--runs 5] [--seeds 7,11,23]

For each seed it builds the 24-month demo warehouse (ending 2026-11-21) in a temporary directory,
reads the account snapshots through the `customers:` query of config/kpis.yml, then, `--runs` times:
trains the model (the newest quarter of snapshot dates held back, AUC measured on them, then refit on
all labelled snapshots) and scores every current customer. Prints the AUC (deterministic for a seed)
and the median and p95 of the wall time. The target on the demo data is AUC >= 0.75.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from kpi_core.config.loader import load_config
from kpi_core.customers.churn import score_customers, train_churn_model
from kpi_core.customers.service import load_snapshots
from kpi_core.customers.source import latest_snapshots
from kpibot_demo.data.warehouse import build_warehouse

REPO = Path(__file__).resolve().parent.parent
END = date(2026, 11, 21)
TARGET_AUC = 0.75


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seeds", default="7", help="comma-separated demo seeds (7 is the demo's)")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        for seed in [int(s) for s in args.seeds.split(",")]:
            url = f"sqlite:///{Path(folder) / f'warehouse-{seed}.db'}"
            build_warehouse(url, end=END, seed=seed)
            config = load_config(REPO / "config", env={"KPIBOT_WAREHOUSE_URL": url})
            assert config.catalog.customers is not None
            started = time.perf_counter()
            snapshots = load_snapshots(config, config.catalog.customers)
            query_ms = (time.perf_counter() - started) * 1000
            current = latest_snapshots(snapshots)
            timings, auc, levels = [], 0.0, Counter[str]()
            for _ in range(args.runs):
                started = time.perf_counter()
                model = train_churn_model(snapshots, features=config.catalog.customers.features)
                risks = score_customers(model, current)
                timings.append((time.perf_counter() - started) * 1000)
                auc = model.evaluation.auc
                levels = Counter(r.level.value for r in risks)
            evaluation = model.evaluation
            ordered = sorted(timings)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            print(
                f"seed {seed:>3}: AUC {auc:.3f} (held back: {evaluation.test_snapshots} snapshots from "
                f"{evaluation.test_from}, {evaluation.test_churned} churned; trained on "
                f"{evaluation.train_snapshots})"
            )
            print(
                f"          train+evaluate+score {len(current)} customers: median "
                f"{statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, n={len(ordered)}; "
                f"query {query_ms:.0f} ms for {len(snapshots)} snapshots; levels {dict(levels)}"
            )
            failed = failed or auc < TARGET_AUC
    if failed:
        raise SystemExit(f"AUC below the {TARGET_AUC} target")


if __name__ == "__main__":
    main()
