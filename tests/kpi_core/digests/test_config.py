from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from kpi_core.config.loader import ConfigError, load_config
from kpi_core.config.models import KpiCatalogConfig
from kpi_core.digests.config import DigestsConfig
from kpi_core.digests.sections import (
    ChartSection,
    CohortsSection,
    HeadlineSection,
    MoversSection,
    NorthStarSection,
    TableSection,
)
from tests.kpi_core.digests.factories import make_digest

KPIS_YML = """\
kpis:
  mrr:
    name: MRR
    category: revenue
    unit: USD
  churn:
    name: Churn rate
    category: customers
    unit: percent
    direction: lower
  dau:
    name: Daily active users
    category: growth
    grain: daily
"""


def _catalog() -> KpiCatalogConfig:
    return KpiCatalogConfig.model_validate(
        {
            "kpis": {
                "mrr": {"key": "mrr", "name": "MRR", "category": "revenue"},
                "churn": {"key": "churn", "name": "Churn", "category": "customers", "direction": "lower"},
                "mabv": {"key": "mabv", "name": "MABV", "category": "product", "tier": "north_star"},
            }
        }
    )


def _load(tmp_path: Path, digests_yml: str) -> None:
    (tmp_path / "kpis.yml").write_text(KPIS_YML)
    (tmp_path / "digests.yml").write_text(digests_yml)
    load_config(tmp_path)


def test_defaults_and_inference() -> None:
    config = DigestsConfig.model_validate(
        {
            "timezone": "America/New_York",
            "digests": {
                "weekly_review": {"schedule": "0 9 * * 1", "channel": "#kpi-weekly", "sections": ["movers"]},
                "board": {
                    "schedule": "monthly on 1 at 08:00",
                    "timezone": "Europe/Berlin",
                    "channels": ["#exec", "C0123ABCD"],
                    "sections": [{"north_star": None}],
                    "grace": "2h",
                    "skip_if_no_new_data": True,
                },
            },
        }
    )
    weekly, board = config.digests["weekly_review"], config.digests["board"]
    assert (weekly.name, weekly.title, weekly.timezone, weekly.period) == (
        "weekly_review",
        "Weekly review KPI digest",
        "America/New_York",
        "weekly",
    )
    assert weekly.channels == ("#kpi-weekly",)
    assert weekly.grace == timedelta(hours=6)
    assert (board.timezone, board.period, board.grace, board.channels) == (
        "Europe/Berlin",
        "monthly",
        timedelta(hours=2),
        ("#exec", "C0123ABCD"),
    )
    assert isinstance(weekly.sections[0], MoversSection) and weekly.sections[0].count == 3
    assert [d.name for d in config.enabled()] == ["weekly_review", "board"]
    assert config.digest("board") is board
    with pytest.raises(KeyError, match="did you mean 'board'"):
        config.digest("bord")


def test_explicit_period_wins_over_the_schedule() -> None:
    assert make_digest("daily at 09:00", period="weekly").period == "weekly"


def test_section_shorthands_and_explicit_forms_read_the_same() -> None:
    short = make_digest(
        sections=[
            {"headline": ["mrr", "churn"]},
            {"table": {"categories": ["revenue"]}},
            {"table": "all"},
            {"chart": [{"title": "Revenue", "kpis": ["mrr"], "kind": "bar", "window": "6m"}]},
            {"movers": {"count": 5}},
            {"north_star": "mabv"},
        ]
    )
    explicit = make_digest(
        sections=[
            {"kind": "headline", "kpis": ["mrr", "churn"]},
            {"kind": "table", "categories": ["revenue"]},
            {"kind": "table"},
            {
                "kind": "chart",
                "panels": [{"title": "Revenue", "kpis": ["mrr"], "kind": "bar", "window": "6m"}],
            },
            {"kind": "movers", "count": 5},
            {"kind": "north_star", "kpi": "mabv"},
        ]
    )
    assert [s.model_dump() for s in short.sections] == [s.model_dump() for s in explicit.sections]
    headline, table, all_table, chart, movers, north = short.sections
    assert isinstance(headline, HeadlineSection) and headline.kpis == ("mrr", "churn")
    assert isinstance(table, TableSection) and table.categories == ("revenue",)
    assert isinstance(all_table, TableSection) and all_table.categories == ()
    assert isinstance(chart, ChartSection) and chart.panels[0].kind == "bar"
    assert isinstance(movers, MoversSection) and movers.count == 5
    assert isinstance(north, NorthStarSection) and north.kpi == "mabv"


