"""The lazy command line: every command is found, --help lists them without importing them, and the
commands that must start at once import only what they need."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click

from bot.cli import COMMANDS


def test_every_command_is_listed_with_its_own_help_line() -> None:
    found: dict[str, tuple[str, str]] = {}
    for module in sorted({module for module, _ in COMMANDS.values()}):
        group = click.Group()
        importlib.import_module(module).register(group)
        for name, command in group.commands.items():
            found[name] = (module, command.get_short_help_str(limit=1000))
    assert found == COMMANDS


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys\n"
        "from bot.cli import cli\n"
        f"try:\n    cli({list(argv)!r}, prog_name='kpibot')\n"
        "except SystemExit:\n    pass\n"
        "print('\\n'.join(sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stderr.split())


def _heavy(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules} & {
        "matplotlib",
        "sqlalchemy",
        "slack_sdk",
        "slack_bolt",
        "apscheduler",
    }


def test_help_imports_no_command_module() -> None:
    modules = _modules_after("--help")
    assert not {m for m in modules if m.startswith("bot.") and m != "bot.cli"}
    assert not _heavy(modules)


def test_validate_imports_the_config_layer_only() -> None:
    modules = _modules_after("validate", "--config", "config")
    assert "kpi_core.config.loader" in modules
    assert not _heavy(modules) - {"sqlalchemy"}  # the config check parses database URLs with it
    assert not {m for m in modules if m.startswith(("kpibot_demo", "bot.alerts", "bot.charts"))}
