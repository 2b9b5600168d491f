"""`kpibot validate`: check kpis.yml, alerts.yml and digests.yml, report every problem at once.

A module of its own so that validating imports the config layer only (no database, Slack or charts).
"""

from __future__ import annotations

import click

from bot.cli.context import config_option, load_config_or_exit


def register(cli: click.Group) -> None:
    """Add `validate` to the `kpibot` group."""

    @cli.command("validate")
    @config_option
    @click.pass_context
    def validate(ctx: click.Context) -> None:
        """Check the config files; print every issue as file:line key.path: message (exit 1), or OK."""
        config = load_config_or_exit(ctx)
        click.echo(f"config OK: {config.summary()}")
