"""`kpibot demo`'s command line: a busy port fails fast and clearly; --fresh deletes only SQLite files."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from kpibot_demo import DemoError, start_demo
from kpibot_demo.launch import delete_sqlite
from tests.conftest import DEMO_CONFIG


def test_a_busy_port_fails_before_preparing_anything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "demo.db").write_text("another demo's database")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["demo", "--config", str(DEMO_CONFIG), "--port", str(port), "--no-browser"]
        )
    assert result.exit_code == 1
    assert (
        f"cannot serve the page on 127.0.0.1:{port}" in result.output
        and f"--port {port + 1}" in result.output
    )
    assert (tmp_path / "data" / "demo.db").read_text() == "another demo's database"  # left alone


def test_fresh_deletes_the_sqlite_files_only(tmp_path: Path) -> None:
    database = tmp_path / "kpibot.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").write_text("x")
    keep = tmp_path / "other.db"
    keep.write_text("x")
    removed = delete_sqlite(f"sqlite:///{database}")
    assert sorted(p.name for p in removed) == ["kpibot.db", "kpibot.db-shm", "kpibot.db-wal"]
    assert keep.exists() and delete_sqlite(f"sqlite:///{database}") == []
    assert delete_sqlite("sqlite://") == []
    with pytest.raises(DemoError, match="only SQLite files are deleted, and postgresql is not SQLite"):
        delete_sqlite("postgresql://kpibot@localhost/kpibot")


def test_a_new_database_on_every_start(tmp_path: Path) -> None:
    """The emulator's Slack is new on every start: so is the database (no incidents of a previous run)."""
    database = tmp_path / "demo.db"
    database.write_text("a previous run")
    with start_demo(
        config_dir=DEMO_CONFIG,
        database_url=f"sqlite:///{database}",
        new_database=True,
        port=0,
        prepare=False,
        tick_interval=None,
        background=False,
    ) as app:
        assert database.read_bytes().startswith(b"SQLite format 3")
        assert app.controller.background is None


def test_the_commands_the_demo_suggests_show_the_pages_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's bot reads ./data/demo.db; the summary's `kpibot show` lines say so, and work."""
    from bot.cli.kpi_text import DEMO_DATABASE
    from kpibot_demo.summary_text import render_demo_summary

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("KPIBOT_WAREHOUSE_URL", raising=False)
    default = "sqlite:///data/kpibot.db"  # what a plain `kpibot show` reads
    with start_demo(
        config_dir=DEMO_CONFIG,
        database_url=DEMO_DATABASE,
        new_database=True,
        port=0,
        tick_interval=None,
        background=False,
    ) as app:
        assert app.summary is not None
        text = render_demo_summary(app.summary, cli_database_url=default)
    [suggested] = [line.strip() for line in text.splitlines() if "kpibot show mrr" in line]
    assert suggested.startswith(f"DATABASE_URL={DEMO_DATABASE} kpibot show mrr")
    runner = CliRunner()
    shown = runner.invoke(
        cli, ["--config", str(DEMO_CONFIG), "show", "mrr"], env={"DATABASE_URL": DEMO_DATABASE}
    )
    assert shown.exit_code == 0, shown.output
    assert "no data" not in shown.stdout and "$" in shown.stdout.splitlines()[1]
    plain = runner.invoke(cli, ["--config", str(DEMO_CONFIG), "show", "mrr"])
    assert plain.exit_code == 0 and "no data" in plain.stdout
    assert f"The demo page's data is in {DEMO_DATABASE}: DATABASE_URL={DEMO_DATABASE} kpibot show --all" in (
        plain.stderr
    )
