"""The demo warehouse generator: deterministic, complete, consistent raw data."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kpibot_demo.data import WarehouseSummary, build_warehouse, warehouse_checksum
from kpibot_demo.data.timeline import Timeline
from kpibot_demo.data.warehouse import generate
from tests.kpibot_demo.data.conftest import END


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_the_summary_describes_what_was_written(warehouse: tuple[str, WarehouseSummary]) -> None:
    url, summary = warehouse
    assert summary.end == END
    assert summary.first_month == date(2024, 12, 1)
    assert summary.start == date(2024, 11, 25)  # the Monday on or before the first month
    assert summary.checksum == warehouse_checksum(url)
    for table, count in summary.row_counts.items():
        assert _scalar(url, f"SELECT COUNT(*) FROM {table}") == count, table
    assert 50_000 < summary.total_rows < 150_000  # small enough to build in a few seconds


def test_same_end_and_seed_give_identical_data(
    tmp_path: Path, warehouse: tuple[str, WarehouseSummary]
) -> None:
    again = build_warehouse(f"sqlite:///{tmp_path / 'again.db'}", end=END)
    assert again.checksum == warehouse[1].checksum
    assert warehouse_checksum(f"sqlite:///{tmp_path / 'again.db'}") == warehouse[1].checksum


def test_seed_and_end_change_the_data() -> None:
    timeline = Timeline.ending(END, 6)
    base = generate(timeline, seed=7)
    assert generate(timeline, seed=7) == base
    assert generate(timeline, seed=8)["subscriptions"] != base["subscriptions"]
    shifted = generate(Timeline.ending(END + timedelta(days=1), 6), seed=7)
    assert shifted["daily_usage"][-1][0] == END + timedelta(days=1)
    assert shifted["daily_usage"][:-1] != base["daily_usage"]  # the incidents move with the end


def test_rebuilding_replaces_the_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'warehouse.db'}"  # parent folders are created
    first = build_warehouse(url, end=date(2025, 6, 30), months=6, seed=3)
    second = build_warehouse(url, end=date(2025, 6, 30), months=6, seed=3)
    assert first.checksum == second.checksum == warehouse_checksum(url)
    assert _scalar(url, "SELECT COUNT(*) FROM customers") == first.row_counts["customers"]


def test_too_short_a_history_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 6 months"):
        build_warehouse(f"sqlite:///{tmp_path / 'w.db'}", end=END, months=3)


def test_every_day_and_period_is_there(warehouse: tuple[str, WarehouseSummary]) -> None:
    url, summary = warehouse
    days = (END - summary.start).days + 1
    assert _scalar(url, "SELECT COUNT(*) FROM calendar") == days
    assert _scalar(url, "SELECT COUNT(*) FROM daily_usage") == days
    assert _scalar(url, "SELECT COUNT(*) FROM reporting_periods WHERE grain = 'monthly'") == 24
    assert _scalar(url, "SELECT COUNT(*) FROM reporting_periods WHERE grain = 'weekly'") == 104
    # The running month is reported to date: from its first day to the last day with data.
    running = "SELECT window_start || ' ' || as_of FROM reporting_periods WHERE period_start = '2026-11-01'"
    assert _scalar(url, running) == "2026-11-01 2026-11-21"
    closed = "SELECT window_start || ' ' || as_of FROM reporting_periods WHERE period_start = '2026-10-01'"
    assert _scalar(url, closed) == "2026-10-01 2026-10-31"


def test_the_raw_tables_are_consistent(warehouse: tuple[str, WarehouseSummary]) -> None:
    url, _ = warehouse
    checks = {
        # every paying customer has exactly one active subscription, and the others none
        "customers without a subscription": """
            SELECT COUNT(*) FROM customers c WHERE c.churned_on IS NULL AND NOT EXISTS (
              SELECT 1 FROM subscriptions s WHERE s.customer_id = c.customer_id AND s.ended_on IS NULL)""",
        "churned customers still billed": """
            SELECT COUNT(*) FROM customers c JOIN subscriptions s ON s.customer_id = c.customer_id
            WHERE c.churned_on IS NOT NULL AND (s.ended_on IS NULL OR s.ended_on > c.churned_on)""",
        "overlapping subscriptions": """
            SELECT COUNT(*) FROM subscriptions a JOIN subscriptions b
              ON a.customer_id = b.customer_id AND a.subscription_id < b.subscription_id
             AND a.started_on < COALESCE(b.ended_on, '9999-12-31')
             AND b.started_on < COALESCE(a.ended_on, '9999-12-31')""",
        "users of churned accounts still there": """
            SELECT COUNT(*) FROM users u JOIN customers c ON c.customer_id = u.customer_id
            WHERE c.churned_on IS NOT NULL AND (u.removed_on IS NULL OR u.removed_on > c.churned_on)""",
        "invitations accepted before they were sent": """
            SELECT COUNT(*) FROM invitations WHERE accepted_on < sent_on""",
        "conversions outside the trial": """
            SELECT COUNT(*) FROM trials WHERE converted_on < started_on OR converted_on > ends_on""",
        "converted trials without a customer": """
            SELECT COUNT(*) FROM trials t WHERE t.converted_on IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.trial_id = t.trial_id)""",
        "data after the end": f"""
            SELECT (SELECT COUNT(*) FROM customers WHERE became_customer_on > '{END}')
                 + (SELECT COUNT(*) FROM support_tickets WHERE opened_on > '{END}' OR resolved_on > '{END}')
                 + (SELECT COUNT(*) FROM users WHERE created_on > '{END}' OR first_value_on > '{END}')""",
        "NPS answers out of range": "SELECT COUNT(*) FROM nps_responses WHERE score < 0 OR score > 10",
        "ratings out of range": "SELECT COUNT(*) FROM support_tickets WHERE csat_rating NOT BETWEEN 1 AND 5",
    }
    for problem, sql in checks.items():
        assert _scalar(url, sql) == 0, problem


def test_incidents_and_pushed_values_are_described(warehouse: tuple[str, WarehouseSummary]) -> None:
    _, summary = warehouse
    covered = {key for incident in summary.incidents for key in incident.kpis}
    assert {
        "monthly_churn_rate",
        "uptime",
        "avg_page_load_time",
        "trial_to_paid_rate",
        "nps_score",
    } <= covered
    for incident in summary.incidents:
        assert summary.first_month <= incident.first_day <= incident.last_day <= END
    quarters = [pushed.period_start for pushed in summary.pushed]
    assert quarters[0] == date(2024, 10, 1) and quarters[-1] == date(2026, 10, 1) and len(quarters) == 9
    assert all(pushed.kpi == "employee_satisfaction" and 1 <= pushed.value <= 5 for pushed in summary.pushed)
