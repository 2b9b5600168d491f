"""Health and goal standing read the same on every surface: the card, /kpi list and categories, the
dashboard, the digest, `kpibot show` and the demo summary (the cases: tests/vocabulary_cases.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from slack_sdk.models.blocks import Block

from bot.blocks.catalog import build_kpi_list
from bot.blocks.dashboard import build_dashboard
from bot.blocks.digest import build_digest_messages
from bot.blocks.kpi_card import build_category_cards, build_kpi_card
from bot.blocks.primitives import Message
from bot.cli import cli
from kpi_core.clock import ManualClock
from kpi_core.digests.build import build_digest
from kpi_core.digests.periods import digest_period
from kpi_core.service import Dashboard
from kpi_core.sources import RefreshReport
from kpi_core.standing import LEGEND
from kpibot_demo.data.prepare import DemoSummary
from kpibot_demo.summary_text import render_demo_summary
from tests.kpi_core.core_fixtures import write_config
from tests.kpi_core.digests.factories import make_digest
from tests.vocabulary_cases import (
    CHURN_GOAL,
    CHURN_HEALTH,
    CUSTOMERS_GOAL,
    CUSTOMERS_GOAL_LONG,
    GREEN_WORDS,
    NOW,
    OBSERVATIONS,
    RAW,
    SESSION_GOAL,
    TODAY,
    definitions,
    snapshots,
)

NAMES = {"session": "Session Length", "churn": "Churn", "customers": "Customers"}


def texts(message: Message) -> str:
    """Every text of a message (its blocks validated on the way), one per line; no-break spaces as spaces."""
    out = [message.text]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                out.append(value) if key == "text" and isinstance(value, str) else walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for block in message.blocks:
        data = block.to_dict()
        Block.parse(data).validate_json()  # type: ignore[union-attr]
        walk(data)
    return "\n".join(out).replace("\u00a0", " ")


def line_of(text: str, name: str) -> str:
    """The one line (of a list, table or summary) that names the KPI."""
    [line] = [line for line in text.splitlines() if name in line]
    return line


def assert_not_green(text: str) -> None:
    for word in GREEN_WORDS:
        assert word not in text, (word, text)


def test_the_card_says_health_and_goal_apart() -> None:
    snaps = snapshots()
    session = texts(build_kpi_card(snaps["session"], timezone="Europe/Berlin"))
    assert f"*Goal*\n{SESSION_GOAL}" in session and "*Health*\nno thresholds" in session
    assert "Session Length · 9.6 minutes (Tue 30 Jun)" in session  # today (11 minutes) is still running
    assert "Wed 1 Jul so far: 11 minutes" in session
    assert_not_green(session)
    churn = texts(build_kpi_card(snaps["churn"], timezone="Europe/Berlin"))
    assert f"*Goal*\n{CHURN_GOAL}" in churn and f"*Health*\n{CHURN_HEALTH} (at or above 2.5%)" in churn
    assert "Churn · 2.8% (June)" in churn and "July to date (1 of 31 days): 0.4%" in churn
    customers = texts(build_kpi_card(snaps["customers"], timezone="Europe/Berlin"))
    assert f"*Goal*\n{CUSTOMERS_GOAL_LONG}" in customers
    assert_not_green(customers)
    # the notification text says the same in words
    assert "behind target: 80% of ≥ 12 minutes, no thresholds" in session.splitlines()[0]


def test_the_list_categories_and_dashboard_say_health_and_goal_apart() -> None:
    snaps = list(snapshots().values())
    [listing] = build_kpi_list({"product": snaps})
    for message in (listing, build_category_cards("product", snaps)):
        text = texts(message)
        assert LEGEND in text
        session = line_of(text, "*Session Length*")
        assert session.startswith("*Session Length*") and SESSION_GOAL in session  # no health dot
        assert_not_green(session)
        churn = line_of(text, "*Churn*")
        assert "🟠 *Churn*  2.8% (June)" in churn and CHURN_GOAL in churn
        customers = line_of(text, "*Customers*")
        assert CUSTOMERS_GOAL in customers
        assert_not_green(customers)
    dashboard = texts(build_dashboard(headline=snaps, quick_stats=[], alerts=[], updated="now"))
    assert LEGEND in dashboard
    assert SESSION_GOAL in dashboard and CHURN_GOAL in dashboard and CUSTOMERS_GOAL in dashboard
    assert "🟠 warning" in dashboard


def test_the_digest_says_health_and_goal_apart_with_a_legend() -> None:
    # Wednesday 1 July, 09:00 in Berlin: the daily digest reports Tuesday 30 June
    digest = make_digest(
        "daily at 09:00",
        sections=[
            {"headline": ["session", "churn", "customers"]},
            {"table": "all"},
            {"movers": {"count": 3}},
        ],
    )
    period = digest_period(digest, datetime(2026, 7, 1, 7, tzinfo=UTC))
    snaps = snapshots(at=period.end)
    content = build_digest(digest, period, kpis=definitions(), snapshots=snaps, now=NOW)
    messages = build_digest_messages(content)
    text = texts(messages.main)
    assert LEGEND in text and "on track" not in text.lower()
    session = line_of(text, "Session Length *9.6 minutes*")  # its table row
    assert session.startswith("Session Length")  # no thresholds: no health dot
    assert SESSION_GOAL in text and CHURN_GOAL in text and CUSTOMERS_GOAL in text
    assert "🟠 Churn *2.8%*" in text  # its row: the warning colour, June's complete value
    churn_line = next(line for line in content.lines() if line.key == "churn")
    assert churn_line.as_of == date(2026, 6, 1) and churn_line.value == 2.8  # not July to date


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path / "config", warehouse_url="sqlite://", kpis=RAW)
    monkeypatch.setenv("KPIBOT_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kpibot.db'}")
    monkeypatch.setenv("KPIBOT_TIMEZONE", "Europe/Berlin")
    for key, rows in OBSERVATIONS.items():
        for day, value in rows:
            result = run("record", key, f"{value:g}", "--at", day.isoformat())
            assert result.exit_code == 0, result.output
    return tmp_path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), obj={"clock": ManualClock(NOW)})


def test_kpibot_show_says_health_and_goal_apart(cli_env: Path) -> None:
    session = run("show", "session").output
    assert f"  Goal      {SESSION_GOAL}" in session and "  Health    no thresholds" in session
    assert "  Value     9.6 minutes · Tue 30 Jun (complete)" in session
    assert "  Running   Wed 1 Jul so far: 11 minutes" in session
    assert_not_green(session)
    churn = run("show", "churn").output
    assert f"  Goal      {CHURN_GOAL}" in churn and f"  Health    {CHURN_HEALTH} (at or above 2.5%)" in churn
    customers = run("show", "customers").output
    assert f"  Goal      {CUSTOMERS_GOAL_LONG}" in customers
    table = run("show", "--all").output
    assert table.rstrip().endswith(LEGEND)
    session_row = line_of(table, "(session)")
    assert SESSION_GOAL in session_row and "no thresholds" in session_row and "Tue 30 Jun 2026" in session_row
    assert_not_green(session_row)
    churn_row = line_of(table, "(churn)")
    assert CHURN_HEALTH in churn_row and CHURN_GOAL in churn_row and "Jun 2026" in churn_row
    assert "↳ July to date (1 of 31 days): 0.4%" in table
    customers_row = line_of(table, "(customers)")
    assert CUSTOMERS_GOAL in customers_row and "current" in customers_row
    assert_not_green(customers_row)


def test_the_demo_summary_says_health_and_goal_apart() -> None:
    snaps = tuple(snapshots().values())
    summary = DemoSummary(
        at=TODAY,
        timezone="Europe/Berlin",
        database_url="sqlite:///kpibot.db",
        warehouse_url="sqlite:///warehouse.db",
        built=None,
        pushed=0,
        refresh=RefreshReport(now=NOW),
        snapshots=snaps,
        dashboard=Dashboard(headline=snaps, panels=(), quick_stats=()),
    )
    text = render_demo_summary(summary)
    assert LEGEND in text and "✓" not in text
    product = text.split("PRODUCT")[1].split("NEEDS ATTENTION")[0]
    session = line_of(product, "Session Length:")
    assert SESSION_GOAL in session and "no thresholds" in session
    assert_not_green(session)
    churn = line_of(product, "Churn:")
    assert CHURN_HEALTH in churn and CHURN_GOAL in churn and "2.8% (Jun 2026)" in churn
    assert CUSTOMERS_GOAL in line_of(product, "Customers:")
    attention = text.split("NEEDS ATTENTION")[1].split("RECENT WINS")[0]
    # warning health first, then the two behind their targets (healthy or not judged)
    assert [name for name in ("Churn", "Session Length", "Customers") if name in attention] == [
        "Churn",
        "Session Length",
        "Customers",
    ]
    assert attention.index("Churn") < attention.index("Session Length")
    assert f"{CHURN_HEALTH} (at or above 2.5%): Churn 2.8% · {CHURN_GOAL}" in attention
