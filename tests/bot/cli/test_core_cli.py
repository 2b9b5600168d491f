"""The data commands through click's CliRunner: db upgrade, refresh, record, import, show."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from kpi_core.clock import ManualClock
from kpi_core.config.loader import load_config
from kpi_core.sources import store_for
from kpi_core.standing import LEGEND
from kpi_core.storage.db import Database
from tests.kpi_core.core_fixtures import BASE_KPIS, fill_warehouse, write_config

NOW = datetime(2026, 3, 19, 12, tzinfo=UTC)
MONTHS = [date(2025 + (m // 12), m % 12 + 1, 1) for m in range(15)]  # 2025-01 .. 2026-03
WAREHOUSE = [
    "CREATE TABLE revenue (period DATE, amount NUMERIC(12, 2))",
    "INSERT INTO revenue VALUES " + ", ".join(f"('{m}', {9000 + 250 * i})" for i, m in enumerate(MONTHS)),
    "CREATE TABLE customers (period DATE, n INTEGER)",
    "INSERT INTO customers VALUES " + ", ".join(f"('{m}', {90 + i})" for i, m in enumerate(MONTHS)),
]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config directory, a warehouse and DATABASE_URL, all under tmp_path (which is also the cwd)."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    fill_warehouse(url, WAREHOUSE)
    write_config(tmp_path / "config", warehouse_url=url)
    monkeypatch.setenv("KPIBOT_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kpibot.db'}")
    monkeypatch.setenv("KPIBOT_TIMEZONE", "Europe/Berlin")
    return tmp_path


def run(*args: str, now: datetime = NOW) -> Result:
    return CliRunner().invoke(cli, list(args), obj={"clock": ManualClock(now)})


def _store(env: Path) -> Any:
    return store_for(load_config(env / "config"), Database.from_url(f"sqlite:///{env / 'kpibot.db'}"))


@pytest.mark.parametrize(
    "command",
    [["db"], ["db", "upgrade"], ["demo-data"], ["refresh"], ["record"], ["import"], ["show"], ["demo"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage: " in result.output


def test_db_upgrade_migrates_and_can_run_again(env: Path) -> None:
    first, second = run("db", "upgrade"), run("db", "upgrade")
    assert first.exit_code == second.exit_code == 0
    assert first.output == second.output
    assert "kpibot.db is at revision 0003_alerts" in first.output or "is at revision" in first.output


def test_refresh_prints_a_summary_per_kpi(env: Path) -> None:
    result = run("refresh")
    assert result.exit_code == 0, result.output
    assert "✓ mrr: 15 values (15 new, 0 replaced, 0 unchanged) · latest Mar 2026: $12,500" in result.output
    assert "✓ arr: 15 values" in result.output
    assert "note: no value for" in result.output  # ltv: churn_rate was never recorded
    assert "refreshed 5 of 5 KPIs; 0 failed" in result.output
    again = run("refresh", "Monthly Recurring Revenue")
    assert "✓ mrr: 15 values (0 new, 0 replaced, 15 unchanged)" in again.output
    assert "✓ arr" in again.output and "customers" not in again.output


def test_refresh_exits_1_when_a_source_fails(env: Path) -> None:
    kpis = {**BASE_KPIS, "broken": {"name": "Broken", "source": {"sql": "SELECT x FROM nowhere"}}}
    write_config(env / "config", warehouse_url=f"sqlite:///{env / 'warehouse.db'}", kpis=kpis)
    result = run("refresh")
    assert result.exit_code == 1
    assert "✗ broken: no such table: nowhere" in result.output
    assert "refreshed 5 of 6 KPIs; 1 failed" in result.output
    assert "✓ mrr" in result.output


def test_refresh_of_an_unknown_kpi_suggests_one(env: Path) -> None:
    result = run("refresh", "mrrr")
    assert result.exit_code == 1
    assert "No KPI called 'mrrr'. Did you mean mrr" in result.stderr


def test_record_parses_values_replaces_and_recomputes(env: Path) -> None:
    run("refresh")
    first = run("record", "churn_rate", "2.5%", "--at", "2026-03-05")
    assert first.exit_code == 0, first.output
    assert first.output == "recorded Churn rate (churn_rate) = 2.5% for Mar 2026\nrecomputed ltv\n"
    second = run("record", "Churn rate", "2.4", "--at", "2026-03-31T23:30:00+00:00")  # 1 April in Berlin
    assert "for Apr 2026" in second.output
    third = run("record", "churn_rate", "2.2", "--at", "2026-03-20")
    assert "replaced 2.5% (push, recorded 2026-03-19 12:00 UTC)" in third.output
    same = run("record", "churn_rate", "2.2", "--at", "2026-03-01")
    assert "unchanged" in same.output and "recomputed" not in same.output
    negative = run("record", "nps", "-12", "--at", "2026-01-01")
    assert negative.exit_code == 0 and "= -12" in negative.output
    store = _store(env)
    assert store.series(["churn_rate"])["churn_rate"] == [(date(2026, 3, 1), 2.2), (date(2026, 4, 1), 2.4)]
    assert store.get("ltv", date(2026, 3, 1)) is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["record", "churn_rat", "2"], "No KPI called 'churn_rat'. Did you mean churn_rate?"),
        (["record", "churn_rate", "lots"], "churn_rate: 'lots' is not a number"),
        (["record", "churn_rate", "3,2"], "ambiguous"),
        (["record", "mrr", "1200"], "comes from its sql source"),
        (["record", "mrr", "3.2%", "--force"], "'3.2%' is a percentage, but mrr is measured in USD"),
        (["record", "churn_rate", "2", "--at", "next tuesday"], "is not an ISO 8601 date"),
        # the value is judged first, whatever its source; --force never lets a bad value in
        (["record", "mrr", "abc"], "mrr: 'abc' is not a number (nothing recorded)"),
        (["record", "mrr", "abc", "--force"], "mrr: 'abc' is not a number (nothing recorded)"),
        (
            ["record", "churn_rate", "140%"],
            "churn_rate: '140%' is above the highest value churn_rate can have (100)",
        ),
        (
            ["record", "churn_rate", "-1"],
            "churn_rate: '-1' is below the lowest value churn_rate can have (0)",
        ),
        (["import", "nosuch.csv"], "Error: cannot import nosuch.csv: there is no such file\n"),
    ],
)
def test_record_refuses_bad_input_with_a_message(env: Path, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_import_reports_bad_rows_and_keeps_good_ones(env: Path) -> None:
    (env / "values.csv").write_text(
        "kpi,date,value\nchurn_rate,2026-01-15,2.5%\nnps,2026-01-01,fifty\nnps,2026-01,52\n"
    )
    result = run("import", "values.csv")
    assert result.exit_code == 1
    assert result.stderr == "row 3: 'fifty' is not a number\n1 bad row(s) were not imported\n"
    assert "imported 2 of 3 rows: 2 new, 0 replaced, 0 unchanged" in result.stdout
    store = _store(env)
    assert store.series(["churn_rate", "nps"]) == {
        "churn_rate": [(date(2026, 1, 1), 2.5)],
        "nps": [(date(2026, 1, 1), 52.0)],
    }
    dry = run("import", "values.csv", "--dry-run")
    assert "nothing written (dry run): 2 of 3 rows are good" in dry.stdout
    missing = run("import", "absent.csv")
    assert (
        missing.exit_code == 1
        and missing.stderr == "Error: cannot import absent.csv: there is no such file\n"
    )


def test_show_prints_the_card_facts(env: Path) -> None:
    run("refresh")
    result = run("show", "mrr")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Monthly Recurring Revenue (mrr) · revenue"
    assert "  Value     $12,500 · current" in lines  # a level: this month's value is current
    assert "  Change    ↑ 2% MoM (better)" in lines
    assert "  YoY       ↑ 32% YoY (better)" in lines
    # behind its target, and no thresholds: no colour, never "on track"
    assert "  Goal      🎯 behind target: 62% of ≥ $20K" in lines
    assert "  Health    no thresholds" in lines
    assert "  As of Mar 2026 · updated 19 Mar 2026 13:00 CET (Europe/Berlin)" in lines
    assert "  Owner     cfo@example.com" in lines
    assert any(line.startswith("  Trend     ▁▂▂▃▄▄▅▅▆▇▇█") for line in lines)
    assert "Stale" not in result.output
    window = run("show", "MRR", "--window", "3m", "--at", "2026-02-10")
    assert "  Value     $12,250 · current" in window.output and "(last 3 months;" in window.output


def test_show_warns_about_stale_data_and_source_errors(env: Path) -> None:
    run("refresh")
    later = run("show", "mrr", now=datetime(2026, 6, 20, tzinfo=UTC))
    assert "⚠ Stale: the newest value is older than a monthly KPI allows" in later.output
    (env / "warehouse.db").unlink()
    run("refresh")
    broken = run("show", "mrr")
    assert "⚠ Source error on the last refresh: the SQLite database" in broken.output


def test_show_all_groups_every_kpi_by_category(env: Path) -> None:
    run("refresh")
    result = run("show", "--all")
    assert result.exit_code == 0
    out = result.output
    assert out.index("REVENUE") < out.index("Monthly Recurring Revenue (mrr)") < out.index("RETENTION")
    assert out.index("RETENTION") < out.index("Net Promoter Score (nps)")
    assert out.splitlines()[0].split() == ["KPI", "Value", "Period", "Change", "Health", "Goal"]
    assert "no data" in out and "$12,500" in out
    assert out.rstrip().endswith(LEGEND)
    category = run("show", "retention")
    assert "RETENTION" in category.output and "REVENUE" not in category.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show"], "give a KPI"),
        (["show", "mrr", "--window", "3x"], "'3x' is not a window"),
        (["show", "mrrr"], "Did you mean mrr"),
    ],
)
def test_show_explains_bad_input(env: Path, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code in (1, 2) and message in result.stderr


@pytest.mark.parametrize(
    "command", [["refresh"], ["record", "mrr", "1"], ["import", "x.csv"], ["show", "--all"]]
)
def test_invalid_config_is_reported_not_a_traceback(env: Path, command: list[str]) -> None:
    (env / "config" / "kpis.yml").write_text("kpis:\n  mrr:\n    name: MRR\n    unit: dollars\n")
    result = run(*command)
    assert result.exit_code == 1
    assert "kpis.yml:4 kpis.mrr.unit:" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def demo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped demo config, with kpibot's database and the warehouse under tmp_path (the cwd)."""
    from tests.conftest import DEMO_CONFIG

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KPIBOT_CONFIG", str(DEMO_CONFIG))
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the default: ./data/kpibot.db
    monkeypatch.delenv("KPIBOT_WAREHOUSE_URL", raising=False)  # the default: ./data/warehouse.db
    monkeypatch.setenv("KPIBOT_TIMEZONE", "Europe/Berlin")
    return tmp_path


