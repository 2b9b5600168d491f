"""One demo warehouse per test session (building one takes a couple of seconds), and the demo KPIs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from sqlalchemy import create_engine, text

from kpi_core.config.models import KpiDefinition, SqlSource
from kpibot_demo.data import WarehouseSummary, build_warehouse
from kpi_core.periods import period_start
from kpi_core.warehouse_sql import read_result

KPIS_FILE = Path(__file__).resolve().parents[3] / "config" / "kpis.yml"
END = date(2026, 11, 21)  # a Saturday, three weeks into a 30-day month: a partial month and week

Series = dict[str, list[tuple[date, float]]]


def demo_kpis() -> dict[str, KpiDefinition]:
    """The KPIs of config/kpis.yml, read with a plain YAML parser and validated one by one."""
    raw: dict[str, Any] = YAML(typ="safe").load(KPIS_FILE)
    return {str(key): KpiDefinition(key=str(key), **body) for key, body in raw["kpis"].items()}


def run_sql_kpis(
    url: str, kpis: dict[str, KpiDefinition], *, today: date = END, undefined: set[str] | None = None
) -> Series:
    """Run every sql KPI against a warehouse, read the rows the way `kpibot refresh` does.

    The running period is to date: a ratio whose denominator has counted nothing yet (no customer won
    on the 1st) is NULL there. Pass `undefined` to allow exactly that (the keys are added to it);
    any other skipped row fails."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    found: Series = {}
    try:
        with engine.connect() as connection:
            for key, kpi in kpis.items():
                if isinstance(kpi.source, SqlSource):
                    result = connection.execute(text(kpi.source.sql))
                    columns, rows = list(result.keys()), [tuple(row) for row in result]
                    values, notes = read_result(kpi, columns, rows, today=today)
                    running = f"1 row(s) with a NULL value (first: {period_start(today, kpi.grain)})"
                    if undefined is not None and len(notes) == 1 and running in notes[0]:
                        undefined.add(key)
                        notes = []
                    assert notes == [], f"{key}: {notes}"
                    found[key] = values
    finally:
        engine.dispose()
    return found


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, WarehouseSummary]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'warehouse.db'}"
    return url, build_warehouse(url, end=END)


@pytest.fixture(scope="session")
def kpis() -> dict[str, KpiDefinition]:
    return demo_kpis()


@pytest.fixture(scope="session")
def series(warehouse: tuple[str, WarehouseSummary], kpis: dict[str, KpiDefinition]) -> Series:
    return run_sql_kpis(warehouse[0], kpis)
