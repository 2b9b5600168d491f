"""Bad configs and their exact, line-numbered messages. Invalid config never loads."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.kpi_core.config.helpers import issues_of, write_config

HEAD = """
databases:
  warehouse: sqlite:///warehouse.db
kpis:
  mrr:
    name: Monthly Recurring Revenue
    unit: USD
"""  # lines 1-6; each case continues at line 7

UNITS = "percent, count, ratio, days, hours, minutes, seconds, score"

CASES: list[tuple[str, str, list[str]]] = [
    (
        "unknown unit",
        """
          churn:
            name: Churn
            unit: dollars
        """,
        [
            "kpis.yml:9 kpis.churn.unit: 'dollars' is not a unit: use an ISO currency code (USD, EUR, ...) "
            f"or one of {UNITS}"
        ],
    ),
    (
        "misspelt unit",
        """
          churn: {name: Churn, unit: precent}
        """,
        [
            "kpis.yml:7 kpis.churn.unit: 'precent' is not a unit (did you mean 'percent'?): use an ISO "
            f"currency code (USD, EUR, ...) or one of {UNITS}"
        ],
    ),
    (
        "made-up currency",
        """
          churn: {name: Churn, unit: XYZ}
        """,
        [
            "kpis.yml:7 kpis.churn.unit: 'XYZ' is not a unit: use an ISO currency code (USD, EUR, ...) "
            f"or one of {UNITS}"
        ],
    ),
    (
        "bad direction",
        """
          churn:
            name: Churn
            direction: down
        """,
        ["kpis.yml:9 kpis.churn.direction: 'down' is not one of higher, lower"],
    ),
    (
        "bad grain",
        """
          churn:
            name: Churn
            grain: yearly
        """,
        ["kpis.yml:9 kpis.churn.grain: 'yearly' is not one of daily, weekly, monthly, quarterly"],
    ),
    (
        "bad tier, close to a real one",
        """
          churn: {name: Churn, tier: northstar}
        """,
        [
            "kpis.yml:7 kpis.churn.tier: 'northstar' is not one of north_star, input, output, health "
            "(did you mean 'north_star'?)"
        ],
    ),
    (
        "unknown key with did-you-mean",
        """
          churn:
            name: Churn
            treshold: {warning: 3}
        """,
        ["kpis.yml:9 kpis.churn.treshold: unknown key 'treshold' (did you mean 'thresholds'?)"],
    ),
    (
        "unknown key inside thresholds",
        """
          churn:
            name: Churn
            thresholds:
              warn: 3
        """,
        ["kpis.yml:10 kpis.churn.thresholds.warn: unknown key 'warn' (did you mean 'warning'?)"],
    ),
    (
        "non-numeric target",
        """
          churn:
            name: Churn
            target: abc
        """,
        ["kpis.yml:9 kpis.churn.target: expected a number, got 'abc'"],
    ),
    (
        "number written with commas",
        """
          users: {name: Users, target: "50,000"}
        """,
        [
            "kpis.yml:7 kpis.users.target: expected a number, got '50,000' "
            "(write numbers without commas: 50000)"
        ],
    ),
    (
        "target progression with a label instead of a date",
        """
          users:
            name: Users
            target:
              2026-06-30: 50000
              Month 12: 200000
        """,
        ["kpis.yml:11 kpis.users.target.\"Month 12\": expected a date (YYYY-MM-DD), got 'Month 12'"],
    ),
    (
        "seed 000 threshold spelling, not a number",
        """
          dau:
            name: DAU
            threshold_warning: 500
            threshold_critical: lots
        """,
        ["kpis.yml:10 kpis.dau.threshold_critical: expected a number, got 'lots'"],
    ),
    (
        "formula with a call",
        """
          arr:
            name: ARR
            source: {formula: "__import__('os')"}
        """,
        ["kpis.yml:9 kpis.arr.source.formula: a function call is not allowed in a formula: __import__('os')"],
    ),
    (
        "formula with attribute access",
        """
          arr:
            name: ARR
            source:
              formula: mrr.__class__
        """,
        ["kpis.yml:10 kpis.arr.source.formula: attribute access is not allowed in a formula: mrr.__class__"],
    ),
    (
        "formula syntax error",
        """
          arr:
            name: ARR
            source: {formula: "mrr * (12"}
        """,
        ["kpis.yml:9 kpis.arr.source.formula: syntax error at column 7: '(' was never closed"],
    ),
    (
        "formula naming an unknown KPI",
        """
          arr:
            name: ARR
            source: {formula: mrrr * 12}
        """,
        ["kpis.yml:9 kpis.arr.source.formula: unknown KPI 'mrrr' in formula (did you mean 'mrr'?)"],
    ),
    (
        "formula cycle",
        """
          ltv:
            name: LTV
            source: {formula: arpu * 12}
          arpu:
            name: ARPU
            source: {formula: ltv / 12}
        """,
        ["kpis.yml:9 kpis.ltv.source.formula: formula cycle: ltv -> arpu -> ltv"],
    ),
    (
        "formula using itself",
        """
          arr: {name: ARR, source: {formula: arr + mrr}}
        """,
        ["kpis.yml:7 kpis.arr.source.formula: formula cycle: arr uses itself (arr -> arr)"],
    ),
    (
        "source that is neither sql nor formula",
        """
          arr:
            name: ARR
            source: {formla: mrr * 12}
        """,
        [
            "kpis.yml:9 kpis.arr.source: a source needs `sql:` or `formula:`, got 'formla' "
            "(did you mean 'formula'?); leave it out for pushed values"
        ],
    ),
    (
        "sql source naming an undefined database",
        """
          signups:
            name: Signups
            source:
              sql: SELECT count(*) FROM signups
              database: warehose
        """,
        [
            "kpis.yml:11 kpis.signups.source.database: database 'warehose' is not defined under "
            "`databases:` (did you mean 'warehouse'?) (defined: warehouse)"
        ],
    ),
    (
        "thresholds inverted for a lower-is-better KPI",
        """
          churn:
            name: Churn
            unit: percent
            direction: lower
            thresholds: {warning: 5, critical: 3}
        """,
        [
            "kpis.yml:11 kpis.churn.thresholds.critical: for a lower-is-better KPI the critical threshold "
            "must be at or above the warning threshold (critical 3 < warning 5)"
        ],
    ),
    (
        "seed 000 thresholds inverted for a higher-is-better KPI",
        """
          dau:
            name: DAU
            threshold_warning: 200
            threshold_critical: 500
        """,
        [
            "kpis.yml:10 kpis.dau.threshold_critical: for a higher-is-better KPI the critical threshold "
            "must be at or below the warning threshold (critical 500 > warning 200)"
        ],
    ),
    (
        "duplicate alias",
        """
          arr:
            name: Annual Recurring Revenue
            aliases: [run rate, Monthly-Recurring revenue]
        """,
        [
            "kpis.yml:9 kpis.arr.aliases[1]: alias 'Monthly-Recurring revenue' is already used by KPI "
            "'mrr' (line 4)"
        ],
    ),
    (
        "KPI name equal to another KPI's key",
        """
          revenue: {name: MRR}
        """,
        ["kpis.yml:7 kpis.revenue.name: name 'MRR' is already used by KPI 'mrr' (line 4)"],
    ),
    (
        "duplicate KPI key",
        """
          mrr:
            name: Again
        """,
        ["kpis.yml:7: duplicate key 'mrr': each key may appear once"],
    ),
    (
        "KPI key that is not a key",
        """
          Net-Revenue: {name: Net revenue}
        """,
        [
            "kpis.yml:7 kpis.Net-Revenue: 'Net-Revenue' is not a valid key: a KPI key is lowercase letters, "
            "digits and underscores, starting with a letter"
        ],
    ),
    (
        "missing name",
        """
          churn:
            unit: percent
        """,
        ["kpis.yml:7 kpis.churn.name: missing: this key is required"],
    ),
    (
        "owner that is neither an email nor a Slack id",
        """
          churn: {name: Churn, owner: Head of CS}
        """,
        [
            "kpis.yml:7 kpis.churn.owner: 'Head of CS' is not an email address or a Slack user id "
            "(like U024BE7LH)"
        ],
    ),
    (
        "definition that is not a mapping",
        """
          churn: 4.2
        """,
        ["kpis.yml:7 kpis.churn: expected a mapping, got 4.2"],
    ),
    (
        "YAML syntax error",
        """
          churn:
            name: Churn: rate
        """,
        ["kpis.yml:8: YAML syntax error: mapping values are not allowed here"],
    ),
    (
        "dashboard naming an unknown KPI",
        """
        dashboard:
          headline: [mrr, arr]
          charts:
            - title: Revenue
              kpis: [mrr, mmr]
        """,
        [
            "kpis.yml:8 dashboard.headline[1]: unknown KPI 'arr' (did you mean 'mrr'?)",
            "kpis.yml:11 dashboard.charts[0].kpis[1]: unknown KPI 'mmr' (did you mean 'mrr'?)",
        ],
    ),
]


@pytest.mark.parametrize(("kpis", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_kpis_yml(tmp_path: Path, kpis: str, expected: list[str]) -> None:
    directory = write_config(tmp_path, kpis=HEAD.lstrip("\n") + _indent(kpis))
    assert issues_of(directory) == expected


def _indent(case: str) -> str:
    """Cases are written as they sit under `kpis:` (two spaces) or at the top level (no indent)."""
    text = textwrap.dedent(case).lstrip("\n")
    return textwrap.indent(text, "  ") if not text.startswith("dashboard:") else text


def test_undefined_environment_variable_in_a_database_url(tmp_path: Path) -> None:
    directory = write_config(
        tmp_path,
        kpis="""
        databases:
          warehouse: sqlite:///${DATA_DIR:-data}/warehouse.db
          finance: ${FINANCE_DB_URL}
          broken: ${FINANCE_DB_URL
        kpis:
          mrr: {name: MRR}
        """,
    )
    assert issues_of(directory, env={"OTHER": "x"}) == [
        "kpis.yml:3 databases.finance: environment variable FINANCE_DB_URL is not set "
        "(set it, or write ${FINANCE_DB_URL:-default})",
        "kpis.yml:4 databases.broken: malformed ${...}: write ${VAR} or ${VAR:-default}",
    ]


def test_database_url_that_is_not_a_url(tmp_path: Path) -> None:
    directory = write_config(tmp_path, kpis="databases:\n  warehouse: the warehouse\nkpis: {}\n")
    assert issues_of(directory) == [
        "kpis.yml:2 databases.warehouse: 'the warehouse' is not a database URL (like sqlite:///data/x.db)"
    ]


def test_many_errors_in_several_files_are_reported_at_once_sorted(tmp_path: Path) -> None:
    directory = write_config(
        tmp_path,
        digests="""
        digests: [
        """,
        alerts="""
        - just a list
        """,
        kpis="""
        kpis:
          arr:
            name: ARR
            source: {formula: mrr * 12}
          mrr:
            name: MRR
            unit: dollars
            direction: up
          churn: {name: Churn, grain: yearly}
        """,
    )
    assert issues_of(directory) == [
        f"kpis.yml:7 kpis.mrr.unit: 'dollars' is not a unit: use an ISO currency code (USD, EUR, ...) "
        f"or one of {UNITS}",
        "kpis.yml:8 kpis.mrr.direction: 'up' is not one of higher, lower",
        "kpis.yml:9 kpis.churn.grain: 'yearly' is not one of daily, weekly, monthly, quarterly",
        "alerts.yml:1: expected a mapping at the top of the file",
        "digests.yml:2: YAML syntax error: expected the node content, but found '<stream end>' "
        "(while parsing a flow node)",
    ]


def test_missing_kpis_yml_and_missing_directory(tmp_path: Path) -> None:
    empty = write_config(tmp_path / "empty", alerts="alerts: []\n")
    assert issues_of(empty) == [f"kpis.yml: not found in {empty} (kpibot needs a kpis.yml)"]
    assert issues_of(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}: no such config directory (choose one with --config DIR or KPIBOT_CONFIG)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "kpis.yml: expected a `kpis:` mapping of KPI key to definition"),
        ("- mrr\n", "kpis.yml:1: expected a `kpis:` mapping of KPI key to definition"),
        ("kpis: [mrr, arr]\n", "kpis.yml:1 kpis: expected a mapping of KPI key to definition"),
        (
            "kpis: {}\nrefresh_schedule: {daily: 1}\n",
            "kpis.yml:2 refresh_schedule: unknown key 'refresh_schedule' "
            "(expected one of: databases, kpis, dashboard, dashboards, cohorts, customers, health, stages)",
        ),
    ],
)
def test_kpis_yml_shape(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "kpis.yml").write_text(text)
    assert issues_of(tmp_path) == [expected]


def test_one_broken_kpi_does_not_hide_or_echo_into_others(tmp_path: Path) -> None:
    directory = write_config(
        tmp_path,
        kpis="""
        kpis:
          mrr: {name: MRR, unit: dollars}
          arr: {name: ARR, source: {formula: mrr * 12}}
          ltv: {name: LTV, source: {formula: arpu / churn}}
        """,
    )
    # `arr` reads the broken `mrr`: no "unknown KPI" echo; `ltv` still gets its own problems.
    assert issues_of(directory) == [
        f"kpis.yml:2 kpis.mrr.unit: 'dollars' is not a unit: use an ISO currency code (USD, EUR, ...) "
        f"or one of {UNITS}",
        "kpis.yml:4 kpis.ltv.source.formula: unknown KPI 'arpu' in formula",
        "kpis.yml:4 kpis.ltv.source.formula: unknown KPI 'churn' in formula",
    ]


def test_dashboard_chart_window_is_checked(tmp_path: Path) -> None:
    directory = write_config(
        tmp_path,
        kpis="""
        kpis:
          mrr: {name: MRR}
        dashboard:
          charts:
            - title: Revenue
              kpis: [mrr]
              window: soon
        """,
    )
    [issue] = issues_of(directory)
    assert issue.startswith("kpis.yml:7 dashboard.charts[0].window: 'soon' is not a window")


def test_seed_000_category_nesting_gets_a_hint(tmp_path: Path) -> None:
    directory = write_config(
        tmp_path,
        kpis="""
        kpis:
          revenue:
            mrr:
              threshold_warning: 10000
          churn: {name: Churn}
        """,
    )
    assert issues_of(directory) == [
        "kpis.yml:2 kpis.revenue: this looks like a category of KPIs (mrr): put each KPI directly under "
        "`kpis:` with `category: revenue`"
    ]
