"""Complete periods by default: a flow's headline is its last complete period in the local timezone; the
running one is shown only "to date" and compared pro rata. Month ends, leap years and DST are covered."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.kpi_card import build_kpi_card
from bot.cli.kpi_text import render_table
from kpi_core.clock import ManualClock
from kpi_core.config.loader import load_config
from kpi_core.config.models import KpiCatalogConfig, KpiDefinition
from kpi_core.digests.build import build_digest
from kpi_core.digests.periods import digest_period
from kpi_core.evaluation import compute_snapshot
from kpi_core.service import KpiService
from kpi_core.sources import refresh
from kpi_core.storage.db import Database
from tests.kpi_core.core_fixtures import fill_warehouse, write_config
from tests.kpi_core.digests.factories import make_digest

BERLIN = "Europe/Berlin"
SIGNUPS: dict[str, Any] = {
    "name": "Signups",
    "category": "growth",
    "unit": "count",
    "grain": "monthly",
    "target": 3000,
    "source": {
        "sql": "SELECT month AS period, SUM(n) AS value FROM signups GROUP BY month ORDER BY month",
        "database": "warehouse",
    },
}


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.fixture
def signups(tmp_path: Path, db: Database) -> KpiService:
    """A monthly SQL sum over daily rows: 100 a day in October, 110 in November, 120 on 1-2 December."""
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    rows = [(d, 100) for d in _days(date(2026, 10, 1), date(2026, 10, 31))]
    rows += [(d, 110) for d in _days(date(2026, 11, 1), date(2026, 11, 30))]
    rows += [(d, 120) for d in _days(date(2026, 12, 1), date(2026, 12, 2))]
    values = ", ".join(f"('{d}', '{d.replace(day=1)}', {n})" for d, n in rows)
    fill_warehouse(
        url,
        ["CREATE TABLE signups (day DATE, month DATE, n INTEGER)", f"INSERT INTO signups VALUES {values}"],
    )
    config = load_config(
        write_config(tmp_path / "config", warehouse_url=url, kpis={"signups": SIGNUPS}), env={}
    )
    now = datetime(2026, 12, 2, 8, tzinfo=UTC)  # 09:00 on Wednesday 2 December in Berlin
    assert refresh(config, db, now=now, timezone=BERLIN).ok
    return KpiService(config, db, clock=ManualClock(now), timezone=BERLIN)


def test_a_monthly_sql_sum_on_the_2nd_headlines_the_last_complete_month(signups: KpiService) -> None:
    snap = signups.snapshot("signups")
    assert snap.kpi.measured_as == "sum"  # a count from SQL: a flow by default
    assert (snap.period, snap.value, snap.previous) == (date(2026, 11, 1), 3300, 3100)
    assert snap.change is not None and snap.change.percent == pytest.approx(200 / 31)  # Nov against Oct
    assert snap.goal is not None and snap.goal.goal.value == "met"  # November's 3,300 against 3,000
    assert [p.period for p in snap.series][-1] == date(2026, 11, 1)  # no part-month in the chart
    running = snap.in_progress
    assert running is not None
    assert (running.period, running.value, running.elapsed_days, running.total_days) == (
        date(2026, 12, 1),
        240,
        2,
        31,
    )
    assert running.share == pytest.approx(240 / 3300)
    assert running.projected == pytest.approx(240 * 31 / 2)
    # like for like: November at the same point (2 of 31 days), never the whole of November
    assert running.like_for_like is not None
    assert running.like_for_like.reference == pytest.approx(3300 * 2 / 31)
    assert running.like_for_like.percent == pytest.approx((240 / (3300 * 2 / 31) - 1) * 100)

    card = build_kpi_card(snap, timezone=BERLIN)
    header = card.blocks[0].to_dict()["text"]["text"]
    assert header == "Signups · 3,300 (November)"
    fields = str(card.blocks[1].to_dict())
    assert "*In progress*" in fields
    running_text = "December to date (2 of 31 days): 240 · 7% of November · on pace for 3,720"
    assert running_text + " · ↑ 13% vs November pro rata" in fields
    table = render_table({"growth": [snap]})
    assert "3,300" in table and "Nov 2026" in table and "↳ December to date (2 of 31 days): 240" in table


def test_the_daily_digest_on_the_2nd_reports_november_for_a_monthly_flow(signups: KpiService) -> None:
    digest = make_digest(
        "daily at 09:00", sections=[{"headline": ["signups"]}, {"movers": {"min_change": 1}}]
    )
    period = digest_period(digest, datetime(2026, 12, 2, 8, tzinfo=UTC))
    assert period.start == date(2026, 12, 1)  # the digest reports Tuesday 1 December
    snaps = {s.kpi.key: s for s in signups.snapshots(at=period.end)}
    kpis = {"signups": signups.catalog.resolve("signups")}
    content = build_digest(digest, period, kpis=kpis, snapshots=snaps, now=signups.clock.now())
    [line] = content.sections[0].items  # type: ignore[union-attr]
    assert (line.value, line.as_of, line.aggregate) == (3300, date(2026, 11, 1), "latest")
    assert line.change is not None and line.change.label == "MoM" and line.change.reference == 3100
    movers = content.sections[1]
    assert [m.line.key for m in movers.wins] == ["signups"]  # type: ignore[union-attr]
    assert movers.wins[0].change.percent == pytest.approx(200 / 31)  # type: ignore[union-attr]


def _kpi(**fields: Any) -> KpiDefinition:
    return KpiDefinition.model_validate({"key": "k", "name": "K", **fields})


def _snap(kpi: KpiDefinition, rows: list[tuple[date, float]], *, now: datetime, zone: str) -> Any:
    today = now.astimezone(ZoneInfo(zone)).date()
    return compute_snapshot(kpi, rows, at=today, now=now, today=today)


@pytest.mark.parametrize(
    ("now", "zone", "headline", "running"),
    [
        # Berlin leaves summer time at 03:00 on Sunday 25 October 2026
        (datetime(2026, 10, 25, 22, 59, tzinfo=UTC), BERLIN, date(2026, 10, 24), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), BERLIN, date(2026, 10, 25), date(2026, 10, 26)),
        # and enters it at 02:00 on Sunday 29 March 2026
        (datetime(2026, 3, 28, 22, 59, tzinfo=UTC), BERLIN, date(2026, 3, 27), date(2026, 3, 28)),
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), BERLIN, date(2026, 3, 28), date(2026, 3, 29)),
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), BERLIN, date(2026, 3, 29), date(2026, 3, 30)),
        # New York leaves it on 1 November: local midnight is 04:00 UTC before and 05:00 UTC after
        (datetime(2026, 11, 2, 4, 59, tzinfo=UTC), "America/New_York", date(2026, 10, 31), date(2026, 11, 1)),
        (datetime(2026, 11, 2, 5, 0, tzinfo=UTC), "America/New_York", date(2026, 11, 1), date(2026, 11, 2)),
    ],
)
def test_a_daily_flow_turns_over_at_local_midnight_across_dst(
    now: datetime, zone: str, headline: date, running: date
) -> None:
    kpi = _kpi(grain="daily", unit="count")
    rows = [(date(2026, 3, 20) + timedelta(days=i), float(i)) for i in range(240)]
    snap = _snap(kpi, rows, now=now, zone=zone)
    assert snap.period == headline and snap.in_progress is not None and snap.in_progress.period == running


@pytest.mark.parametrize(
    ("now", "zone", "headline"),
    [
        # 23:30 UTC on 30 November is already 1 December in Berlin: November is complete there
        (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), BERLIN, date(2026, 11, 1)),
        (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "UTC", date(2026, 10, 1)),
        # and 04:30 UTC on 1 December is still 30 November in New York
        (datetime(2026, 12, 1, 4, 30, tzinfo=UTC), "America/New_York", date(2026, 10, 1)),
    ],
)
def test_a_month_is_complete_at_local_midnight(now: datetime, zone: str, headline: date) -> None:
    kpi = _kpi(grain="monthly", unit="count")
    rows = [(date(2026, 10, 1), 100.0), (date(2026, 11, 1), 110.0)]
    assert _snap(kpi, rows, now=now, zone=zone).period == headline


@pytest.mark.parametrize(
    ("today", "elapsed", "total", "previous_start"),
    [
        (date(2026, 1, 31), 31, 31, date(2025, 12, 1)),  # the last day of a month is still running
        (date(2026, 2, 28), 28, 28, date(2026, 1, 1)),
        (date(2028, 2, 29), 29, 29, date(2028, 1, 1)),  # a leap day
        (date(2026, 3, 1), 1, 31, date(2026, 2, 1)),  # the day after a short month
        (date(2026, 3, 31), 31, 31, date(2026, 2, 1)),  # a long month after a short one
    ],
)
def test_month_ends_and_leap_years(today: date, elapsed: int, total: int, previous_start: date) -> None:
    kpi = _kpi(grain="monthly", unit="count")
    rows = [(previous_start, 280.0), (today.replace(day=1), float(elapsed * 10))]
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    snap = compute_snapshot(kpi, rows, at=today, now=now)
    assert snap.period == previous_start and snap.value == 280
    running = snap.in_progress
    assert running is not None and (running.elapsed_days, running.total_days) == (elapsed, total)
    assert running.projected == pytest.approx(elapsed * 10 * total / elapsed)
    assert running.like_for_like is not None
    assert running.like_for_like.reference == pytest.approx(280 * elapsed / total)


def test_a_level_shows_today_and_a_past_date_reads_as_of_its_end() -> None:
    mrr = _kpi(grain="monthly", unit="USD", measure="level")
    rows = [(date(2026, 11, 1), 400.0), (date(2026, 12, 1), 420.0)]
    now = datetime(2026, 12, 2, 8, tzinfo=UTC)
    snap = compute_snapshot(mrr, rows, at=date(2026, 12, 2), now=now)
    assert (snap.period, snap.value, snap.in_progress) == (date(2026, 12, 1), 420, None)
    flow = _kpi(grain="monthly", unit="USD")  # money defaults to a sum
    as_of_november = compute_snapshot(flow, rows, at=date(2026, 11, 30), now=now)
    assert (as_of_november.period, as_of_november.in_progress) == (date(2026, 11, 1), None)
    as_of_the_15th = compute_snapshot(flow, rows, at=date(2026, 11, 15), now=now)
    assert as_of_the_15th.value is None and as_of_the_15th.in_progress is not None


def test_measure_defaults_per_unit_and_source() -> None:
    raw: dict[str, dict[str, Any]] = {
        "mrr": {"unit": "USD", "measure": "level"},
        "customers": {"unit": "count", "measure": "level"},
        "signups": {"unit": "count"},
        "churn": {"unit": "percent"},
        "arr": {"unit": "USD", "source": {"formula": "mrr * 12"}},
        "arpu": {"unit": "USD", "source": {"formula": "mrr / customers"}},
        "per_signup": {"unit": "USD", "source": {"formula": "mrr / signups"}},
    }
    kpis = {key: {"key": key, "name": key.upper(), **body} for key, body in raw.items()}
    catalog = KpiCatalogConfig.model_validate({"kpis": kpis})
    measured = {key: kpi.measured_as for key, kpi in catalog.kpis.items()}
    assert measured == {
        "mrr": "level",
        "customers": "level",
        "signups": "sum",  # counts and money: sums
        "churn": "rate",  # other units: rates
        "arr": "level",  # a formula over levels only is a level
        "arpu": "level",
        "per_signup": "rate",  # a formula over a flow is a rate
    }
