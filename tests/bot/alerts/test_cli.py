"""`kpibot alerts evaluate | test | history`, and the evaluation after `kpibot record`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from kpi_core.clock import ManualClock
from kpi_core.storage.db import Database
from kpi_core.storage.migrate import upgrade
from kpi_core.storage.observations import ObservationStore
from kpibot_demo.stack import BOT_TOKEN
from slack_sandbox.emulator import SlackEmulator
from tests.bot.alerts.harness import CHANNELS, USERS, write_config

NOW = datetime(2026, 11, 20, 14, tzinfo=UTC)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path / "config")
    monkeypatch.setenv("KPIBOT_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kpibot.db'}")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    return tmp_path


def run(*args: str, now: datetime = NOW) -> Result:
    return CliRunner().invoke(cli, list(args), obj={"clock": ManualClock(now)})


def history(env: Path, values: list[float]) -> None:
    """One churn value a day, ending the day before NOW."""
    db = Database.from_url(f"sqlite:///{env / 'kpibot.db'}")
    upgrade(db.engine)
    store = ObservationStore(db)
    for back, value in enumerate(reversed(values), start=1):
        store.record("churn_rate", NOW.date() - timedelta(days=back), value, source="push", now=NOW)
    db.engine.dispose()


def test_record_evaluates_and_evaluate_reports_without_slack(env: Path) -> None:
    recorded = run("record", "churn_rate", "4.6%")
    assert recorded.exit_code == 0, recorded.output
    assert recorded.output.splitlines()[-1] == "alerts: 1 fired; 3 notification(s) queued"
    again = run("record", "churn_rate", "4.7%")
    assert "alerts:" not in again.output  # still firing: nothing new
    result = run("alerts", "evaluate")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "evaluated 1 rules at 2026-11-20 14:00 UTC in "
        + result.output.split(" in ", 1)[1].split(" ms")[0]
        + " ms: "
        "1 firing",
        "incident events: none",
        "notifications queued: 0",
        "not delivered: SLACK_BOT_TOKEN is not set (a running `kpibot serve` delivers them)",
        "open incidents: 1",
        "  🔴 churn-rate-spike: Churn Rate is 4.7% (> 4%)",
    ]


def test_evaluate_delivers_when_slack_is_configured(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(NOW)
    with SlackEmulator.with_workspace(
        channels=CHANNELS, users=USERS, bot_token=BOT_TOKEN, clock=clock
    ) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        history(env, [4.5])
        later = run("alerts", "evaluate", "--at", "2026-11-19T15:00:00+00:00")
        assert later.exit_code == 0, later.output
        assert "incident events: 1 fired" in later.output and "delivered: 3 sent" in later.output
        assert [m.text.split(".")[0] for m in slack.messages("exec-alerts")] == [
            "<!here> Critical: Churn Rate Spike"
        ]


def test_evaluate_rejects_a_bad_moment(env: Path) -> None:
    result = run("alerts", "evaluate", "--at", "next tuesday")
    assert result.exit_code == 2 and "is not an ISO 8601 date or datetime" in result.output


def test_test_replays_history_without_notifying(env: Path) -> None:
    history(env, [3.0, 4.2, 4.4, 3.1, 3.0, 4.8, 4.9])
    result = run("alerts", "test", "churn rate spike", "--since", "2026-11-01")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Churn Rate Spike (churn-rate-spike): churn_rate > 4%",
        "evaluated per day on Churn Rate (churn_rate) from 2026-11-01 to 2026-11-20; severity critical",
        "  🔥 fired Sat 14 Nov 2026 → resolved Mon 16 Nov 2026 (2 days) · worst 4.4%",
        "  🔥 fired Wed 18 Nov 2026, still firing · worst 4.9%",
        "it would have fired 2 times since 2026-11-01 (a test: nobody was notified)",
    ]
    assert (
        "history" not in run("alerts", "history").output
        and "no incidents yet" in run("alerts", "history").output
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["alerts", "test", "churn spike"], "Did you mean 'churn-rate-spike'?"),
        (["alerts", "test", "uptime"], "no alert rule called 'uptime'"),
        (["alerts", "test", "churn", "--since", "soon"], "is not an ISO date"),
        (["alerts", "test", "churn", "--since", "2030-01-01"], "is in the future"),
        (["alerts", "history", "--incident", "5"], "there is no incident #5"),
    ],
)
def test_bad_input_gets_a_clear_message(env: Path, args: list[str], message: str) -> None:
    history(env, [3.0])
    result = run(*args)
    assert result.exit_code != 0 and message in result.output, result.output


def test_history_and_one_incidents_audit_trail(env: Path) -> None:
    run("record", "churn_rate", "4.6%")
    run("record", "churn_rate", "3%", now=NOW + timedelta(hours=2))
    listing = run("alerts", "history")
    assert listing.output.splitlines()[0].startswith(
        "#1     resolved     🔴 critical Churn Rate Spike (churn_rate)"
    )
    assert "resolved 2026-11-20 16:00 UTC (auto, by kpibot)" in listing.output
    audit = run("alerts", "history", "--incident", "1").output.splitlines()
    assert audit[0] == "#1 Churn Rate Spike (churn_rate): resolved, critical"
    assert audit[1].startswith("  2026-11-20 14:00 UTC  fired") and audit[2].startswith(
        "  2026-11-20 16:00 UTC  resolved"
    )
