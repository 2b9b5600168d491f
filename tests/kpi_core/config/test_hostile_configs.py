"""Configs that used to crash `kpibot validate` or lose their line, each with its exact `file:line`.

Impossible dates, non-finite numbers, binary bytes, deep nesting, aliases, a directory where a file
should be, targets on the wrong side of thresholds, several mistakes in alerts.yml at once, and values
that are valid YAML but not valid for Slack (channel names, recipients, owners).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kpi_core.config.loader import load_config
from tests.kpi_core.config.helpers import issues_of, write_config

KPIS = """
kpis:
  mrr:
    name: Monthly Recurring Revenue
    unit: USD
  monthly_churn_rate:
    name: Monthly churn rate
    unit: percent
    direction: lower
"""  # lines 1-8; a kpis.yml case continues at line 9

KPI_CASES: list[tuple[str, str, list[str]]] = [
    (
        "impossible date in a target progression",
        """
          users:
            name: Users
            target: {2026-02-30: 550000}
        """,
        [
            "kpis.yml:11 kpis.users.target.2026-02-30: '2026-02-30' is not a calendar date "
            "(day is out of range for month)"
        ],
    ),
    (
        "month 13 in a target progression",
        """
          users:
            name: Users
            target:
              2026-06-30: 50000
              2026-13-01: 80000
        """,
        [
            "kpis.yml:13 kpis.users.target.2026-13-01: '2026-13-01' is not a calendar date "
            "(month must be in 1..12)"
        ],
    ),
    (
        "infinite target",
        """
          users: {name: Users, target: 1e999}
        """,
        ["kpis.yml:9 kpis.users.target: expected a finite number, got inf"],
    ),
    (
        "not-a-number threshold",
        """
          users:
            name: Users
            thresholds: {warning: .nan, critical: -.inf}
        """,
        [
            "kpis.yml:11 kpis.users.thresholds.critical: expected a finite number, got -inf",
            "kpis.yml:11 kpis.users.thresholds.warning: expected a finite number, got nan",
        ],
    ),
    (
        "target below the critical threshold of a higher-is-better KPI",
        """
          users:
            name: Users
            target: 250
            thresholds: {warning: 500, critical: 300}
        """,
        [
            "kpis.yml:11 kpis.users.target: the target 250 must be above the critical threshold 300 "
            "(this KPI is higher-is-better: meeting the target would also raise a critical alert)"
        ],
    ),
    (
        "dated target above the critical threshold of a lower-is-better KPI",
        """
          churn:
            name: Churn
            direction: lower
            threshold_critical: 4
            target:
              2026-06-30: 3
              2026-12-31: 5
        """,
        [
            "kpis.yml:15 kpis.churn.target.2026-12-31: the target 5 must be below the critical threshold 4 "
            "(this KPI is lower-is-better: meeting the target would also raise a critical alert)"
        ],
    ),
    (
        "bounds the wrong way round",
        """
          share:
            name: Share
            unit: percent
            min: 50
            max: 10
        """,
        ["kpis.yml:9 kpis.share: min (50) must be below max (10)"],
    ),
    (
        "second owner that is not an email or a Slack id",
        """
          users:
            name: Users
            owner:
              - ceo@northwind.example
              - the CEO
        """,
        [
            "kpis.yml:13 kpis.users.owner[1]: 'the CEO' is not an email address or a Slack user id "
            "(like U024BE7LH)"
        ],
    ),
    (
        "value the YAML constructor cannot build",
        """
          users: {name: Users, target: !!int lots}
        """,
        [
            "kpis.yml:9: YAML syntax error: cannot read the value 'lots' "
            "(invalid literal for int() with base 10: 'lots')"
        ],
    ),
    (
        "a list as a mapping key",
        """
          users:
            name: Users
            ? [a, b]
            : c
        """,
        ["kpis.yml:9 kpis.users.\"[a, b]\": unknown key '[a, b]'"],
    ),
    (
        "nesting deeper than any config",
        "  users: {name: Users, definition: " + "[" * 45 + "]" * 45 + "}\n",
        ["kpis.yml:9: nested too deeply (kpibot reads at most 40 levels)"],
    ),
    (
        "aliases that multiply",
        """
          users:
            name: Users
            actions: &a [x, x, x, x, x, x, x, x, x, x]
            risks: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
            definition: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
            why: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
            x: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
            y: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
        """,
        ["kpis.yml: more than 200,000 values once aliases are expanded: write the values out"],
    ),
]


@pytest.mark.parametrize(("kpis", "expected"), [c[1:] for c in KPI_CASES], ids=[c[0] for c in KPI_CASES])
def test_hostile_kpis_yml(tmp_path: Path, kpis: str, expected: list[str]) -> None:
    text = KPIS.lstrip("\n") + textwrap.indent(textwrap.dedent(kpis).lstrip("\n"), "  ")
    (tmp_path / "kpis.yml").write_text(text, encoding="utf-8")
    assert issues_of(tmp_path) == expected


ALERT_CASES: list[tuple[str, str, list[str]]] = [
    (
        "several mistakes at once, an unknown KPI among them",
        """
        alerts:
          - name: Churn
            condition: monthly_churn_rate > 4%
            severity: loud
          - name: Unknown
            condition: montly_churn_rate > 4%
          - name: Twice wrong
            condition: mrrr < 100
            severity: urgent
        """,
        [
            "alerts.yml:4 alerts[0].severity: 'loud' is not one of critical, warning, info "
            "(high is accepted as critical)",
            "alerts.yml:6 alerts[1].condition: unknown KPI 'montly_churn_rate' "
            "(did you mean monthly_churn_rate or mrr?)",
            "alerts.yml:8 alerts[2].condition: unknown KPI 'mrrr' (did you mean mrr?)",
            "alerts.yml:9 alerts[2].severity: 'urgent' is not one of critical, warning, info "
            "(high is accepted as critical)",
        ],
    ),
    (
        "infinite value in a structured rule",
        """
        alerts:
          - name: MRR floor
            kpi: mrr
            op: "<"
            value: .inf
        """,
        ["alerts.yml:5 alerts[0].value: expected a finite number or text, got inf"],
    ),
    (
        "a recipient that is not a channel, id or email",
        """
        alerts:
          - name: Churn
            condition: monthly_churn_rate > 4%
            recipients:
              - "#kpi-alerts"
              - "#KPI Alerts!"
        """,
        [
            "alerts.yml:6 alerts[0].recipients[1]: '#KPI Alerts!' is not a recipient: write '#channel', "
            "a Slack id (C…/U…), an email address, or 'owner' (the KPI's owners)"
        ],
    ),
    (
        "a cooldown of 10^29 periods",
        """
        cooldown: 100000000000000000000000000000
        """,
        [
            "alerts.yml:1 cooldown: 100000000000000000000000000000 is not a span: "
            "it must be 1 to 10000 periods"
        ],
    ),
    (
        "a timezone name longer than a file name",
        f"""
        routing:
          routes:
            - channels: "#kpi-alerts"
              quiet_hours: {{start: "20:00", end: "08:00", timezone: {"Europe/" + "x" * 300}}}
        """,
        [
            "alerts.yml:4 routing.routes[0].quiet_hours.timezone: "
            f"'Europe/{'x' * 300}' is not an IANA timezone (e.g. Europe/Paris, America/New_York)"
        ],
    ),
    (
        "a route channel that Slack would refuse",
        """
        routing:
          routes:
            - channels:
                - "#kpi-alerts"
                - "#Exec Alerts"
        """,
        [
            "alerts.yml:5 routing.routes[0].channels[1]: '#Exec Alerts' is not a recipient: "
            "write '#channel', a Slack id (C…/U…), an email address, or 'owner' (the KPI's owners)"
        ],
    ),
    (
        "a duplicate key",
        """
        fallback_channel: "#kpi-ops"
        fallback_channel: "#kpi-ops-2"
        """,
        ["alerts.yml:2: duplicate key 'fallback_channel': each key may appear once"],
    ),
]


@pytest.mark.parametrize(
    ("alerts", "expected"), [c[1:] for c in ALERT_CASES], ids=[c[0] for c in ALERT_CASES]
)
def test_hostile_alerts_yml(tmp_path: Path, alerts: str, expected: list[str]) -> None:
    assert issues_of(write_config(tmp_path, kpis=KPIS, alerts=alerts)) == expected


DIGEST_CASES: list[tuple[str, str, list[str]]] = [
    (
        "a channel name Slack would refuse, written as `channel:`",
        """
        digests:
          monthly:
            schedule: monthly on 1 at 09:00
            channel: "#KPI Monthly!"
            sections: [{headline: [mrr]}]
        """,
        [
            "digests.yml:4 digests.monthly.channel: '#KPI Monthly!' is not a channel: use a name like "
            "#kpi-daily or an id like C0123ABCD"
        ],
    ),
    (
        "the second of several channels",
        """
        digests:
          daily:
            schedule: daily at 09:00
            channels:
              - "#kpi-daily"
              - "kpi daily"
            sections: [{headline: [mrr]}]
        """,
        [
            "digests.yml:6 digests.daily.channels[1]: 'kpi daily' is not a channel: use a name like "
            "#kpi-daily or an id like C0123ABCD"
        ],
    ),
    (
        "an infinite grace",
        """
        digests:
          daily:
            schedule: daily at 09:00
            channel: "#kpi-daily"
            grace: .inf
            sections: [{headline: [mrr]}]
        """,
        ["digests.yml:5 digests.daily.grace: inf is not a duration (e.g. 6h, 30m, 1d)"],
    ),
]


@pytest.mark.parametrize(
    ("digests", "expected"), [c[1:] for c in DIGEST_CASES], ids=[c[0] for c in DIGEST_CASES]
)
def test_hostile_digests_yml(tmp_path: Path, digests: str, expected: list[str]) -> None:
    assert issues_of(write_config(tmp_path, kpis=KPIS, digests=digests)) == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "kpis.yml:1: not a text file: byte 0x89 is not UTF-8"),
        (
            b"kpis:\n  mrr: {name: MRR}\n\x00\x01",
            "kpis.yml:3: not a text file: character #x0000 is not allowed in YAML",
        ),
        (b"", "kpis.yml: expected a `kpis:` mapping of KPI key to definition"),
    ],
    ids=["binary", "control characters", "empty"],
)
def test_a_kpis_yml_that_is_not_yaml(tmp_path: Path, content: bytes, expected: str) -> None:
    (tmp_path / "kpis.yml").write_bytes(content)
    assert issues_of(tmp_path) == [expected]


def test_directories_where_files_should_be_are_reported_together(tmp_path: Path) -> None:
    for name in ("kpis.yml", "alerts.yml", "digests.yml"):
        (tmp_path / name).mkdir()
    assert issues_of(tmp_path) == [
        f"kpis.yml: {tmp_path / 'kpis.yml'} is a directory, not a file",
        f"alerts.yml: {tmp_path / 'alerts.yml'} is a directory, not a file",
        f"digests.yml: {tmp_path / 'digests.yml'} is a directory, not a file",
    ]


def test_an_alert_named_like_an_impossible_date_is_just_a_name(tmp_path: Path) -> None:
    directory = write_config(
        tmp_path,
        kpis=KPIS,
        alerts="alerts:\n  - name: 2026-02-30\n    condition: monthly_churn_rate > 4%\n",
        digests="",
    )
    config = load_config(directory, env={})
    assert config.alerts.alerts[0].name == "2026-02-30"


def test_a_kpi_with_an_error_keeps_its_unit_for_the_alerts(tmp_path: Path) -> None:
    """Only the KPI's own error: no "percentage against a count" echo in alerts.yml."""
    directory = write_config(
        tmp_path,
        kpis="kpis:\n  growth: {name: Growth, unit: percent, target: 1e999}\n",
        alerts="alerts:\n  - name: Stall\n    condition: growth < 5%\n",
    )
    assert issues_of(directory) == ["kpis.yml:2 kpis.growth.target: expected a finite number, got inf"]
