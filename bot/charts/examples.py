"""Write the example charts in docs/charts/ from realistic made-up data.

python -m bot.charts.examples [OUT_DIR] [--theme light|dark]
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PIL import Image

from bot.charts.kpi_chart import render_kpi_chart
from bot.charts.panels import Panel, render_panels
from kpi_core.config.models import KpiDefinition, Thresholds
from kpi_core.periods import shift_period
from kpi_core.snapshot import KpiSnapshot, Point
from kpi_core.standing import compute_health

AT = date(2026, 11, 30)


def example_snapshot(kpi: KpiDefinition, values: Sequence[float | None], *, last: date) -> KpiSnapshot:
    """A snapshot whose series ends at `last`, one value per period of the KPI's grain."""
    start = shift_period(last, kpi.grain, -(len(values) - 1))
    series = tuple(Point(shift_period(start, kpi.grain, i), v) for i, v in enumerate(values))
    known = [p for p in series if p.value is not None]
    value = known[-1].value if known else None
    target = kpi.target_at(AT)
    return KpiSnapshot(
        kpi=kpi,
        at=AT,
        period=known[-1].period if known else None,
        value=value,
        previous=known[-2].value if len(known) > 1 else None,
        change=None,
        year_over_year=None,
        target=target,
        progress=None,
        health=compute_health(value, kpi.thresholds, kpi.direction),
        series=series,
    )


MRR = KpiDefinition(
    key="mrr",
    name="MRR",
    unit="USD",
    grain="monthly",
    target=500_000,
    thresholds=Thresholds(warning=330_000, critical=300_000),
)
CHURN = KpiDefinition(
    key="churn",
    name="Customer churn",
    unit="percent",
    grain="monthly",
    direction="lower",
    target=2.5,
    thresholds=Thresholds(warning=3.0, critical=4.0),
)
NEW_CUSTOMERS = KpiDefinition(key="new_customers", name="New customers", grain="monthly")
CHURNED = KpiDefinition(key="churned_customers", name="Churned", grain="monthly", direction="lower")
DAU_MAU = KpiDefinition(
    key="dau_mau",
    name="DAU/MAU",
    unit="percent",
    grain="weekly",
    target=25,
    thresholds=Thresholds(warning=20, critical=15),
)
LTV_CAC = KpiDefinition(
    key="ltv_cac",
    name="LTV:CAC",
    unit="ratio",
    grain="monthly",
    target=3.0,
    thresholds=Thresholds(warning=2.5, critical=1.5),
)

LAST_MONTH = date(2026, 11, 1)
# A clean year for the board-deck examples; gaps are exercised by the tests.
MRR_VALUES: tuple[float | None, ...] = (
    310_400, 322_900, 331_200, 345_800, 352_100, 366_500,
    381_700, 398_300, 412_900, 437_600, 458_200, 480_100,
)  # fmt: skip
CHURN_VALUES = (2.4, 2.6, 2.3, 2.8, 3.1, 2.9, 3.3, 3.6, 3.2, 3.4, 3.1, 3.5)


def example_snapshots() -> dict[str, KpiSnapshot]:
    return {
        "mrr": example_snapshot(MRR, MRR_VALUES, last=LAST_MONTH),
        "churn": example_snapshot(CHURN, CHURN_VALUES, last=LAST_MONTH),
        "new_customers": example_snapshot(
            NEW_CUSTOMERS, (142, 156, 149, 171, 188, 176, 203, 219, 212, 236, 251, 268), last=LAST_MONTH
        ),
        "churned": example_snapshot(
            CHURNED, (61, 58, 66, 63, 70, 72, 69, 77, 74, 81, 79, 84), last=LAST_MONTH
        ),
        "dau_mau": example_snapshot(
            DAU_MAU,
            (19.2, 19.8, 20.4, 19.9, 21.1, 21.6, 22.3, 21.8, 22.9, 23.4, 23.1, 24.0, 24.6),
            last=date(2026, 11, 23),
        ),
        "ltv_cac": example_snapshot(
            LTV_CAC, (2.4, 2.5, 2.7, 2.6, 2.8, 2.9, 3.1, 3.0, 3.2, 3.3, 3.2, 3.4), last=LAST_MONTH
        ),
    }


def example_panels(snapshots: dict[str, KpiSnapshot]) -> list[Panel]:
    return [
        Panel("Revenue trend", (snapshots["mrr"],)),
        Panel("Customer growth", (snapshots["new_customers"], snapshots["churned"]), kind="bar"),
        Panel("Engagement", (snapshots["dau_mau"],)),
        Panel("Efficiency", (snapshots["ltv_cac"],)),
    ]


def write_examples(out: Path, *, theme: str = "light") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    snapshots = example_snapshots()
    suffix = "" if theme == "light" else f"-{theme}"
    images = {
        f"mrr{suffix}.png": render_kpi_chart(snapshots["mrr"], theme=theme),
        f"churn{suffix}.png": render_kpi_chart(snapshots["churn"], theme=theme),
        f"dashboard{suffix}.png": render_panels(
            example_panels(snapshots), title="Executive dashboard · Nov 2026", theme=theme
        ),
    }
    written = []
    for name, image in images.items():
        path = out / name
        # The bot uploads fast level-1 PNGs; files committed to the repository get the slow, small encoding.
        Image.open(io.BytesIO(image.png)).save(path, format="PNG", optimize=True)
        written.append(path)
        print(f"{path}  {image.width}x{image.height}  {len(image.png) // 1024} KB\n  alt: {image.alt_text}")
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="docs/charts", type=Path)
    parser.add_argument("--theme", default="light", choices=("light", "dark"))
    args = parser.parse_args(argv)
    write_examples(args.out, theme=args.theme)


if __name__ == "__main__":
    main()
