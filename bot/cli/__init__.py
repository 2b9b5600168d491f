"""The `kpibot` command line. Each feature registers its commands from its own module.

The modules are imported when one of their commands runs, not before: `kpibot --help` imports click and
nothing else, and `kpibot validate` only the config layer. COMMANDS names the module of every command and
the one line `--help` shows for it (tests/bot/cli/test_lazy_cli.py checks both against the commands).
"""

from __future__ import annotations

import importlib
from typing import Any

import click

# command -> (module whose register(cli) adds it, the line `kpibot --help` shows)
COMMANDS: dict[str, tuple[str, str]] = {
    "alerts": (
        "bot.cli.alerts",
        "Alert rules (alerts.yml): evaluate now, test a rule on history, past incidents.",
    ),
    "churn-risk": (
        "bot.cli.analytics",
        "The accounts most likely to churn, with why and what to do, from a model of your own history.",
    ),
    "cohorts": (
        "bot.cli.analytics",
        "The retention, revenue (with NRR) or feature adoption cohort table, with its insights.",
    ),
    "db": ("bot.cli.core", "kpibot's own database (DATABASE_URL)."),
    "demo": (
        "kpibot_demo.cli",
        "Run the bot against a built-in Slack and open a page to use it: /kpi, digests, alerts.",
    ),
    "demo-data": (
        "bot.cli.core",
        "Create the demo warehouse: deterministic raw SaaS data (subscriptions, signups, events, costs).",
    ),
    "digest": ("bot.cli.digest", "Scheduled digests (digests.yml): preview one, or post one now."),
    "forecast": (
        "bot.cli.forecast",
        "Forecast KEY for HORIZON periods at its grain (default: a year of months, 90 days, ...).",
    ),
    "import": (
        "bot.cli.core",
        "Import FILE.csv with columns kpi, period (or date), value; bad rows are listed by row number.",
    ),
    "record": (
        "bot.cli.core",
        'Record VALUE for KPI KEY ("12,450", "$1.2M", "3.2%"), replacing the period\'s value if any.',
    ),
    "refresh": (
        "bot.cli.core",
        "Run the sql sources (all, or KEYS) and recompute formulas; exit 1 if any source failed.",
    ),
    "schedule": (
        "bot.cli.digest",
        "Every job `kpibot serve` runs (digests, refreshes) and its next run, in the job's own timezone.",
    ),
    "serve": (
        "bot.cli.serve",
        "Run the bot: migrations, the Slack app, and the scheduler (digests, refreshes, alerts).",
    ),
    "show": (
        "bot.cli.core",
        "Print what `/kpi KEY` shows, as text (KEY may be a name, an alias or a category).",
    ),
    "validate": (
        "bot.cli.validate",
        "Check the config files; print every issue as file:line key.path: message (exit 1), or OK.",
    ),
}


class LazyGroup(click.Group):
    """A click group that imports a command's module the first time the command is looked up."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: set[str] = set()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.load(COMMANDS[cmd_name][0])
        return self.commands.get(cmd_name)

    def load(self, module: str) -> None:
        """Import `module` and let it register its commands (once)."""
        if module not in self._loaded:
            self._loaded.add(module)
            importlib.import_module(module).register(self)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from COMMANDS, without importing any command module."""
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx) if name in COMMANDS]
        rows += [
            (name, command.get_short_help_str(limit=formatter.width or 80))
            for name, command in sorted(self.commands.items())
            if name not in COMMANDS and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Config directory (default: $KPIBOT_CONFIG or ./config).",
)
@click.pass_context
def cli(ctx: click.Context, config_dir: str | None) -> None:
    """kpibot: your company's KPIs in Slack."""
    ctx.ensure_object(dict)
    ctx.obj["config_dir"] = config_dir


def main() -> None:
    cli(prog_name="kpibot")
