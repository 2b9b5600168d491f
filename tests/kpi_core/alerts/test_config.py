from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from kpi_core.alerts.config import AlertsConfig, parse_severity
from kpi_core.alerts.rules import compile_rules
from kpi_core.config.loader import ConfigError, load_config
from tests.conftest import DEMO_CONFIG
from tests.kpi_core.alerts.helpers import CATALOG, config
from tests.kpi_core.alerts.seed_001 import SEED_001_BLOCKS


def _load(text: str) -> dict[str, Any]:
    return YAML(typ="safe").load(text)


def test_seed_001_blocks_verbatim_are_valid_alerts_files() -> None:
    rules = []
    for block in SEED_001_BLOCKS:
        rules += compile_rules(AlertsConfig.model_validate(_load(block)), CATALOG)
    summary = {
        r.name: (
            r.kpi.key,
            r.kind,
            r.op,
            r.threshold,
            r.aggregate,
            r.window,
            r.for_periods,
            r.severity,
            r.mode,
        )
        for r in rules
    }
    assert summary == {
        "Churn Rate Spike": ("monthly_churn_rate", "compare", ">", 4.0, "last", 1, 2, "critical", "state"),
        "Trial Conversion Drop": (
            "trial_to_paid_rate",
            "compare",
            "<",
            15.0,
            "avg",
            7,
            1,
            "critical",
            "state",
        ),
        "MRR Growth Stall": ("mrr_growth_rate", "compare", "<", 8.0, "last", 1, 2, "critical", "state"),
        "System Downtime": ("uptime", "compare", "<", 99.0, "last", 1, 1, "critical", "state"),
        "Performance Degradation": (
            "avg_page_load_time",
            "compare",
            ">",
            5.0,
            "avg",
            1,
            1,
            "critical",
            "state",
        ),
        "NPS Score Decline": ("nps_score", "compare", "<", 45.0, "last", 1, 1, "warning", "state"),
        "Support Volume Increase": (
            "support_tickets_per_100_customers",
            "compare",
            ">",
            35.0,
            "avg",
            7,
            1,
            "warning",
            "state",
        ),
        "Feature Adoption Milestone": (
            "feature_adoption_rate",
            "compare",
            ">",
            None,
            "last",
            1,
            1,
            "info",
            "state",
        ),
        "Customer Milestone": ("total_customers", "milestone", ">=", None, "last", 1, 1, "info", "event"),
    }
    by_name = {r.name: r for r in rules}
    assert by_name["Customer Milestone"].step == 50
    assert by_name["Feature Adoption Milestone"].use_target
    assert by_name["Churn Rate Spike"].recipients == (
        "email:ceo@datainsight.pro",
        "email:head-of-cs@datainsight.pro",
    )
    assert by_name["Churn Rate Spike"].actions[0] == "Create emergency customer retention task force"
    # Sub-daily windows on daily data: one period, the latest observation, and a note saying so.
    assert any("finer than the KPI's daily data" in note for note in by_name["System Downtime"].notes)
    assert any("finer than the KPI's daily data" in note for note in by_name["Performance Degradation"].notes)


@pytest.mark.parametrize(
    ("value", "expected"), [("critical", "critical"), ("High", "critical"), ("info", "info")]
)
def test_severity_accepts_high_as_critical(value: str, expected: str) -> None:
    assert parse_severity(value) == expected


def test_unknown_severity_message() -> None:
    with pytest.raises(ValueError) as error:
        parse_severity("urgent")
    assert str(error.value) == "'urgent' is not one of critical, warning, info (high is accepted as critical)"


KPIS_YML = """\
kpis:
  monthly_churn_rate: {name: Churn, unit: percent, direction: lower, grain: daily, category: revenue}
  avg_page_load_time: {name: Page load, unit: seconds, direction: lower, grain: daily, category: product}
  feature_adoption_rate: {name: Feature adoption, unit: percent, grain: monthly, category: product}
  uptime:
    {name: Uptime, unit: percent, grain: daily, category: product, thresholds: {warning: 99.5, critical: 99}}
"""


def _issues(tmp_path: Path, alerts: str) -> list[str]:
    (tmp_path / "kpis.yml").write_text(KPIS_YML)
    (tmp_path / "alerts.yml").write_text(alerts)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path, env={})
    return [str(issue) for issue in error.value.issues]


