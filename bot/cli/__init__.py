"""The `kpibot` command line. Each feature registers its commands from its own module."""

from __future__ import annotations

import click

from bot.cli import alerts, core, demo, digest, forecast, serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


for _module in (core, serve, digest, alerts, demo, forecast):
    _module.register(cli)


def main() -> None:
    cli(prog_name="kpibot")
