"""What every `kpibot` command needs first: the settings, and the config loaded or a clean exit.

    @cli.command()
    @config_option
    @click.pass_context
    def show(ctx: click.Context) -> None:
        config = load_config_or_exit(ctx)     # prints every issue and exits 1 on invalid config

The config directory is, in order: `--config DIR` (after the command or on the group),
`KPIBOT_CONFIG` (environment or `.env`), `./config`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from kpi_core.config.loader import AppConfig, ConfigError, load_config
from kpi_core.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def _remember_config_dir(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.find_root().ensure_object(dict)["config_dir"] = value


def config_option(command: F) -> F:
    """`--config DIR` on a subcommand, same meaning as the group's option (the later one wins)."""
    return click.option(
        "--config",
        "config_dir",
        type=click.Path(file_okay=False, path_type=str),
        default=None,
        expose_value=False,
        callback=_remember_config_dir,
        help="Config directory (default: $KPIBOT_CONFIG or ./config).",
    )(command)


def load_settings(ctx: click.Context) -> Settings:
    """Settings from the environment and `.env`, with `--config` applied; exits 2 on a bad setting."""
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"])
            click.echo(f"invalid setting {name}: {problem['msg']}", err=True)
        ctx.exit(2)
    root = ctx.find_root()
    chosen = (root.obj or {}).get("config_dir") if isinstance(root.obj, dict) else None
    if chosen:
        settings = settings.model_copy(update={"config_dir": Path(chosen)})
    return settings


def config_dir(ctx: click.Context) -> Path:
    """The config directory this invocation uses."""
    return load_settings(ctx).config_dir


def load_config_or_exit(ctx: click.Context, *, settings: Settings | None = None) -> AppConfig:
    """Load the config; on any issue print each one (file:line path: message) to stderr and exit 1."""
    directory = (settings or load_settings(ctx)).config_dir
    try:
        return load_config(directory)
    except ConfigError as error:
        report_config_error(error, directory=directory)
        ctx.exit(1)


def report_config_error(error: ConfigError, *, directory: Path) -> None:
    """Every issue on its own line, then a one-line summary (all on stderr)."""
    for issue in error.issues:
        click.echo(str(issue), err=True)
    count = len(error.issues)
    click.echo(f"{count} config issue{'s' if count != 1 else ''} in {directory}", err=True)