def test_bad_phrases_and_severities_are_errors_with_line_numbers(tmp_path: Path) -> None:
    issues = _issues(
        tmp_path,
        """\
alerts:
  - name: "Churn"
    condition: "monthly_churn_rate > 4%"
    threshold: "sometimes"
    severity: "urgent"
  - name: "Load"
    condition: "avg_page_load_time is slow"
""",
    )
    assert issues[0].startswith(
        "alerts.yml:4 alerts[0].threshold: cannot read the threshold 'sometimes': write one of"
    )
    assert issues[1] == (
        "alerts.yml:5 alerts[0].severity: 'urgent' is not one of critical, warning, info "
        "(high is accepted as critical)"
    )
    assert issues[2].startswith(
        "alerts.yml:7 alerts[1].condition: cannot read the condition 'avg_page_load_time is"
    )
    assert len(issues) == 3


def test_cross_file_problems_have_line_numbers_and_suggestions(tmp_path: Path) -> None:
    issues = _issues(
        tmp_path,
        """\
alerts:
  - name: "Churn"
    condition: "monthly_churn > 4%"
  - name: "Load"
    condition: "avg_page_load_time > 5%"
  - name: "Adoption"
    condition: "feature_adoption_rate > target"
  - name: "Churn"
    kpi: monthly_churn_rate
    op: ">"
    value: 4
routing:
  routes:
    - match: {kpi: uptme, category: produc}
      channels: ["#kpi-alerts"]
""",
    )
    assert sorted(issues) == [
        "alerts.yml:14 routing.routes[0].match.category: unknown category 'produc' (categories in kpis.yml: "
        "revenue, product)",
        "alerts.yml:14 routing.routes[0].match.kpi: unknown KPI 'uptme' (did you mean uptime?)",
        "alerts.yml:3 alerts[0].condition: unknown KPI 'monthly_churn' (did you mean monthly_churn_rate?)",
        "alerts.yml:5 alerts[1].condition: the value is a percentage but the KPI is measured in seconds "
        "(avg_page_load_time)",
        "alerts.yml:7 alerts[2].condition: feature_adoption_rate has no target in kpis.yml, "
        "so '> target' cannot be checked",
        "alerts.yml:8 alerts[3].name: two rules share the key 'churn' ('Churn' and 'Churn'): "
        "rename one or set `key`",
    ]


