"""The analytics sections of kpis.yml (dashboards per role, cohorts, customers, health, stages):
bad values and cross-references are reported all at once with file:line and key."""

from __future__ import annotations

from pathlib import Path

from kpi_core.config.loader import load_config
from tests.kpi_core.config.helpers import issues_of, write_config

HEAD = """
databases:
  warehouse: sqlite:///warehouse.db
kpis:
  mrr: {name: Monthly Recurring Revenue, unit: USD}
  nps: {name: NPS Score, unit: score}
"""  # lines 1-5


def test_a_good_analytics_config_loads(tmp_path: Path) -> None:
    body = (
        HEAD
        + """
dashboards:
  sales: {title: Sales dashboard, headline: [mrr], quick_stats: [nps]}
cohorts:
  activity: {sql: SELECT 1}
  targets: {retention: {1: 90}, nrr: 110, nrr_month: 6}
customers: {sql: SELECT 1}
health: {tiers: {north_star: 4, input: 2, output: 1, health: 1}}
stages:
  - key: first
    name: First
    current: true
    criteria: [{category: Customer, targets: [{kpi: nps, above: 50}, {text: Loved}]}]
"""
    )
    config = load_config(write_config(tmp_path, kpis=body), env={})
    catalog = config.catalog
    assert catalog.dashboards["sales"].headline == ("mrr",)
    assert catalog.cohorts is not None and catalog.cohorts.targets.retention == {1: 90}
    assert catalog.customers is not None and catalog.customers.horizon_days == 90
    assert catalog.health.tiers["north_star"] == 4
    assert catalog.stages[0].criteria[0].targets[1].text == "Loved"


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    body = (
        HEAD
        + """
dashboards:
  sales:
    title: Sales dashboard
    headline: [mrrr]
cohorts:
  activity: {sql: SELECT 1, database: wh}
  targets: {retention: {1: 190}}
customers:
  sql: SELECT 1
  value: revenue
health:
  tiers: {north_star: -1}
stages:
  - key: first
    name: First
    criteria:
      - category: Customer
        targets: [{kpi: nps, above: 50, below: 70}, {kpi: csat, above: 4}]
"""
    )
    assert issues_of(write_config(tmp_path, kpis=body)) == [
        "kpis.yml:10 dashboards.sales.headline[0]: unknown KPI 'mrrr' (did you mean 'mrr'?)",
        "kpis.yml:13 cohorts.targets.retention: a target is a period (0 or more) and a percentage 0-100, "
        "not 1: 190.0",
        "kpis.yml:16 customers.value: the value column 'revenue' must be one of the features",
        "kpis.yml:18 health.tiers: tier weights are numbers from 0 up",
        "kpis.yml:24 stages[0].criteria[0].targets[0]: a KPI target needs exactly one of above, at_least, "
        "below, at_most",
    ]


def test_cross_references_are_checked(tmp_path: Path) -> None:
    body = (
        HEAD
        + """
cohorts:
  activity: {sql: SELECT 1, database: wh}
customers: {sql: SELECT 1, database: crm}
stages:
  - key: first
    name: First
    current: true
    criteria: [{category: Customer, targets: [{kpi: csat, above: 4}]}]
  - key: second
    name: Second
    current: true
    criteria: [{category: Customer, targets: [{kpi: nps, above: 60}]}]
"""
    )
    assert issues_of(write_config(tmp_path, kpis=body)) == [
        "kpis.yml:8 cohorts.activity.database: database 'wh' is not defined under `databases:` "
        "(defined: warehouse)",
        "kpis.yml:9 customers.database: database 'crm' is not defined under `databases:` "
        "(defined: warehouse)",
        "kpis.yml:10 stages: only one stage can be current",
        "kpis.yml:14 stages[0].criteria[0].targets[0].kpi: unknown KPI 'csat'",
    ]


def test_the_demo_config_has_the_three_stages_and_four_dashboards() -> None:
    config = load_config(Path(__file__).resolve().parents[3] / "config", env={})
    catalog = config.catalog
    assert [s.name for s in catalog.stages] == ["Product-Market Fit", "Scaling Growth", "Market Leadership"]
    assert sorted(catalog.dashboards) == ["customer_success", "executive", "product", "sales"]
    assert catalog.cohorts is not None and catalog.customers is not None
