"""Synthetic digests for the block-builder and poster tests: real `build_digest` over real snapshots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kpi_core.cohorts import CohortTable
from kpi_core.config.models import KpiDefinition
from kpi_core.digests.build import build_digest
from kpi_core.digests.content import Digest, OpenAlert
from kpi_core.digests.periods import digest_period
from kpi_core.evaluation import compute_snapshot
from kpi_core.snapshot import KpiSnapshot
from tests.kpi_core.digests.factories import make_digest

NOW = datetime(2026, 11, 17, 8, tzinfo=UTC)  # Tuesday 09:00 in Berlin: the daily digest reports Monday 16
RECORDED = datetime(2026, 11, 17, 0, 30, tzinfo=UTC)
DAYS = [date(2026, 8, 1) + timedelta(days=i) for i in range(109)]  # 1 Aug .. 17 Nov


def kpi(key: str, **fields: Any) -> KpiDefinition:
    return KpiDefinition.model_validate({"key": key, "name": fields.pop("name", key.upper()), **fields})


KPIS = {
    "dau": kpi("dau", name="Daily Active Users", category="growth", grain="daily", target=1000),
    "uptime": kpi("uptime", name="Uptime", category="operations", grain="daily", unit="percent", target=99.9),
    "mrr": kpi(
        "mrr", name="MRR", category="revenue", grain="monthly", unit="USD", target=20000, measure="level"
    ),
    "churn": kpi(
        "churn", name="Churn", category="customer", grain="monthly", unit="percent", direction="lower"
    ),
    "cac": kpi("cac", name="CAC", category="revenue", grain="monthly", unit="USD", direction="lower"),
    "nps": kpi("nps", name="NPS", category="customer", grain="monthly", unit="score"),
    "broken": kpi("broken", name="Broken Feed", category="operations", grain="daily"),
    "mabv": kpi(
        "mabv",
        name="MABV",
        category="growth",
        tier="north_star",
        grain="monthly",
        target={date(2026, 6, 30): 50000, date(2026, 12, 31): 200000, date(2027, 12, 31): 800000},
    ),
}

DAILY_SECTIONS: list[Any] = [
    {"headline": ["dau", "uptime", "mrr", "broken"]},
    {"chart": {"title": "Trends", "window": "30d", "panels": [{"title": "Users", "kpis": ["dau"]}]}},
    {"table": {"title": "All KPIs"}},
    {"alerts": {"severities": ["critical", "warning"], "limit": 2}},
    {"movers": {"count": 3}},
    "north_star",
]


def months(start: date, *values: float) -> list[tuple[date, float]]:
    out, year, month = [], start.year, start.month
    for value in values:
        out.append((date(year, month, 1), value))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def snap(definition: KpiDefinition, rows: Sequence[tuple[date, float]], **extra: Any) -> KpiSnapshot:
    return compute_snapshot(
        definition, list(rows), at=date(2026, 11, 16), now=NOW, recorded_at=RECORDED, **extra
    )


def demo_snapshots() -> dict[str, KpiSnapshot]:
    dau = [(day, 800.0 + 2 * i + (60 if day.weekday() == 0 else 0)) for i, day in enumerate(DAYS[:-1])]
    return {
        "dau": snap(KPIS["dau"], dau),
        "uptime": snap(KPIS["uptime"], [(d, 99.95) for d in DAYS[:-2]] + [(DAYS[-2], 99.5)]),
        "mrr": snap(KPIS["mrr"], months(date(2026, 7, 1), 15000, 16000, 17600, 18000, 18200)),
        "churn": snap(KPIS["churn"], months(date(2026, 9, 1), 3.4, 4.6)),  # +1.2 pts: a red flag
        "cac": snap(KPIS["cac"], months(date(2026, 9, 1), 1000, 800)),  # -20 %: a win
        "nps": snap(KPIS["nps"], months(date(2026, 9, 1), 40, 41)),
        "broken": snap(KPIS["broken"], [], source_error="warehouse: no such table: events"),
        "mabv": snap(
            KPIS["mabv"], months(date(2026, 5, 1), 30000, 60000, 90000, 120000, 150000, 170000, 180000)
        ),
    }


ALERTS = (
    OpenAlert("warning", "CAC increased 15%", "cac", datetime(2026, 11, 12, 9, tzinfo=UTC)),
    OpenAlert("critical", "Uptime below 99.9%", "uptime", datetime(2026, 11, 16, 3, tzinfo=UTC)),
    OpenAlert("warning", "NPS dipped", "nps", datetime(2026, 11, 13, 9, tzinfo=UTC), detail="41 vs 45"),
)


def make_content(
    *,
    sections: list[Any] | None = None,
    schedule: str = "daily at 09:00",
    timezone: str = "Europe/Berlin",
    late: bool = False,
    kpis: dict[str, KpiDefinition] | None = None,
    snapshots: dict[str, KpiSnapshot] | None = None,
    alerts: Sequence[OpenAlert] = ALERTS,
    fire_time: datetime = NOW,
    name: str = "daily",
    channels: tuple[str, ...] = ("#kpi-daily",),
    cohorts: Mapping[str, CohortTable | str] | None = None,
) -> Digest:
    """A built digest (default: the daily one, Monday 16 Nov 2026 in Berlin, every kind of section)."""
    definition = make_digest(
        schedule,
        timezone=timezone,
        name=name,
        channels=channels,
        sections=DAILY_SECTIONS if sections is None else sections,
        title="Daily KPIs" if name == "daily" else "",
    )
    return build_digest(
        definition,
        digest_period(definition, fire_time),
        kpis=kpis or KPIS,
        snapshots=demo_snapshots() if snapshots is None else snapshots,
        now=fire_time,
        open_alerts=alerts,
        late=late,
        north_star="mabv",
        cohorts=cohorts,
    )


def many_kpis(count: int, *, categories: int = 6) -> tuple[dict[str, KpiDefinition], dict[str, KpiSnapshot]]:
    """`count` monthly KPIs spread over `categories` categories, each with a long name and a value."""
    kpis = {
        f"k{i:03d}": kpi(
            f"k{i:03d}",
            name=f"Metric number {i:03d} with a rather long descriptive name",
            category=f"category_{i % categories}",
            unit="USD",
            target=5000,
        )
        for i in range(count)
    }
    snapshots = {
        key: snap(k, months(date(2026, 9, 1), 4000 + i, 4100 + 3 * i))
        for i, (key, k) in enumerate(kpis.items())
    }
    return kpis, snapshots