def test_unknown_keys_in_a_rule_are_reported(tmp_path: Path) -> None:
    issues = _issues(
        tmp_path, 'alerts:\n  - name: "Churn"\n    condition: "monthly_churn_rate > 4%"\n    recipent: [x]\n'
    )
    assert issues == ["alerts.yml:4 alerts[0].recipent: unknown key 'recipent' (did you mean 'recipients'?)"]


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ({"name": "x"}, "a rule needs a `condition`"),
        ({"name": "x", "condition": "churn > 4", "kpi": "churn"}, "not both"),
        ({"name": "x", "kpi": "churn", "op": ">"}, "needs both `op` and `value`"),
        ({"name": "x", "kpi": "churn", "op": ">", "value": 4, "warning": 3}, "not both"),
        ({"name": "x", "condition": "churn > 4", "threshold": "2 consecutive days", "for": 2}, "not both"),
        ({"name": "x", "condition": "churn > 4", "recipients": ["ceo"]}, "is not a recipient"),
        ({"name": "x", "condition": "churn > 4", "window": "7 fortnights"}, "cannot read '7 fortnights'"),
    ],
)
def test_invalid_rules(entry: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        config({"alerts": [entry]})


def test_structured_and_levels_forms() -> None:
    rules = compile_rules(
        config(
            {
                "alerts": [
                    {
                        "name": "Churn",
                        "kpi": "churn",
                        "op": ">",
                        "value": "4%",
                        "window": "7 days",
                        "for": 2,
                        "resolve_at": 3.5,
                        "severity": "critical",
                        "labels": {"team": "cs"},
                    },
                    {"name": "Load", "kpi": "avg_page_load_time", "op": ">=", "value": "800 ms"},
                    {"name": "Uptime levels", "kpi": "uptime", "warning": 99.5, "critical": 99},
                    {"name": "Customers", "kpi": "total_customers", "every": 100},
                ]
            }
        ),
        CATALOG,
    )
    churn, load, uptime, customers = rules
    assert (churn.kpi.key, churn.aggregate, churn.window, churn.for_periods, churn.resolve_at) == (
        "monthly_churn_rate",
        "avg",
        7,
        2,
        3.5,
    )
    assert churn.labels == (("team", "cs"),)
    assert load.threshold == pytest.approx(0.8)
    assert (uptime.kind, uptime.severity, uptime.levels.critical) == ("levels", "critical", 99)
    assert (customers.kind, customers.step, customers.mode) == ("milestone", 100, "event")


def test_resolve_at_must_be_on_the_recovered_side() -> None:
    bad = config({"alerts": [{"name": "Churn", "kpi": "churn", "op": ">", "value": 4, "resolve_at": 5}]})
    assert bad.check_references(CATALOG) == [
        (("alerts", 0, "resolve_at"), "resolve_at must be at or below the firing value 4")
    ]


def test_thresholds_from_kpis_makes_one_levels_rule_per_kpi_with_thresholds() -> None:
    rules = compile_rules(config({"thresholds_from_kpis": True}), CATALOG)
    assert sorted(r.key for r in rules) == ["thresholds.monthly_churn_rate", "thresholds.uptime"]
    churn = next(r for r in rules if r.kpi.key == "monthly_churn_rate")
    assert (churn.kind, churn.severity, churn.recipients) == ("levels", "critical", ("owner",))
    only = compile_rules(
        config({"thresholds_from_kpis": {"kpis": ["uptime"], "threshold": "2 consecutive days"}}), CATALOG
    )
    assert [(r.key, r.for_periods) for r in only] == [("thresholds.uptime", 2)]
    assert config({"thresholds_from_kpis": {"kpis": ["uptim"]}}).check_references(CATALOG) == [
        (("thresholds_from_kpis", "kpis", 0), "unknown KPI 'uptim' (did you mean uptime?)")
    ]


def test_routing_and_policies() -> None:
    parsed = config(
        {
            "cooldown": "6h",
            "no_data": "alert",
            "who_can_act": "owners",
            "routing": [
                {
                    "match": {"severity": ["critical", "high"]},
                    "channels": "#exec-alerts",
                    "repeat_interval": "4h",
                    "escalate_after": 30,
                    "quiet_hours": {"start": "20:00", "end": "08:00", "timezone": "Europe/Paris"},
                },
                {"match": {"severity": "info"}, "digest_only": True, "repeat_interval": "never"},
            ],
        }
    )
    critical, info = parsed.routing.routes
    assert critical.match.severity == ("critical",)
    assert critical.channels == ("#exec-alerts",)
    assert (critical.repeat_interval, critical.escalate_after) == (timedelta(hours=4), timedelta(minutes=30))
    assert info.repeat_interval == timedelta(0)
    assert (parsed.cooldown, parsed.no_data.action, parsed.who_can_act) == (
        timedelta(hours=6),
        "alert",
        "owners",
    )
    with pytest.raises(ValidationError, match="not an IANA timezone"):
        config({"routing": [{"quiet_hours": {"start": "20:00", "end": "08:00", "timezone": "Europe/Pari"}}]})
    with pytest.raises(ValidationError, match="write the time in quotes"):
        config({"routing": [{"quiet_hours": {"start": 1200, "end": "08:00"}}]})


def test_the_demo_alerts_file_loads_with_the_demo_kpis() -> None:
    app = load_config(DEMO_CONFIG, env={})
    rules = compile_rules(app.alerts, app.catalog)
    names = [r.name for r in rules]
    assert names[:9] == [
        "Churn Rate Spike",
        "Trial Conversion Drop",
        "MRR Growth Stall",
        "System Downtime",
        "Performance Degradation",
        "NPS Score Decline",
        "Support Volume Increase",
        "Feature Adoption Milestone",
        "Customer Milestone",
    ]
    assert any(r.key.startswith("thresholds.") for r in rules)
    assert app.alerts.fallback_channel == "#kpi-ops"
