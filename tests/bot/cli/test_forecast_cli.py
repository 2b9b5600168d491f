"""`kpibot forecast` through click's CliRunner, on the data commands' warehouse (a steady +$250 a month)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from kpi_core.storage.db import Database
from kpi_core.storage.forecast_models import ForecastRow
from tests.bot.cli.test_core_cli import env, run

__all__ = ["env"]


def test_forecast_uses_complete_months_and_says_where_mrr_is_heading(env: Path) -> None:
    assert run("refresh").exit_code == 0
    result = run("forecast", "MRR", "3")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Monthly Recurring Revenue: forecast"
    # 19 March: March is in progress, so February is the last data point and March is forecast.
    assert lines[1].split() == ["Last", "complete:", "Feb", "2026", "$12,250"]
    assert [line.split()[:2] for line in lines[2:5]] == [["Mar", "2026"], ["Apr", "2026"], ["May", "2026"]]
    assert "80%: $" in lines[2]
    march = float(lines[2].split()[2].strip("$").replace(",", ""))
    assert 12_300 <= march <= 12_600  # the trend goes on (+$250 a month), a little damped
    assert any(line.strip().startswith("At this pace") and "$20K" in line for line in lines), result.output
    assert "14 complete months to Feb 2026" in result.output
    database = Database.from_url(f"sqlite:///{env / 'kpibot.db'}")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ForecastRow)) == 1
    again = run("forecast", "mrr", "3")
    assert again.output == result.output  # read back from the cache
    database.engine.dispose()


def test_a_dated_target_reads_on_or_behind_pace(env: Path) -> None:
    config = env / "config" / "kpis.yml"
    config.write_text(config.read_text().replace('"target": 20000', '"target": {"2026-09-30": 20000}'))
    assert run("refresh").exit_code == 0
    result = run("forecast", "mrr")
    assert result.exit_code == 0, result.output
    assert "Target $20K by 30 Sep 2026: behind pace, expected $" in result.output
    assert len([line for line in result.output.splitlines() if "80%: $" in line]) >= 12


def test_too_little_history_and_unknown_kpis_are_clear(env: Path) -> None:
    assert run("record", "churn_rate", "2.5", "--at", "2026-02-01").exit_code == 0
    result = run("forecast", "churn_rate")
    assert result.exit_code == 0
    assert "needs at least three complete periods" in result.output
    unknown = run("forecast", "nosuch")
    assert unknown.exit_code == 1 and "nosuch" in unknown.output
    bad = run("forecast", "mrr", "0")
    assert bad.exit_code == 2


def test_forecast_from_an_earlier_date(env: Path) -> None:
    assert run("refresh").exit_code == 0
    result = run("forecast", "mrr", "2", "--at", "2025-10-15", now=datetime(2026, 3, 19, tzinfo=UTC))
    assert result.exit_code == 0, result.output
    assert "Last complete: Sep 2025" in result.output
