"""An `anomaly` rule through the CLI: `alerts test` replays it, `alerts evaluate` opens the incident."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from tests.bot.alerts.harness import RULE, write_config
from tests.bot.alerts.test_cli import NOW, env, history, run

__all__ = ["env"]
ODD_RULE = {"name": "Churn looks odd", "condition": "churn_rate is anomalous", "severity": RULE["severity"]}


def churn_history(env: Path, *, odd: int) -> None:
    """150 days of churn with a weekly pattern; the day `odd` days before NOW jumps out of it."""
    write_config(env / "config", rules=[ODD_RULE])
    rng = np.random.default_rng(8)
    t = np.arange(150)
    values = 3.0 + np.where(t % 7 >= 5, 0.6, 0.0) + rng.normal(0, 0.05, 150)
    values[150 - odd] += 0.8
    history(env, [round(float(v), 3) for v in values])


def test_alerts_test_replays_an_anomaly_rule(env: Path) -> None:
    churn_history(env, odd=10)
    result = run("alerts", "test", "churn looks odd", "--since", "2026-10-01")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Churn looks odd (churn-looks-odd): churn_rate is anomalous"
    odd_day = NOW.date() - timedelta(days=10)
    assert any(f"fired {odd_day:%a %-d %b %Y}" in line and "resolved" in line for line in lines), (
        result.output
    )
    assert lines[-1] == "it would have fired once since 2026-10-01 (a test: nobody was notified)"


def test_evaluate_opens_an_incident_with_the_expected_range(env: Path) -> None:
    churn_history(env, odd=1)
    result = run("alerts", "evaluate")
    assert result.exit_code == 0, result.output
    assert "1 firing" in result.output.splitlines()[0]
    [incident] = [line for line in result.output.splitlines() if "churn-looks-odd" in line]
    assert "Churn Rate " in incident and ", expected " in incident
    assert (
        "–" in incident and f"for a {(NOW.date() - timedelta(days=1)):%A}: above its normal range" in incident
    )
