from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import event

from kpi_core.config.loader import AppConfig
from kpi_core.config.models import KpiDefinition
from kpi_core.importer import ValueParseError, import_csv, parse_value
from kpi_core.sources import store_for
from kpi_core.storage.db import Database
from tests.kpi_core.core_fixtures import make_config

NOW = datetime(2026, 3, 19, 12, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path) -> AppConfig:
    return make_config(tmp_path / "config", warehouse_url="sqlite://")


GOOD_AND_BAD = """kpi,period,value,note
churn_rate,2026-01-01,2.5%,
Churn rate,2026-02-14,"3,1",comma decimal
churn_rte,2026-02-01,3.1,typo
nps,2026-02-15,52,
arr,2026-01-01,120000,formula
churn_rate,01/03/2026,3.0,bad date
mrr,2026-01-01,"$12,450",sql source

churn_rate,2026-03-01,lots,
nps,2026-03-31,55,same quarter as row 5
churn_rate,2026-03-31,2.9,
"""


def test_bad_rows_are_reported_by_row_number_and_good_rows_are_kept(db: Database, config: AppConfig) -> None:
    report = import_csv(io.StringIO(GOOD_AND_BAD), config, db, now=NOW)
    assert [str(error) for error in report.errors] == [
        "row 3: '3,1' is ambiguous: use a dot for decimals (3.2) and commas only between thousands (12,450)",
        "row 4: No KPI called 'churn_rte'. Did you mean churn_rate?",
        "row 6: arr is computed by its formula (mrr * 12): import its inputs instead"
        " (use --force to import it anyway)",
        "row 7: the period '01/03/2026' is not an ISO date (use 2026-11-19, or 2026-11 for a month)",
        "row 8: mrr comes from a sql query, so the next refresh would replace it"
        " (use --force to import it anyway)",
        "row 10: 'lots' is not a number",
        "row 11: nps for the period starting 2026-01-01 is already on row 5",
    ]
    assert (report.rows, report.accepted, report.committed, report.count("inserted")) == (10, 3, True, 3)
    assert report.notes == ("ignored column(s): note",)
    series = store_for(config, db).series(["churn_rate", "nps"])
    assert series == {
        "churn_rate": [(date(2026, 1, 1), 2.5), (date(2026, 3, 1), 2.9)],
        "nps": [(date(2026, 1, 1), 52.0)],
    }


def test_a_crash_while_writing_leaves_nothing_written(
    db: Database, config: AppConfig, tmp_path: Path
) -> None:
    csv_file = tmp_path / "values.csv"
    rows = [
        f"churn_rate,{year}-{month:02d}-01,{month}\n" for year in range(1950, 2000) for month in range(1, 13)
    ]
    csv_file.write_text("kpi,date,value\n" + "".join(rows))  # 600 rows: two INSERT statements
    statements = []

    def crash_on_second_write(_conn: object, _cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)
        if len(statements) == 2:
            raise RuntimeError("disk on fire")

    event.listen(db.engine, "before_cursor_execute", crash_on_second_write)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_csv(csv_file, config, db, now=NOW)
    event.remove(db.engine, "before_cursor_execute", crash_on_second_write)
    assert store_for(config, db).series(["churn_rate"]) == {"churn_rate": []}
    report = import_csv(csv_file, config, db, now=NOW)
    assert report.count("inserted") == 600


def test_strict_and_dry_run_write_nothing(sqlite_db: Database, config: AppConfig) -> None:
    text = "kpi,period,value\nchurn_rate,2026-01-01,2\nchurn_rate,2026-02-01,x\n"
    strict = import_csv(io.StringIO(text), config, sqlite_db, now=NOW, strict=True)
    assert (strict.accepted, strict.committed, [e.row for e in strict.errors]) == (1, False, [3])
    dry = import_csv(io.StringIO(text), config, sqlite_db, now=NOW, dry_run=True)
    assert (dry.accepted, dry.committed) == (1, False)
    assert store_for(config, sqlite_db).series(["churn_rate"]) == {"churn_rate": []}


def test_importing_again_replaces_audits_and_recomputes_formulas(
    sqlite_db: Database, config: AppConfig
) -> None:
    store = store_for(config, sqlite_db)
    store.record_many(
        [("arpu", date(2026, 1, 1), 100.0), ("arpu", date(2026, 2, 1), 110.0)], source="formula", now=NOW
    )
    first = import_csv(io.StringIO("kpi,period,value\nchurn_rate,2026-01,2\n"), config, sqlite_db, now=NOW)
    assert [(r.key, r.inserted) for r in first.derived] == [("ltv", 1)]
    assert store.series(["ltv"])["ltv"] == [(date(2026, 1, 1), 5000.0)]
    second = import_csv(io.StringIO("kpi,period,value\nchurn_rate,2026-01,2.5\n"), config, sqlite_db, now=NOW)
    assert second.count("replaced") == 1
    assert store.series(["ltv"])["ltv"] == [(date(2026, 1, 1), 4000.0)]
    assert [(h.old_value, h.new_value, h.new_source) for h in store.history("churn_rate")] == [
        (2.0, 2.5, "import")
    ]
    unchanged = import_csv(
        io.StringIO("kpi,period,value\nchurn_rate,2026-01,2.5\n"), config, sqlite_db, now=NOW
    )
    assert (unchanged.count("unchanged"), unchanged.derived) == (1, ())