def test_kpi_keys_cover_every_section_once() -> None:
    digest = make_digest(
        sections=[
            {"headline": ["churn"]},
            {"table": {"categories": ["revenue"]}},
            {"chart": [{"title": "x", "kpis": ["mrr", "churn"]}]},
            "north_star",
        ]
    )
    assert digest.kpi_keys(_catalog().kpis) == ["churn", "mrr", "mabv"]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"schedule": "daily at 9"}, "is not a schedule"),
        ({"timezone": "Mars/Olympus"}, "is not a timezone"),
        ({"channels": ["#ok", "#ok"]}, "listed twice"),
        ({"channels": ["not a channel!"]}, "is not a channel"),
        ({"channels": []}, "at least one channel"),
        ({"sections": []}, "at least one section"),
        ({"sections": [{"sparkles": ["mrr"]}]}, "unknown kind of section"),
        ({"sections": [{"movers": {"count": 0}}]}, "greater than or equal to 1"),
        ({"sections": [{"alerts": ["urgent"]}]}, "critical"),
        ({"grace": "forever"}, "is not a duration"),
        ({"grace": "40d"}, "between 0 and 31 days"),
        ({"frequency": "daily"}, "Extra inputs"),
    ],
)
def test_bad_digests_are_refused(change: dict[str, object], needle: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make_digest(**change)  # type: ignore[arg-type]
    assert needle in str(caught.value)


def test_check_references_names_unknown_kpis_and_categories_where_written() -> None:
    config = DigestsConfig.model_validate(
        {
            "digests": {
                "daily": {
                    "schedule": "daily at 09:00",
                    "channel": "#kpi",
                    "sections": [
                        {"headline": ["mrr", "mmr"]},
                        {"kind": "table", "kpis": ["churn_rate"], "categories": ["revnue"]},
                        {"chart": {"panels": [{"title": "x", "kpis": ["arr"]}]}},
                        {"north_star": "mabvv"},
                    ],
                }
            }
        }
    )
    base = ("digests", "daily", "sections")
    assert config.check_references(_catalog()) == [
        ((*base, 0, "headline", 1), "unknown KPI 'mmr' (did you mean 'mrr'?)"),
        ((*base, 1, "kpis", 0), "unknown KPI 'churn_rate' (did you mean 'churn'?)"),
        ((*base, 1, "categories", 0), "unknown category 'revnue' (did you mean 'revenue'?)"),
        ((*base, 2, "chart", "panels", 0, "kpis", 0), "unknown KPI 'arr' (did you mean 'mrr'?)"),
        ((*base, 3, "north_star"), "unknown KPI 'mabvv' (did you mean 'mabv'?)"),
    ]


def test_a_north_star_section_needs_a_north_star() -> None:
    config = DigestsConfig.model_validate(
        {
            "digests": {
                "monthly": {"schedule": "monthly on 1 at 08:00", "channel": "#x", "sections": ["north_star"]}
            }
        }
    )
    catalog = KpiCatalogConfig.model_validate({"kpis": {"mrr": {"key": "mrr", "name": "MRR"}}})
    [(path, message)] = config.check_references(catalog)
    assert path == ("digests", "monthly", "sections", 0)
    assert "tier: north_star" in message


def test_the_loader_reports_digest_errors_with_line_numbers(tmp_path: Path) -> None:
    digests_yml = """\
timezone: Europe/Berlin
digests:
  daily:
    schedule: weekdays at 25:00
    timezone: Europe/Berln
    channel: "#kpi-daily"
    sections:
      - headline: [mrr, dauu]
      - chart:
          - title: Revenue
            kpis: [mrr]
            window: 3q
"""
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, digests_yml)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("digests.yml:4 digests.daily.schedule: 'weekdays at 25:00': 25:00 is not")
    assert lines[1].startswith("digests.yml:5 digests.daily.timezone: 'Europe/Berln' is not a timezone")
    assert any(line.startswith("digests.yml:12 ") and "'3q' is not a chart window" in line for line in lines)


