"""`kpibot digest preview|send` and `kpibot schedule` through click's CliRunner, on the demo database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from bot.cli.digest_html import mrkdwn_to_html
from kpi_core.clock import ManualClock
from slack_sandbox import SlackEmulator
from tests.conftest import DEMO_CONFIG

NOW = datetime(2026, 11, 20, 14, tzinfo=UTC)  # Friday: the daily digest's latest run reported Thursday
TOKEN = "xoxb-cli-test"


@pytest.fixture
def demo_env(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KPIBOT_CONFIG", str(DEMO_CONFIG))
    monkeypatch.setenv("DATABASE_URL", demo_db_url)
    monkeypatch.setenv("KPIBOT_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    monkeypatch.setenv("KPIBOT_OPS_CHANNEL", "")
    return tmp_path


@pytest.fixture
def slack(demo_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackEmulator]:
    emulator = SlackEmulator.with_workspace(channels=["kpi-daily", "kpi-weekly", "kpi-ops"], bot_token=TOKEN)
    with emulator:
        monkeypatch.setenv("SLACK_API_URL", emulator.api_url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        yield emulator


def run(*args: str, now: datetime = NOW) -> Result:
    return CliRunner().invoke(cli, list(args), obj={"clock": ManualClock(now)})


def test_preview_writes_json_pngs_and_html_without_posting(demo_env: Path) -> None:
    result = run("digest", "preview", "weekly", "--date", "2026-11-11", "--out", "out")
    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[0] == "Weekly business review · Week 46 · 9–15 Nov 2026 (America/New_York)"
    )
    out = demo_env / "out"
    payload = json.loads((out / "weekly-2026-W46.json").read_text())
    assert payload["channels"] == ["#kpi-weekly"] and payload["thread"] == []
    blocks = payload["message"]["blocks"]
    assert 0 < len(blocks) <= 50 and payload["message"]["text"].startswith("Weekly business review")
    [image] = [b for b in blocks if b["type"] == "image"]
    png = out / payload["files"][image["slack_file"]["id"]]
    assert png.name == "weekly-2026-W46-trends.png" and png.read_bytes().startswith(b"\x89PNG")
    page = (out / "weekly-2026-W46.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    assert "<b>📋 Business review</b>" in page and "Monthly Recurring Revenue" in page


def test_preview_defaults_to_the_latest_scheduled_period(demo_env: Path) -> None:
    result = run("digest", "preview", "daily", "--out", "out")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Daily metrics · Thursday 19 Nov 2026 (Europe/Berlin)")
    assert (demo_env / "out" / "daily-2026-11-19.html").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["digest", "preview", "dayly"], "no digest 'dayly': did you mean 'daily'?"),
        (["digest", "preview", "daily", "--date", "19/11/2026"], "is not an ISO 8601 date"),
        (["digest", "send", "daily"], "SLACK_BOT_TOKEN is not set"),
    ],
)
def test_clear_errors(demo_env: Path, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_send_posts_through_the_ledger_unless_forced(slack: SlackEmulator) -> None:
    first = run("digest", "send", "daily")
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "daily 2026-11-19: posted to #kpi-daily"
    again = run("digest", "send", "daily")
    assert "daily 2026-11-19: already posted (the ledger has it); --force posts it again" in again.output
    assert len(slack.messages("kpi-daily")) == 1
    forced = run("digest", "send", "daily", "--force")
    assert forced.exit_code == 0 and "posted to #kpi-daily" in forced.output
    assert len(slack.messages("kpi-daily")) == 2
    other = run("digest", "send", "weekly", "--date", "2026-11-03")
    assert other.output.strip() == "weekly 2026-W45: posted to #kpi-weekly"


def test_send_reports_a_failure_and_exits_1(slack: SlackEmulator) -> None:
    slack.inject_fault("chat.postMessage", "not_in_channel")
    result = run("digest", "send", "daily")
    assert result.exit_code == 1
    assert "daily 2026-11-19: posting failed: #kpi-daily: chat.postMessage: not_in_channel" in result.output


def test_schedule_lists_every_job_in_its_own_timezone(demo_env: Path) -> None:
    result = run("schedule")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["JOB", "SCHEDULE", "TIMEZONE", "NEXT", "RUN"]
    by_job = {line.split()[0]: line for line in lines[1:]}
    assert by_job["digest:daily"].endswith("Europe/Berlin     Mon 23 Nov 2026 09:00 CET")
    assert "weekly on monday at 09:00" in by_job["digest:weekly"]
    assert by_job["digest:weekly"].endswith("Mon 23 Nov 2026 09:00 EST")
    assert by_job["digest:monthly"].endswith("Tue 1 Dec 2026 08:00 EST")
    assert any(job.startswith("refresh:") for job in by_job)


def test_mrkdwn_to_html() -> None:
    assert mrkdwn_to_html("*MRR* _up_ ~old~ `x` a&b &lt;y&gt;") == (
        "<b>MRR</b> <i>up</i> <s>old</s> <code>x</code> a&amp;b &lt;y&gt;"
    )
    assert mrkdwn_to_html("<https://x.example|docs> <@U1|cfo>\nnext") == (
        '<a href="https://x.example">docs</a> <span class="mention">@cfo</span><br>next'
    )