def test_force_imports_into_sql_and_formula_kpis(sqlite_db: Database, config: AppConfig) -> None:
    text = 'kpi,period,value\nmrr,2026-01-01,"$12,450"\narr,2026-01-01,$1.2M\n'
    report = import_csv(io.StringIO(text), config, sqlite_db, now=NOW, force=True)
    assert report.ok and report.count("inserted") == 2
    # arr was then recomputed from the imported mrr (the formula wins over a forced value).
    assert store_for(config, sqlite_db).series(["arr"])["arr"] == [(date(2026, 1, 1), 149400.0)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "row 1: the file is empty"),
        ("kpi,value\nmrr,1\n", "row 1: the header row has no period column"),
        ("\n\nkpi,period,date,value\n", "row 3: two columns for period ('period' and 'date')"),
        ("kpi,period,value\nchurn_rate,2026-01-01\n", "row 2: expected 3 columns, found 2"),
        ("kpi,period,value\n,2026-01-01,1\n", "row 2: the kpi is empty"),
        (
            'kpi,period,value\n"churn_rate\nx",2026-01-01,1\nnps,x,1\n',
            "row 4: the period 'x' is not an ISO date",
        ),
    ],
)
def test_malformed_files_are_explained(
    sqlite_db: Database, config: AppConfig, text: str, message: str
) -> None:
    report = import_csv(io.StringIO(text), config, sqlite_db, now=NOW)
    assert any(str(error).startswith(message) for error in report.errors), report.errors
    assert not report.committed or report.accepted


def test_an_unreadable_file_is_an_error_not_a_traceback(
    sqlite_db: Database, config: AppConfig, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.csv"
    report = import_csv(missing, config, sqlite_db, now=NOW)
    assert (report.errors, report.file_error, report.ok) == (
        (),
        f"cannot import {missing}: there is no such file",
        False,
    )
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"kpi,period,value\n\xff\xfe\x00")
    assert import_csv(binary, config, sqlite_db, now=NOW).file_error == (
        f"cannot import {binary}: it is not a UTF-8 text (CSV) file"
    )
    assert (
        import_csv(tmp_path, config, sqlite_db, now=NOW).file_error
        == f"cannot import {tmp_path}: it is a directory"
    )


def test_a_byte_order_mark_is_ignored(sqlite_db: Database, config: AppConfig, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffKPI,Date,Value\r\nnps,2026-01-05,52\r\n".encode())
    assert import_csv(path, config, sqlite_db, now=NOW).count("inserted") == 1


USD = KpiDefinition(key="mrr", name="MRR", unit="USD")
PERCENT = KpiDefinition(key="churn", name="Churn", unit="percent")
RATIO = KpiDefinition(key="ltv_cac", name="LTV:CAC", unit="ratio")
SCORE = KpiDefinition(key="csat", name="CSAT", unit="score", scale=5)
EUR = KpiDefinition(key="arr", name="ARR", unit="EUR")


@pytest.mark.parametrize(
    ("text", "kpi", "value"),
    [
        ("12450", USD, 12450.0),
        ("12,450", USD, 12450.0),
        ("$12,450.50", USD, 12450.5),
        ("-$1,200", USD, -1200.0),
        ("$1.2M", USD, 1_200_000.0),
        ("€28K", EUR, 28_000.0),
        ("EUR 28000", EUR, 28_000.0),
        ("3.2%", PERCENT, 3.2),
        ("3.2", PERCENT, 3.2),
        (" 0.5 % ", PERCENT, 0.5),
        ("7.7:1", RATIO, 7.7),
        ("4.7/5", SCORE, 4.7),
        ("1e3", USD, 1000.0),
    ],
)
def test_values_are_read_the_way_people_type_them(text: str, kpi: KpiDefinition, value: float) -> None:
    assert parse_value(text, kpi) == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "kpi", "message"),
    [
        ("", USD, "empty"),
        ("3.2%", USD, "is a percentage, but mrr is measured in USD"),
        ("€12", USD, "currency symbol, but mrr is in USD"),
        ("$12", PERCENT, "currency symbol"),
        ("3,2", PERCENT, "ambiguous"),
        ("12,45,0", USD, "ambiguous"),
        ("4.7/10", SCORE, "scored out of 5"),
        ("abc", USD, "not a number"),
        ("nan", USD, "not a finite number"),
        ("1e999", USD, "not a finite number"),
    ],
)
def test_bad_values_are_explained(text: str, kpi: KpiDefinition, message: str) -> None:
    with pytest.raises(ValueParseError, match=message):
        parse_value(text, kpi)
