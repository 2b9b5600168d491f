"""build_digest over snapshots computed by the real `compute_snapshot`: no database needed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kpi_core.config.models import KpiCatalogConfig, KpiDefinition
from kpi_core.digests.build import build_digest
from kpi_core.digests.collect import collect_digest
from kpi_core.digests.content import (
    AlertsSection,
    ChartSection,
    HeadlineSection,
    MoversSection,
    NorthStarSection,
    OpenAlert,
    TableSection,
)
from kpi_core.digests.periods import digest_period
from kpi_core.evaluation import compute_snapshot
from kpi_core.snapshot import KpiSnapshot
from kpi_core.standing import Goal, Health
from kpi_core.windows import Window
from tests.kpi_core.digests.factories import make_digest

NOW = datetime(2026, 11, 17, 8, tzinfo=UTC)  # Tuesday 09:00 in Berlin
RECORDED = datetime(2026, 11, 17, 0, 30, tzinfo=UTC)


def _kpi(key: str, **fields: Any) -> KpiDefinition:
    return KpiDefinition.model_validate({"key": key, "name": key.upper(), **fields})


KPIS = {
    "dau": _kpi("dau", category="growth", grain="daily", target=1000),
    "signups": _kpi("signups", category="growth", grain="daily"),
    "uptime": _kpi("uptime", category="product", grain="daily", unit="percent", thresholds={"warning": 99.9}),
    "mrr": _kpi("mrr", category="revenue", grain="monthly", unit="USD", target=20000, measure="level"),
    "churn": _kpi("churn", category="customers", grain="monthly", unit="percent", direction="lower"),
    "cac": _kpi("cac", category="revenue", grain="monthly", unit="USD", direction="lower"),
    "nps": _kpi("nps", category="customers", grain="monthly", unit="score"),
    "mabv": _kpi(
        "mabv",
        category="product",
        tier="north_star",
        grain="monthly",
        target={date(2026, 6, 30): 50000, date(2026, 12, 31): 200000, date(2027, 12, 31): 800000},
    ),
}


def _daily(values: Mapping[date, float]) -> list[tuple[date, float]]:
    return sorted(values.items())


def _snap(key: str, rows: Iterable[tuple[date, float]], *, at: date, **extra: Any) -> KpiSnapshot:
    return compute_snapshot(KPIS[key], list(rows), at=at, now=NOW, recorded_at=RECORDED, **extra)


def _month(start: date, *values: float) -> list[tuple[date, float]]:
    out, year, month = [], start.year, start.month
    for value in values:
        out.append((date(year, month, 1), value))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(17)]  # 1..17 Nov


def _daily_digest_snapshots(at: date) -> dict[str, KpiSnapshot]:
    dau = {day: 800.0 + 10 * i for i, day in enumerate(DAYS)}  # Mon 16 Nov: 950, Sun 15: 940, Mon 9: 880
    return {
        "dau": _snap("dau", dau.items(), at=at),
        "uptime": _snap("uptime", [(d, 99.95) for d in DAYS[:15]] + [(DAYS[15], 99.5)], at=at),
        "mrr": _snap("mrr", _month(date(2026, 8, 1), 15000, 16000, 17600, 18000), at=at),
        "churn": _snap("churn", _month(date(2026, 9, 1), 2.0, 3.0), at=at),  # +50 %: a red flag
        "cac": _snap("cac", _month(date(2026, 9, 1), 500, 450), at=at),  # -10 %: a win (lower is better)
        "nps": _snap("nps", _month(date(2026, 9, 1), 50, 50.2), at=at),  # +0.4 %: noise
        "signups": _snap("signups", [], at=at, source_error="warehouse timed out"),
    }


def test_a_daily_digest_reports_yesterday_against_the_day_before_and_last_week() -> None:
    digest = make_digest("weekdays at 09:00", sections=[{"headline": ["dau", "uptime", "mrr"]}])
    period = digest_period(digest, NOW)
    content = build_digest(digest, period, kpis=KPIS, snapshots=_daily_digest_snapshots(period.end), now=NOW)
    [headline] = content.sections
    assert isinstance(headline, HeadlineSection)
    dau, uptime, mrr = headline.items
    assert (dau.value, dau.aggregate, dau.as_of) == (950.0, "period", date(2026, 11, 16))
    assert dau.change is not None and (dau.change.reference, dau.change.label) == (940.0, "DoD")
    assert dau.vs_last_week is not None and dau.vs_last_week.reference == 880.0
    assert dau.vs_last_week.percent == pytest.approx(70 / 880 * 100)
    # 95 % of its target is behind it, not "on track"; no thresholds, so no health colour
    assert dau.goal is not None and dau.goal.goal is Goal.BEHIND and dau.progress == pytest.approx(0.95)
    assert dau.health is Health.NOT_SET
    assert (uptime.value, uptime.health) == (99.5, Health.WARNING)  # below the 99.9 warning threshold
    # A monthly KPI in a daily digest: its newest value and its own MoM change.
    assert (mrr.value, mrr.aggregate, mrr.as_of) == (18000.0, "latest", date(2026, 11, 1))
    assert mrr.change is not None and mrr.change.label == "MoM"
    assert content.header.period_label == "Monday 16 Nov 2026 (Europe/Berlin)"
    assert content.fallback_text == "Daily KPI digest · Monday 16 Nov 2026 (Europe/Berlin)"


def test_a_kpi_without_data_says_why_and_the_rest_is_built() -> None:
    digest = make_digest(sections=[{"headline": ["signups", "nps", "dau"]}, {"table": {"kpis": ["signups"]}}])
    period = digest_period(digest, NOW)
    snapshots = _daily_digest_snapshots(period.end)
    del snapshots["nps"]  # nothing at all for this one
    content = build_digest(digest, period, kpis=KPIS, snapshots=snapshots, now=NOW)
    headline = content.sections[0]
    assert isinstance(headline, HeadlineSection)
    signups, nps, dau = headline.items
    assert (signups.value, signups.note, signups.health) == (None, "no data (source error)", Health.NO_DATA)
    assert signups.goal is None
    assert signups.source_error == "warehouse timed out"
    assert (nps.value, nps.note, nps.snapshot) == (None, "no data", None)
    assert dau.value == 950.0 and dau.note is None
    assert content.missing == ("signups", "nps")


def test_a_weekly_digest_averages_daily_kpis_over_the_iso_week() -> None:
    digest = make_digest("weekly on monday at 09:00", sections=[{"headline": ["dau"]}])
    period = digest_period(digest, datetime(2026, 11, 16, 8, tzinfo=UTC))  # week 9-15 Nov
    rows = [(d, 800.0 + 10 * i) for i, d in enumerate(DAYS[:15])]
    content = build_digest(
        digest, period, kpis=KPIS, snapshots={"dau": _snap("dau", rows, at=period.end)}, now=NOW
    )
    [line] = content.sections[0].items  # type: ignore[union-attr]
    # 9..15 Nov are days 8..14: mean 800 + 10 * 11 = 910; 2..8 Nov: 840.
    assert (line.value, line.aggregate) == (pytest.approx(910.0), "average")
    assert line.change is not None and line.change.reference == pytest.approx(840.0)
    assert line.change.label == "WoW" and line.change.improved is True


def test_a_monthly_digest_with_the_month_missing_shows_the_newest_value_as_lagging() -> None:
    digest = make_digest("monthly on 1 at 08:00", sections=[{"headline": ["mrr", "churn"]}])
    period = digest_period(digest, datetime(2026, 11, 1, 7, tzinfo=UTC))  # October
    snapshots = {
        "mrr": _snap("mrr", _month(date(2026, 8, 1), 15000, 16000, 17600), at=period.end),  # to October
        "churn": _snap("churn", _month(date(2026, 8, 1), 2.5, 2.0), at=period.end),  # no October yet
    }
    content = build_digest(digest, period, kpis=KPIS, snapshots=snapshots, now=NOW)
    mrr, churn = content.sections[0].items  # type: ignore[union-attr]
    assert (mrr.value, mrr.as_of, mrr.lagging) == (17600.0, date(2026, 10, 1), False)
    assert mrr.change is not None and mrr.change.percent == pytest.approx(10.0)
    assert (churn.value, churn.as_of, churn.lagging, churn.change) == (2.0, date(2026, 9, 1), True, None)


def test_movers_are_direction_aware_and_ranked_by_size() -> None:
    digest = make_digest(sections=[{"movers": {"count": 2}}])
    period = digest_period(digest, NOW)
    content = build_digest(digest, period, kpis=KPIS, snapshots=_daily_digest_snapshots(period.end), now=NOW)
    [movers] = content.sections
    assert isinstance(movers, MoversSection)
    # churn +50 % (lower is better) and uptime -0.45 % ... only churn is >= 1 % among the worse moves.
    assert [m.line.key for m in movers.red_flags] == ["churn"]
    assert movers.red_flags[0].change.percent == pytest.approx(50.0)
    # cac -10 % (lower is better: a win); dau +7.95 % against last Monday (+1.06 % DoD); mrr +2.3 %.
    assert [m.line.key for m in movers.wins] == ["cac", "dau"]
    assert all(m.change.improved for m in movers.wins)
    assert movers.wins[1].change.label == "vs last week"  # daily digests: seasonality-free comparison


def test_the_table_groups_by_category_in_the_order_written() -> None:
    digest = make_digest(sections=[{"table": {"categories": ["revenue", "growth"]}}, {"table": "all"}])
    period = digest_period(digest, NOW)
    content = build_digest(digest, period, kpis=KPIS, snapshots=_daily_digest_snapshots(period.end), now=NOW)
    chosen, everything = content.sections
    assert isinstance(chosen, TableSection) and isinstance(everything, TableSection)
    assert [(g.category, [r.key for r in g.rows]) for g in chosen.groups] == [
        ("revenue", ["mrr", "cac"]),  # in the order the categories are written
        ("growth", ["dau", "signups"]),
    ]
    assert [g.title for g in everything.groups] == ["Growth", "Product", "Revenue", "Customers"]


def test_open_alerts_most_severe_and_oldest_first() -> None:
    t0 = datetime(2026, 11, 16, tzinfo=UTC)
    alerts = [
        OpenAlert("warning", "CAC increased 15%", "cac", t0),
        OpenAlert("info", "New user target reached", None, t0),
        OpenAlert("critical", "Uptime below 99.5%", "uptime", t0 + timedelta(hours=2)),
        OpenAlert("critical", "Churn above 3%", "churn", t0 + timedelta(hours=1)),
    ]
    digest = make_digest(
        sections=[{"alerts": None}, {"kind": "alerts", "severities": ["critical"], "limit": 1}]
    )
    period = digest_period(digest, NOW)
    content = build_digest(digest, period, kpis=KPIS, snapshots={}, open_alerts=alerts, now=NOW)
    default, critical_only = content.sections
    assert isinstance(default, AlertsSection) and isinstance(critical_only, AlertsSection)
    assert [a.title for a in default.alerts] == ["Churn above 3%", "Uptime below 99.5%", "CAC increased 15%"]
    assert ([a.title for a in critical_only.alerts], critical_only.more) == (["Churn above 3%"], 1)


def test_the_north_star_with_its_target_progression() -> None:
    digest = make_digest("monthly on 1 at 08:00", sections=["north_star"])
    period = digest_period(digest, datetime(2026, 11, 1, 7, tzinfo=UTC))
    mabv = _snap("mabv", _month(date(2026, 8, 1), 90000, 110000, 125000), at=period.end)
    content = build_digest(digest, period, kpis=KPIS, snapshots={"mabv": mabv}, now=NOW, north_star="mabv")
    [north] = content.sections
    assert isinstance(north, NorthStarSection) and north.line is not None
    assert north.line.value == 125000.0
    assert [(m.on, m.reached) for m in north.milestones] == [
        (date(2026, 6, 30), True),
        (date(2026, 12, 31), False),
        (date(2027, 12, 31), False),
    ]
    assert north.next_milestone is not None and north.next_milestone.target == 200000
    assert north.progress == pytest.approx(0.625)
    nothing = build_digest(digest, period, kpis={"mrr": KPIS["mrr"]}, snapshots={}, now=NOW)
    assert nothing.sections[0] == NorthStarSection(None, None, (), None, None)


def test_chart_panels_carry_the_windowed_snapshots() -> None:
    panels = [
        {"title": "Revenue trend", "kpis": ["mrr"], "window": "6m"},
        {"title": "Users", "kpis": ["dau", "unknown_kpi"], "kind": "bar"},
    ]
    digest = make_digest(sections=[{"chart": {"title": "Trends", "panels": panels}}])
    period = digest_period(digest, NOW)
    snapshots = _daily_digest_snapshots(period.end)
    wide = _snap("mrr", _month(date(2026, 1, 1), *range(11)), at=period.end, window=Window("6m"))
    content = build_digest(
        digest, period, kpis=KPIS, snapshots=snapshots, chart_snapshots={("mrr", "6m"): wide}, now=NOW
    )
    [chart] = content.sections
    assert isinstance(chart, ChartSection) and chart.title == "Trends"
    revenue, users = chart.panels
    assert (revenue.title, revenue.kind, revenue.window, revenue.snapshots) == (
        "Revenue trend",
        "line",
        "6m",
        (wide,),
    )
    assert users.kind == "bar" and users.snapshots == (snapshots["dau"],)  # the unknown KPI is left out


def test_has_new_data_compares_recorded_at_with_the_previous_run() -> None:
    digest = make_digest(sections=[{"headline": ["dau", "mrr"]}])
    period = digest_period(digest, NOW)
    snapshots = _daily_digest_snapshots(period.end)

    def build(previous: datetime | None) -> bool:
        return build_digest(
            digest, period, kpis=KPIS, snapshots=snapshots, now=NOW, previous_run_at=previous
        ).has_new_data

    assert build(None) is True
    assert build(RECORDED - timedelta(hours=1)) is True
    assert build(RECORDED) is False
    assert build(RECORDED + timedelta(hours=8)) is False


class FakeService:
    """A SnapshotSource over fixed observations (the real KpiService is exercised by tests/scheduling)."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], date | None, str | None]] = []

    def snapshots(
        self, keys: Iterable[str] | None = None, *, at: date | None = None, window: Window | None = None
    ) -> list[KpiSnapshot]:
        keys = tuple(keys or KPIS)
        self.calls.append((keys, at, window.spec if window else None))
        assert at is not None
        if window is not None and "uptime" in keys:
            raise RuntimeError("chart query failed")
        rows = {"mrr": _month(date(2026, 1, 1), *range(1, 12))}
        return [_snap(key, rows.get(key, []), at=at, window=window) for key in keys]


def test_collect_digest_batches_snapshots_and_survives_a_failing_chart_series() -> None:
    panels = [
        {"title": "Revenue", "kpis": ["mrr"], "window": "6m"},
        {"title": "Reliability", "kpis": ["uptime"], "window": "30d"},
    ]
    digest = make_digest(sections=[{"headline": ["mrr", "dau"]}, {"chart": panels}])
    period = digest_period(digest, NOW)
    service = FakeService()
    content = collect_digest(digest, period, service=service, catalog=KpiCatalogConfig(kpis=KPIS), now=NOW)
    assert service.calls == [
        # the digest's KPIs, then the rest of the catalog (for the header's company health score)
        (("mrr", "dau", "uptime", "signups", "churn", "cac", "nps", "mabv"), date(2026, 11, 16), None),
        (("mrr",), date(2026, 11, 16), "6m"),
        (("uptime",), date(2026, 11, 16), "30d"),
    ]
    chart = content.sections[1]
    assert isinstance(chart, ChartSection)
    assert len(chart.panels[0].snapshots[0].series) == 6
    assert chart.panels[1].snapshots[0].kpi.key == "uptime"  # fell back to the plain snapshot
