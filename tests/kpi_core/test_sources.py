from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kpi_core.config.models import KpiDefinition
from kpi_core.sources import recompute_formulas, refresh, store_for
from kpi_core.storage.db import Database
from kpi_core.warehouse_sql import SourceError, dispose_engines, read_result, run_query, warehouse_engine
from tests.kpi_core.core_fixtures import BASE_KPIS, BASE_WAREHOUSE, fill_warehouse, make_config
from tests.pg import create_database

NOW = datetime(2026, 3, 19, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _close_warehouse_engines() -> Iterator[None]:
    yield
    dispose_engines()


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty ad-hoc warehouse: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.db'}"
    return create_database(request.getfixturevalue("postgres_admin_url"))


def _kpis(**changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {**BASE_KPIS, **changes}


def test_rows_and_scalar_sources_are_recorded_by_period(
    db: Database, warehouse_url: str, tmp_path: Path
) -> None:
    fill_warehouse(
        warehouse_url,
        [
            *BASE_WAREHOUSE,
            "CREATE TABLE signups (day DATE, n INTEGER)",
            "INSERT INTO signups VALUES ('2026-03-02', 5), ('2026-03-09', NULL), ('2026-03-16', 7)",
            "CREATE TABLE scores (nps NUMERIC(5, 1))",
            "INSERT INTO scores VALUES (52.5)",
        ],
    )
    kpis = _kpis(
        signups={"name": "Signups", "grain": "weekly", "source": {"sql": "SELECT day, n FROM signups"}},
        nps={**BASE_KPIS["nps"], "source": {"sql": "SELECT nps FROM scores"}},
    )
    config = make_config(tmp_path / "config", warehouse_url=warehouse_url, kpis=kpis)
    report = refresh(config, db, now=NOW)
    assert report.ok, report.failed
    store = store_for(config, db)
    series = store.series(["mrr", "signups", "nps", "arr"])
    assert series["mrr"] == [
        (date(2026, 1, 1), 10000.0),
        (date(2026, 2, 1), 11000.0),
        (date(2026, 3, 1), 12450.0),
    ]
    assert series["signups"] == [(date(2026, 3, 2), 5.0), (date(2026, 3, 16), 7.0)]
    assert report.result("signups").notes == ("skipped 1 row(s) with a NULL value (first: 2026-03-09)",)
    assert series["nps"] == [(date(2026, 1, 1), 52.5)]  # the scalar goes to the current quarter
    assert series["arr"][-1] == (date(2026, 3, 1), 149400.0)
    assert report.result("mrr").inserted == 3 and report.result("mrr").latest == (date(2026, 3, 1), 12450.0)
    assert store.source_statuses(["mrr"])["mrr"].last_error is None


def test_a_scalar_lands_in_the_current_period_of_the_configured_timezone(
    sqlite_db: Database, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    fill_warehouse(url, ["CREATE TABLE t (x INTEGER)", "INSERT INTO t VALUES (42)"])
    kpis = {"users": {"name": "Users", "grain": "monthly", "source": {"sql": "SELECT x FROM t"}}}
    config = make_config(tmp_path / "c", warehouse_url=url, kpis=kpis)
    late_evening_utc = datetime(2026, 3, 31, 20, tzinfo=UTC)  # already 1 April in Auckland
    refresh(config, sqlite_db, now=late_evening_utc, timezone="Pacific/Auckland")
    refresh(config, sqlite_db, now=late_evening_utc, timezone="UTC")
    assert store_for(config, sqlite_db).series(["users"])["users"] == [
        (date(2026, 3, 1), 42.0),
        (date(2026, 4, 1), 42.0),
    ]


def test_a_failing_query_is_reported_and_the_others_carry_on(
    db: Database, warehouse_url: str, tmp_path: Path
) -> None:
    fill_warehouse(warehouse_url, BASE_WAREHOUSE)
    kpis = _kpis(broken={"name": "Broken", "source": {"sql": "SELECT period, value FROM no_such_table"}})
    config = make_config(tmp_path / "config", warehouse_url=warehouse_url, kpis=kpis)
    report = refresh(config, db, now=NOW)
    assert [r.key for r in report.failed] == ["broken"]
    assert "no_such_table" in (report.result("broken").error or "")
    store = store_for(config, db)
    assert len(store.series(["mrr"])["mrr"]) == 3
    status = store.source_statuses()
    assert "no_such_table" in (status["broken"].last_error or "")
    assert status["broken"].last_success_at is None and status["mrr"].last_error is None


def test_formulas_run_in_dependency_order_and_division_by_zero_is_no_value(
    db: Database, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    fill_warehouse(url, BASE_WAREHOUSE)
    config = make_config(tmp_path / "config", warehouse_url=url)
    store = store_for(config, db)
    store.record_many(
        [("churn_rate", date(2026, 1, 1), 2.5), ("churn_rate", date(2026, 3, 1), 0.0)], source="push", now=NOW
    )
    report = refresh(config, db, now=NOW)
    assert report.ok
    arpu, ltv = report.result("arpu"), report.result("ltv")
    # customers is 0 in February: no ARPU then, reported, not zero and not a crash.
    assert store.series(["arpu"])["arpu"] == [(date(2026, 1, 1), 100.0), (date(2026, 3, 1), 103.75)]
    assert [(g.period, g.missing) for g in arpu.gaps] == [(date(2026, 2, 1), ())]
    assert "division by zero" in arpu.gaps[0].reason
    assert any("division by zero" in note for note in arpu.notes)
    # ltv reads arpu (computed above, in the same refresh) and churn (0 % in March: no value).
    assert store.series(["ltv"])["ltv"] == [(date(2026, 1, 1), 4000.0)]
    # February has neither input, so it is no candidate; March fails on the arithmetic.
    assert [(g.period, g.missing) for g in ltv.gaps] == [(date(2026, 3, 1), ())]
    statuses = store.source_statuses(["arpu", "ltv"])
    assert statuses["arpu"].last_error is None  # the newest period computed fine
    assert "division by zero" in (statuses["ltv"].last_error or "")  # the newest period could not be computed


def test_missing_inputs_are_lag_not_a_source_error(sqlite_db: Database, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    fill_warehouse(url, BASE_WAREHOUSE)
    config = make_config(tmp_path / "config", warehouse_url=url)
    report = refresh(config, sqlite_db, now=NOW)
    assert [(g.period, g.missing) for g in report.result("ltv").gaps] == [
        (date(2026, 1, 1), ("churn_rate",)),
        (date(2026, 3, 1), ("churn_rate",)),
    ]
    assert store_for(config, sqlite_db).source_statuses(["ltv"])["ltv"].last_error is None


def test_refreshing_again_changes_nothing_and_changed_data_is_audited(db: Database, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    fill_warehouse(url, BASE_WAREHOUSE)
    config = make_config(tmp_path / "config", warehouse_url=url)
    refresh(config, db, now=NOW)
    again = refresh(config, db, now=NOW)
    assert all(r.inserted == r.replaced == 0 for r in again.results)
    assert again.result("arr").unchanged == 3
    fill_warehouse(url, ["UPDATE revenue SET amount = 13000 WHERE period = '2026-03-01'"])
    third = refresh(config, db, now=NOW)
    assert (third.result("mrr").replaced, third.result("arr").replaced) == (1, 1)
    [entry] = store_for(config, db).history("arr")
    assert (entry.old_value, entry.new_value, entry.new_source) == (149400.0, 156000.0, "formula")


def test_refreshing_some_keys_recomputes_only_what_depends_on_them(
    sqlite_db: Database, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    fill_warehouse(url, BASE_WAREHOUSE)
    config = make_config(tmp_path / "config", warehouse_url=url)
    report = refresh(config, sqlite_db, now=NOW, keys=["customers"])
    assert [r.key for r in report.results] == ["customers", "arpu", "ltv"]
    assert store_for(config, sqlite_db).series(["mrr", "arr"]) == {"mrr": [], "arr": []}
    pushed = refresh(config, sqlite_db, now=NOW, keys=["churn_rate", "arr"])  # a push KPI and a formula
    assert [(r.key, r.kind) for r in pushed.results] == [
        ("churn_rate", "push"),
        ("arr", "formula"),
        ("ltv", "formula"),
    ]
    with pytest.raises(KeyError, match="nope"):
        refresh(config, sqlite_db, now=NOW, keys=["nope"])
    assert recompute_formulas(config, sqlite_db, now=NOW, changed=["nps"]) == []


def test_a_formula_reads_the_newest_value_of_a_finer_input(sqlite_db: Database, tmp_path: Path) -> None:
    kpis = {
        "dau": {"name": "DAU", "grain": "daily"},
        "mau": {"name": "MAU", "grain": "monthly"},
        "stickiness": {
            "name": "DAU/MAU",
            "unit": "percent",
            "grain": "monthly",
            "source": {"formula": "dau / mau * 100"},
        },
        "daily_share": {"name": "Daily share", "grain": "daily", "source": {"formula": "dau / mau"}},
    }
    config = make_config(tmp_path / "config", warehouse_url="sqlite://", kpis=kpis)
    store_for(config, sqlite_db).record_many(
        [("dau", date(2026, 3, 1), 10), ("dau", date(2026, 3, 31), 30), ("mau", date(2026, 3, 1), 100)],
        source="push",
        now=NOW,
    )
    recompute_formulas(config, sqlite_db, now=NOW)
    series = store_for(config, sqlite_db).series(["stickiness", "daily_share"])
    assert series["stickiness"] == [(date(2026, 3, 1), 30.0)]  # month-end DAU over the month's MAU
    assert series["daily_share"] == [(date(2026, 3, 1), 0.1), (date(2026, 3, 31), 0.3)]


def test_a_missing_sqlite_warehouse_says_how_to_create_one(sqlite_db: Database, tmp_path: Path) -> None:
    config = make_config(tmp_path / "config", warehouse_url=f"sqlite:///{tmp_path / 'absent.db'}")
    report = refresh(config, sqlite_db, now=NOW)
    assert {r.key for r in report.failed} == {"mrr", "customers"}
    assert "kpibot demo-data" in (report.result("mrr").error or "")
    assert not (tmp_path / "absent.db").exists()  # not silently created empty


def test_sqlite_queries_are_cancelled_at_the_timeout(tmp_path: Path) -> None:
    engine = warehouse_engine(f"sqlite:///{tmp_path / 'w.db'}")
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    with pytest.raises(SourceError, match=r"longer than 0\.05s"):
        run_query(engine, endless, timeout=0.05)
    assert run_query(engine, "SELECT 1", timeout=0.05) == (["1"], [(1,)])  # the handler is removed again


@pytest.mark.postgres
def test_postgres_queries_are_cancelled_at_the_statement_timeout(postgres_admin_url: str) -> None:
    engine = warehouse_engine(create_database(postgres_admin_url))
    with pytest.raises(SourceError, match=r"longer than 0\.1s"):
        run_query(engine, "SELECT pg_sleep(10)", timeout=0.1)
    assert run_query(engine, "SELECT current_setting('statement_timeout')", timeout=5)[1] == [("5s",)]
    with engine.connect() as connection:  # SET LOCAL ended with the query's transaction
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "0"


def test_statements_that_return_no_rows_are_refused(tmp_path: Path) -> None:
    engine = warehouse_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with pytest.raises(SourceError, match="SELECT"):
        run_query(engine, "CREATE TABLE x (a INTEGER)")


KPI = KpiDefinition(key="mrr", name="MRR", unit="USD", grain="monthly")


@pytest.mark.parametrize(
    ("columns", "rows", "expected"),
    [
        (["v"], [(Decimal("12.5"),)], [(date(2026, 3, 1), 12.5)]),
        (["v"], [("7",)], [(date(2026, 3, 1), 7.0)]),
        (["p", "v"], [(date(2026, 1, 15), 1)], [(date(2026, 1, 1), 1.0)]),
        (["p", "v"], [(datetime(2026, 1, 31, 23, tzinfo=UTC), 1)], [(date(2026, 1, 1), 1.0)]),
        (
            ["p", "v"],
            [("2026-02", 2.0), ("2026-01-01T00:00:00Z", 1.0)],
            [(date(2026, 1, 1), 1.0), (date(2026, 2, 1), 2.0)],
        ),
        (["p", "v"], [("2026-02-01 00:00:00", 2.0)], [(date(2026, 2, 1), 2.0)]),
        (["p", "v"], [], []),
        (["v"], [(None,)], []),
    ],
)
def test_query_results_are_normalized(columns: list[str], rows: list[Any], expected: list[Any]) -> None:
    assert read_result(KPI, columns, rows, today=date(2026, 3, 19))[0] == expected


@pytest.mark.parametrize(
    ("columns", "rows", "message"),
    [
        (["a", "b", "c"], [(1, 2, 3)], "3 columns"),
        (["v"], [(1,), (2,)], "2 rows of one column"),
        (["p", "v"], [("March", 1)], "row 1: the period 'March' is not a date"),
        (["p", "v"], [("2026-01-01", "lots")], "row 1 (2026-01-01): the value 'lots' is not a number"),
        (["p", "v"], [("2026-01-01", float("nan"))], "not a finite number"),
        (["p", "v"], [("2026-01-01", True)], "is not a number"),
        (["p", "v"], [("2026-01-01", 1), ("2026-01-20", 2)], "rows 1 and 2 are both in the monthly period"),
    ],
)
def test_unusable_query_results_are_explained(columns: list[str], rows: list[Any], message: str) -> None:
    with pytest.raises(SourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_result(KPI, columns, rows, today=date(2026, 3, 19))


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_every_demo_sql_source_refreshes(
    sqlite_db: Database, tmp_path: Path, request: pytest.FixtureRequest, dialect: str
) -> None:
    """The real demo config against the demo warehouse (six months of it), on both warehouse dialects."""
    from kpi_core.config.loader import load_config
    from kpibot_demo.data.warehouse import build_warehouse
    from tests.conftest import DEMO_CONFIG

    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    else:
        url = create_database(request.getfixturevalue("postgres_admin_url"))
    build_warehouse(url, end=date(2026, 3, 19), months=6)
    config = load_config(DEMO_CONFIG, env={"KPIBOT_WAREHOUSE_URL": url})
    report = refresh(config, sqlite_db, now=NOW)
    assert report.failed == ()
    sql_keys = [key for key, kpi in config.kpis.items() if kpi.source.kind == "sql"]
    series = store_for(config, sqlite_db).series(sql_keys)
    assert all(series[key] for key in sql_keys), [key for key in sql_keys if not series[key]]
    formula_keys = [r.key for r in report.results if r.kind == "formula"]
    assert formula_keys and all(r.values for r in report.results if r.kind == "formula")