def test_the_loader_reports_unknown_kpis_with_line_numbers(tmp_path: Path) -> None:
    digests_yml = """\
digests:
  daily:
    schedule: "0 9 * * 1-5"
    channel: "#kpi-daily"
    sections:
      - headline:
          - mrr
          - dauu
"""
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, digests_yml)
    assert (
        str(caught.value)
        == "digests.yml:8 digests.daily.sections[0].headline[1]: unknown KPI 'dauu' (did you mean 'dau'?)"
    )


def test_the_demo_digests_load_with_the_demo_kpis() -> None:
    demo = Path(__file__).resolve().parents[3] / "config"
    if not (demo / "kpis.yml").exists():
        pytest.skip("config/kpis.yml is not there yet")
    config = load_config(demo, env={})
    assert {"daily", "weekly", "monthly"} <= set(config.digests.digests)
    assert config.digests.digest("daily").cron.day_of_week == "mon,tue,wed,thu,fri"
    assert config.digests.digest("weekly").period == "weekly"
    assert config.digests.digest("monthly").period == "monthly"


def test_a_cohorts_section_in_its_forms() -> None:
    digest = make_digest(
        sections=[{"cohorts": "revenue"}, "cohorts", {"kind": "cohorts", "table": "adoption"}]
    )
    revenue, default, adoption = digest.sections
    assert isinstance(revenue, CohortsSection) and revenue.table == "revenue"
    assert isinstance(default, CohortsSection) and default.table == "retention"
    assert isinstance(adoption, CohortsSection) and adoption.table == "adoption"
    assert revenue.written_path("table") == ("cohorts",)


def test_the_loader_reports_cohort_section_errors_with_line_numbers(tmp_path: Path) -> None:
    digests_yml = """\
digests:
  monthly:
    schedule: monthly on 1 at 08:00
    channel: "#kpi-board"
    sections:
      - headline: [mrr]
      - cohorts: churn
"""
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, digests_yml)
    [line] = str(caught.value).splitlines()
    assert line.startswith("digests.yml:7 digests.monthly.sections[1].cohorts: ")
    assert line.endswith("'churn' is not one of retention, revenue, adoption")
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, digests_yml.replace("churn", "retention"))  # kpis.yml has no cohort query
    assert str(caught.value) == (
        "digests.yml:7 digests.monthly.sections[1].cohorts: no cohort query: add a `cohorts:` section "
        "with an `activity` query to kpis.yml"
    )


def test_a_cohorts_section_needs_the_matching_query() -> None:
    config = DigestsConfig.model_validate(
        {
            "digests": {
                "monthly": {
                    "schedule": "monthly on 1 at 08:00",
                    "channel": "#x",
                    "sections": [{"cohorts": "retention"}, {"cohorts": {"table": "adoption"}}],
                }
            }
        }
    )
    catalog = KpiCatalogConfig.model_validate(
        {
            "kpis": {"mrr": {"key": "mrr", "name": "MRR"}},
            "cohorts": {"activity": {"sql": "SELECT 1"}},
        }
    )
    assert config.check_references(catalog) == [
        (
            ("digests", "monthly", "sections", 1, "cohorts", "table"),
            "adoption cohorts need an `adoption` query under `cohorts:` in kpis.yml",
        )
    ]
