"""The cohort and customer queries of config/kpis.yml on the demo warehouse: real tables, a churn model
with real signal, segments for every current customer."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kpi_core.cohorts import CohortKind
from kpi_core.cohorts.service import cohort_table
from kpi_core.config.loader import AppConfig, load_config
from kpi_core.customers.churn import RiskLevel
from kpi_core.customers.segments import Segment
from kpi_core.customers.service import customer_report
from kpibot_demo.data import WarehouseSummary, build_warehouse
from tests.kpibot_demo.data.conftest import END
from tests.pg import create_database

CONFIG = Path(__file__).resolve().parents[3] / "config"
TODAY = END + timedelta(days=1)


@pytest.fixture(scope="module")
def config(warehouse: tuple[str, WarehouseSummary]) -> AppConfig:
    return load_config(CONFIG, env={"KPIBOT_WAREHOUSE_URL": warehouse[0]})


def test_retention_cohorts_from_the_demo(config: AppConfig) -> None:
    table = cohort_table(config, kind=CohortKind.RETENTION, today=TODAY)
    assert len(table.rows) == 13
    # November is still running: no cohort yet; October has only its Month 0.
    assert table.rows[-1].label == "Oct 2026" and table.rows[-1].cells[1:] == (None,) * 4
    oldest = table.rows[0]
    assert oldest.label == "Oct 2025" and all(cell is not None for cell in oldest.cells)  # has its Month 12
    for row in table.rows:
        assert row.cells[0] == 100.0
        known = [cell for cell in row.cells if cell is not None]
        assert known == sorted(known, reverse=True)  # a customer who left does not come back
    month_1 = [cell for cell in table.column(1) if cell is not None]
    assert min(month_1) > 80 and max(month_1) <= 100 and min(month_1) < 100
    assert table.insights[-1].startswith("Target: 95% Month 1, 85% Month 3, 75% Month 6; newest: ")


def test_revenue_cohorts_have_nrr(config: AppConfig) -> None:
    table = cohort_table(config, kind=CohortKind.REVENUE, today=TODAY)
    assert table.unit == "USD"
    oldest = table.rows[0]
    assert oldest.nrr is not None and oldest.nrr_month == 12 and 60 < oldest.nrr < 160
    assert all(cell is None or 200 < cell < 3_000 for row in table.rows for cell in row.cells)
    assert any(line.startswith("Target NRR: 115% by Month 12; ") for line in table.insights)


def test_adoption_cohorts_from_the_demo(config: AppConfig) -> None:
    table = cohort_table(config, kind=CohortKind.ADOPTION, today=TODAY)
    assert table.periods == (1, 4, 12, 24, 52)
    assert {row.label for row in table.rows} == {
        "Dashboard Builder",
        "Data Connections",
        "Automated Reports",
        "Advanced Analytics",
        "API Usage",
        "Team Collaboration",
    }
    for row in table.rows:
        assert row.cells == tuple(sorted(row.cells, key=lambda c: c or 0))  # adoption only grows


def test_the_churn_model_finds_the_demo_signal(config: AppConfig) -> None:
    report = customer_report(config)
    assert report.as_of == END
    assert report.model.evaluation.auc >= 0.75
    assert len(report.risks) == len(report.segments) > 300
    at_risk = report.at_risk(limit=10)
    assert 0 < len(at_risk) <= 10
    assert all(a.risk.level is not RiskLevel.LOW and a.risk.factors and a.action for a in at_risk)
    assert {s.segment for s in report.segments} == set(Segment)
    assert sum(s.customers for s in report.summary) == len(report.segments)


@pytest.mark.postgres
def test_postgresql_gives_the_same_cohorts_and_model(
    postgres_admin_url: str, config: AppConfig, warehouse: tuple[str, WarehouseSummary]
) -> None:
    url = create_database(postgres_admin_url)
    build_warehouse(url, end=END)
    on_postgres = load_config(CONFIG, env={"KPIBOT_WAREHOUSE_URL": url})
    for kind in CohortKind:
        sqlite_table = cohort_table(config, kind=kind, today=TODAY)
        pg_table = cohort_table(on_postgres, kind=kind, today=TODAY)
        assert [(r.label, r.size) for r in pg_table.rows] == [(r.label, r.size) for r in sqlite_table.rows]
        for pg_row, sqlite_row in zip(pg_table.rows, sqlite_table.rows, strict=True):
            assert pg_row.cells == pytest.approx(sqlite_row.cells), (kind, pg_row.label)
        assert pg_table.insights == sqlite_table.insights
    assert customer_report(on_postgres).model.evaluation.auc == pytest.approx(
        customer_report(config).model.evaluation.auc
    )
