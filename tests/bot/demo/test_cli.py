"""`kpibot demo`'s command line: a busy port fails fast and clearly; --fresh deletes only SQLite files."""

from __future__ import annotations

import socket
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.cli.demo import delete_sqlite
from tests.conftest import DEMO_CONFIG


def test_a_busy_port_fails_before_preparing_anything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kpibot.db'}")
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
    assert not (tmp_path / "kpibot.db").exists()


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
    with pytest.raises(click.ClickException, match="only deletes SQLite files"):
        delete_sqlite("postgresql://kpibot@localhost/kpibot")