def test_demo_data_builds_the_warehouse_and_records_pushed_values(demo_env: Path) -> None:
    result = run("demo-data", "--end", "2026-03-19", "--months", "6")
    assert result.exit_code == 0, result.output
    assert "demo warehouse sqlite:///data/warehouse.db:" in result.output
    assert "planted: " in result.output and "recorded " in result.output
    assert (demo_env / "data" / "warehouse.db").exists() and (demo_env / "data" / "kpibot.db").exists()
    refreshed = run("refresh")
    assert refreshed.exit_code == 0 and "; 0 failed" in refreshed.output
    too_short = run("demo-data", "--months", "3", "--url", f"sqlite:///{demo_env / 'short.db'}")
    assert too_short.exit_code == 2 and "3 is not in the range 6<=x<=120" in too_short.stderr


def test_demo_prepares_everything_and_prints_the_executive_summary(demo_env: Path) -> None:
    result = run("demo", "--summary")
    assert result.exit_code == 0, result.output
    out = result.output
    for heading in (
        "KPI SUMMARY · 19 Mar 2026 (Europe/Berlin)",
        "HEADLINE",
        "NEEDS ATTENTION",
        "RECENT WINS",
        "DATA",
        "NEXT",
    ):
        assert heading in out
    assert "Monthly Recurring Revenue:" in out and "🎯 behind target: " in out and LEGEND in out
    assert "On track" not in out and "[TARGET" not in out
    assert "warehouse sqlite:///data/warehouse.db: built" in out
    assert re.search(r"refresh: (\d+) of \1 sources OK", out)
    again = run("demo", "--summary")
    assert "warehouse sqlite:///data/warehouse.db: current, reused" in again.output


def test_a_rating_cannot_pass_its_scale(tmp_path: Path) -> None:
    """The demo's employee satisfaction is scored out of 5: 7/5 is refused, 4.2/5 recorded."""
    from tests.conftest import DEMO_CONFIG

    database = f"sqlite:///{tmp_path / 'k.db'}"

    def record(value: str) -> Result:
        args = ["--config", str(DEMO_CONFIG), "record", "employee_satisfaction", value]
        return CliRunner().invoke(cli, args, env={"DATABASE_URL": database}, obj={"clock": ManualClock(NOW)})

    refused = record("7/5")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: employee_satisfaction: '7/5' is above the highest value employee_satisfaction can have "
        "(5, its scale) (nothing recorded)\n"
    )
    recorded = record("4.2/5")
    assert recorded.exit_code == 0 and "= 4.2/5" in recorded.stdout
