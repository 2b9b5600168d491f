"""config/kpis.yml: the seeds' KPI set, complete, valid and documented."""

from __future__ import annotations

from datetime import date

from kpi_core.config.loader import load_config
from kpi_core.config.models import FormulaSource, KpiDefinition, PushSource, SqlSource
from tests.kpibot_demo.data.conftest import KPIS_FILE, demo_kpis

# Seed 000's four tables, in its order, with the key that implements each row.
SEED_000 = {
    "MRR": "mrr",
    "ARR": "arr",
    "ARPU": "arpu",
    "LTV": "ltv",
    "CAC": "cac",
    "LTV:CAC": "ltv_cac",
    "Gross Margin": "gross_margin",
    "Net Revenue Retention": "nrr",
    "DAU/MAU": "dau_mau",
    "Conversion Rate": "conversion_rate",
    "Trial to Paid": "trial_to_paid_rate",
    "Virality Factor": "virality_factor",
    "Net Promoter Score": "nps_score",
    "Session Duration": "session_duration",
    "Feature Adoption": "feature_adoption_rate",
    "Return Rate": "return_rate",
    "Time to Value": "time_to_value",
    "Support Tickets/User": "support_tickets_per_1k_users",
    "Burn Rate": "burn_rate",
    "Runway": "runway",
    "Unit Economics": "unit_economics",
    "Marketing Efficiency": "marketing_efficiency",
}
# The keys seed 001's alert rules name (the alerts work relies on them), and the executive KPIs.
SEED_001_ALERT_KEYS = {
    "monthly_churn_rate",
    "trial_to_paid_rate",
    "mrr_growth_rate",
    "uptime",
    "avg_page_load_time",
    "nps_score",
    "support_tickets_per_100_customers",
    "feature_adoption_rate",
    "total_customers",
}
EXECUTIVE = {"mabv", "csat", "first_response_time", "payback_period", "trial_signups", "website_traffic"}


def test_the_catalog_loads_through_the_config_loader() -> None:
    config = load_config(KPIS_FILE.parent, env={})
    assert config.database_url("warehouse") == "sqlite:///data/warehouse.db"
    assert load_config(KPIS_FILE.parent, env={"KPIBOT_WAREHOUSE_URL": "sqlite:///x.db"}).database_url(
        "warehouse"
    ) == ("sqlite:///x.db")
    assert list(config.kpis) == list(demo_kpis())


def test_every_seed_kpi_is_there(kpis: dict[str, KpiDefinition]) -> None:
    missing = {name: key for name, key in SEED_000.items() if key not in kpis}
    assert not missing
    assert set(kpis) >= SEED_001_ALERT_KEYS | EXECUTIVE
    assert 35 <= len(kpis) <= 45


def test_sources_are_mostly_sql_with_formulas_and_one_push(kpis: dict[str, KpiDefinition]) -> None:
    kinds = {key: type(kpi.source) for key, kpi in kpis.items()}
    formulas = {key for key, kind in kinds.items() if kind is FormulaSource}
    assert formulas == {"arr", "arpu", "ltv", "ltv_cac", "runway", "unit_economics", "payback_period"}
    assert [key for key, kind in kinds.items() if kind is PushSource] == ["employee_satisfaction"]
    sql = [kpi for kpi in kpis.values() if isinstance(kpi.source, SqlSource)]
    assert len(sql) >= 30 and all(kpi.source.database == "warehouse" for kpi in sql)  # type: ignore[union-attr]


def test_the_north_star_has_seed_001s_progression(kpis: dict[str, KpiDefinition]) -> None:
    mabv = kpis["mabv"]
    assert mabv.tier == "north_star"
    assert [value for _, value in mabv.target_progression] == [50_000, 200_000, 800_000, 2_000_000]
    assert mabv.target_at(date(2026, 11, 21)) == 800_000
    assert [kpi.key for kpi in kpis.values() if kpi.tier == "north_star"] == ["mabv"]


def test_every_kpi_is_documented_and_owned(kpis: dict[str, KpiDefinition]) -> None:
    for kpi in kpis.values():
        assert kpi.definition and kpi.why, kpi.key
        assert len(kpi.actions) >= 2 and kpi.risks, kpi.key
        assert kpi.owners and all(owner.endswith("@northwind.example") for owner in kpi.owners), kpi.key
        assert kpi.target is not None or kpi.target_progression, kpi.key
        assert kpi.category in {
            "revenue",
            "growth",
            "engagement",
            "customer",
            "efficiency",
            "operations",
            "people",
        }


def test_thresholds_agree_with_direction_and_target(kpis: dict[str, KpiDefinition]) -> None:
    for kpi in kpis.values():
        warning, critical = kpi.thresholds.warning, kpi.thresholds.critical
        if warning is None or critical is None:
            continue
        target = kpi.target if kpi.target is not None else kpi.target_progression[-1][1]
        if kpi.direction == "higher":
            assert critical <= warning < target, kpi.key
        else:
            assert critical >= warning > target, kpi.key


def test_the_dashboard_names_known_kpis() -> None:
    config = load_config(KPIS_FILE.parent, env={})
    dashboard = config.catalog.dashboard
    assert dashboard.headline == ("mrr", "monthly_active_users", "mabv")
    assert len(dashboard.charts) == 4
    named = {
        *dashboard.headline,
        *dashboard.quick_stats,
        *(k for panel in dashboard.charts for k in panel.kpis),
    }
    assert named <= set(config.kpis)
    for panel in dashboard.charts:
        assert len({config.kpi(key).unit for key in panel.kpis}) == 1, panel.title  # one axis per panel
