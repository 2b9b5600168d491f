"""`kpibot cohorts` and `kpibot churn-risk` on the demo warehouse, through click's CliRunner."""

from __future__ import annotations

import re
import textwrap
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from kpibot_demo.data import build_warehouse

REPO = Path(__file__).resolve().parents[3]
END = date(2026, 11, 21)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('wh') / 'warehouse.db'}"
    build_warehouse(url, end=END)
    return url


@pytest.fixture
def env(warehouse: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KPIBOT_CONFIG", str(REPO / "config"))
    monkeypatch.setenv("KPIBOT_WAREHOUSE_URL", warehouse)
    monkeypatch.setenv("KPIBOT_TIMEZONE", "UTC")


def test_cohorts_prints_the_table_and_writes_the_heatmap(env: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["cohorts", "retention", "--at", "2026-11-22", "--png", "heat.png"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Monthly retention by signup cohort"
    assert lines[3].split(" | ") == ["Cohort  ", "Month 0", "Month 1", "Month 3", "Month 6", "Month 12"]
    assert lines[5].startswith("Oct 2025 |    100% |")
    newest = next(line for line in lines if line.startswith("Oct 2026"))
    assert newest.replace(" ", "") == "Oct2026|100%|-|-|-|-"  # the months not over yet are blank
    assert "Insights:" in lines and any(line.startswith("• Target: 95% Month 1") for line in lines)
    assert (tmp_path / "heat.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_revenue_and_adoption_cohorts(env: None) -> None:
    revenue = CliRunner().invoke(cli, ["cohorts", "revenue", "--at", "2026-11-22"])
    assert revenue.exit_code == 0, revenue.output
    assert (
        revenue.output.splitlines()[3].endswith(" NRR") and "Target NRR: 115% by Month 12" in revenue.output
    )
    adoption = CliRunner().invoke(cli, ["cohorts", "adoption", "--at", "2026-11-22"])
    assert adoption.exit_code == 0 and "Dashboard Builder" in adoption.output and "Week 52" in adoption.output


def test_churn_risk_evaluates_the_model(env: None) -> None:
    result = CliRunner().invoke(cli, ["churn-risk", "--evaluate", "--limit", "3"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("Churn model: AUC 0.") and float(first.split()[3]) >= 0.75
    assert "Churn risk as of 21 Nov 2026 (" in result.output
    assert result.output.count("    next: ") == 3 and result.output.count("    why: ") == 3
    assert "  Cannot Lose Them " in result.output and "Executive sponsor reaches out now" in result.output


def test_churn_risk_refuses_with_too_little_history(env: None, warehouse: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    text = (REPO / "config" / "kpis.yml").read_text(encoding="utf-8")
    # Only the last two snapshot days: too few dates and outcomes to learn from.
    text = text.replace(
        "    JOIN customers c ON c.customer_id = a.customer_id\n",
        "    JOIN customers c ON c.customer_id = a.customer_id\n    WHERE a.as_of >= '2026-10-31'\n",
    )
    (config / "kpis.yml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["churn-risk", "--config", str(config)])
    assert result.exit_code == 1
    assert re.match(
        r"Error: not scoring churn risk: only \d+ customer snapshots with a known outcome; at least 200 are",
        result.output,
    )


def test_cohorts_without_a_cohort_query(env: None, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "kpis.yml").write_text(
        textwrap.dedent(
            """
            databases: {warehouse: "sqlite:///w.db"}
            kpis:
              mrr: {name: MRR, unit: USD}
            """
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["cohorts", "--config", str(config)])
    assert result.exit_code == 1
    assert result.output == "Error: cohort analysis is not set up: no cohort query is configured\n"
