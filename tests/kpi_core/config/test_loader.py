"""Good configs load into AppConfig; the seeds' spellings are accepted; cross-file issues get lines."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from kpi_core.config import loader
from kpi_core.config.loader import AppConfig, ConfigError, ConfigIssue, UnknownDatabaseError, load_config
from kpi_core.config.models import FormulaSource, KpiCatalogConfig, SqlSource
from tests.kpi_core.config.helpers import issues_of, write_config

GOOD = """
databases:
  warehouse: sqlite:///${DATA_DIR:-data}/warehouse.db
  finance: postgresql://${PGUSER}@localhost/finance
kpis:
  mrr:
    name: Monthly Recurring Revenue
    aliases: revenue
    unit: usd
    owner: cfo@example.com
    threshold_warning: 10000
    threshold_critical: 5000
    target: 12000
    source:
      sql: SELECT period, amount FROM revenue
  users:
    name: Users
    tier: north_star
    target: {2026-12-31: 200000, 2026-06-30: 50000}
    owner: [U024BE7LH, growth@example.com]
  churn_rate:
    name: Churn rate
    unit: "%"
    direction: lower
    thresholds: {warning: 3, critical: 5}
  arr:
    name: ARR
    source: {formula: mrr * 12}
dashboard:
  headline: [mrr, arr]
"""


def test_loads_a_good_config_with_the_seeds_spellings(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, kpis=GOOD), env={"PGUSER": "kpi"})
    assert list(config.kpis) == ["mrr", "users", "churn_rate", "arr"]
    mrr = config.kpi("mrr")
    assert (mrr.unit, mrr.aliases, mrr.owners) == ("USD", ("revenue",), ("cfo@example.com",))
    assert (mrr.thresholds.warning, mrr.thresholds.critical) == (10000, 5000)
    assert mrr.source == SqlSource(sql="SELECT period, amount FROM revenue", database="warehouse")
    users = config.kpi("users")
    assert users.target_progression == ((date(2026, 6, 30), 50000.0), (date(2026, 12, 31), 200000.0))
    assert users.target_at(date(2026, 7, 1)) == 200000.0
    assert users.owners == ("U024BE7LH", "growth@example.com")
    assert config.kpi("churn_rate").unit == "percent"
    arr = config.kpi("arr").source
    assert isinstance(arr, FormulaSource)
    assert arr.parsed.names == frozenset({"mrr"})
    assert config.catalog.dashboard.headline == ("mrr", "arr")
    assert config.summary() == "4 KPIs, 0 alert rules, 0 digests"
    assert config.directory == tmp_path


def test_database_urls_expand_environment_variables(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, kpis=GOOD), env={"PGUSER": "kpi", "DATA_DIR": "/srv"})
    assert config.database_url("warehouse") == "sqlite:////srv/warehouse.db"
    assert config.database_url("finance") == "postgresql://kpi@localhost/finance"
    assert config.catalog.databases["finance"] == "postgresql://${PGUSER}@localhost/finance"
    defaulted = load_config(tmp_path, env={"PGUSER": "kpi", "DATA_DIR": ""})
    assert defaulted.database_url("warehouse") == "sqlite:///data/warehouse.db"
    with pytest.raises(UnknownDatabaseError, match=r"no database 'crm' in kpis\.yml"):
        config.database_url("crm")


def test_unknown_kpi_key(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, kpis=GOOD), env={"PGUSER": "kpi"})
    with pytest.raises(KeyError, match="no KPI with key 'mmr'"):
        config.kpi("mmr")


def test_yaml_extension_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "kpis.yaml").write_text("kpis:\n  nps: {name: NPS, unit: score, scale: 100}\n")
    assert load_config(tmp_path, env={}).kpi("nps").scale == 100


def test_validation_uses_the_given_env_not_the_process_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGUSER", "from-process")
    directory = write_config(tmp_path, kpis=GOOD)
    assert issues_of(directory, env={"UNRELATED": "1"})[0].startswith(
        "kpis.yml:3 databases.finance: environment"
    )
    assert load_config(directory).database_url("finance") == "postgresql://from-process@localhost/finance"


class FakeAlerts(BaseModel):
    """Stands in for AlertsConfig: the loader relies only on validation and check_references."""

    model_config = ConfigDict(extra="forbid")
    alerts: list[dict[str, Any]] = []

    def check_references(self, catalog: KpiCatalogConfig) -> list[tuple[tuple[str | int, ...], str]]:
        return [
            (("alerts", i, "kpi"), f"unknown KPI {rule['kpi']!r}")
            for i, rule in enumerate(self.alerts)
            if rule.get("kpi") not in catalog.kpis
        ]


def test_cross_file_references_are_reported_at_their_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "AlertsConfig", FakeAlerts)
    directory = write_config(
        tmp_path,
        kpis="kpis:\n  churn: {name: Churn}\n",
        alerts="""
        alerts:
          - kpi: churn
          - name: typo
            kpi: chrun
        """,
    )
    assert issues_of(directory) == ["alerts.yml:4 alerts[1].kpi: unknown KPI 'chrun'"]
    (directory / "alerts.yml").write_text("alerts:\n  - kpi: churn\n")
    config = load_config(directory, env={})
    assert isinstance(config.alerts, FakeAlerts)
    assert config.summary() == "1 KPI, 1 alert rule, 0 digests"


def test_cross_file_checks_see_kpis_whose_definitions_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "AlertsConfig", FakeAlerts)
    directory = write_config(
        tmp_path,
        kpis="kpis:\n  churn: {name: Churn, unit: furlongs}\n",
        alerts="alerts:\n  - kpi: churn\n",
    )
    issues = issues_of(directory)
    assert len(issues) == 1
    assert issues[0].startswith("kpis.yml:2 kpis.churn.unit: 'furlongs' is not a unit")


def test_issue_text_and_sorting() -> None:
    issues = [
        ConfigIssue("digests.yml", 3, "digests.weekly.time", "bad time"),
        ConfigIssue("alerts.yml", 14, "alerts[2].severity", "'urgent' is not one of critical, warning, info"),
        ConfigIssue("kpis.yml", 20, "kpis.arr", "later"),
        ConfigIssue("kpis.yml", 2, "kpis.mrr.unit", "earlier"),
        ConfigIssue("alerts.yml", None, "", "cannot read the file"),
    ]
    error = ConfigError(issues)
    assert str(error).splitlines() == [
        "kpis.yml:2 kpis.mrr.unit: earlier",
        "kpis.yml:20 kpis.arr: later",
        "alerts.yml: cannot read the file",
        "alerts.yml:14 alerts[2].severity: 'urgent' is not one of critical, warning, info",
        "digests.yml:3 digests.weekly.time: bad time",
    ]
    assert error.issues[0] == ConfigIssue("kpis.yml", 2, "kpis.mrr.unit", "earlier")


def test_app_config_can_be_built_directly(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, kpis="kpis: {}\n"), env={})
    direct = AppConfig(
        directory=tmp_path, catalog=config.catalog, alerts=config.alerts, digests=config.digests
    )
    assert direct.kpis == {}
    assert direct.summary() == "0 KPIs, 0 alert rules, 0 digests"
