"""`kpibot validate`: OK with counts, or every issue (file:line path: message) and exit code 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli

GOOD = """\
kpis:
  mrr: {name: MRR, unit: USD, owner: cfo@example.com}
  arr: {name: ARR, unit: USD, source: {formula: mrr * 12}}
"""
BAD = """\
kpis:
  mrr:
    name: MRR
    unit: dollars
    direction: up
  arr: {name: ARR, source: {formula: "mrr.__class__"}}
"""


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env, and ./config is the tmp one
    monkeypatch.delenv("KPIBOT_CONFIG", raising=False)


def _config(directory: Path, kpis: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kpis.yml").write_text(kpis)
    return directory


@pytest.mark.parametrize("where", ["group", "command", "env", "default"])
def test_a_good_config_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    directory = _config(tmp_path / ("config" if where == "default" else "elsewhere"), GOOD)
    args = {
        "group": ["--config", str(directory), "validate"],
        "command": ["validate", "--config", str(directory)],
    }
    if where == "env":
        monkeypatch.setenv("KPIBOT_CONFIG", str(directory))
    result = CliRunner().invoke(cli, args.get(where, ["validate"]))
    assert result.exit_code == 0, result.output
    assert result.stdout == "config OK: 2 KPIs, 0 alert rules, 0 digests\n"


def test_a_bad_config_prints_every_issue_and_exits_1(tmp_path: Path) -> None:
    directory = _config(tmp_path / "bad", BAD)
    result = CliRunner().invoke(cli, ["validate", "--config", str(directory)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "kpis.yml:4 kpis.mrr.unit: 'dollars' is not a unit: use an ISO currency code (USD, EUR, ...) "
        "or one of percent, count, ratio, days, hours, minutes, seconds, score",
        "kpis.yml:5 kpis.mrr.direction: 'up' is not one of higher, lower",
        "kpis.yml:6 kpis.arr.source.formula: attribute access is not allowed in a formula: mrr.__class__",
        f"3 config issues in {directory}",
    ]
    assert "Traceback" not in result.output


def test_the_command_option_wins_over_the_group_option(tmp_path: Path) -> None:
    good = _config(tmp_path / "good", GOOD)
    bad = _config(tmp_path / "bad", BAD)
    result = CliRunner().invoke(cli, ["--config", str(bad), "validate", "--config", str(good)])
    assert result.exit_code == 0, result.output


def test_a_missing_config_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "config: no such config directory (choose one with --config DIR or KPIBOT_CONFIG)",
        "1 config issue in config",
    ]
