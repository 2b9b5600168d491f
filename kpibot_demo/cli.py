"""`kpibot demo`: the whole bot without a Slack workspace, in a local Slack-like page.

Usage: `kpibot demo` serves http://127.0.0.1:8080 until Ctrl-C; `kpibot demo --port 9000 --no-browser
--fresh` starts over on another port; `kpibot demo --summary` only prepares and prints the summary.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import webbrowser

import click
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.context import config_option, load_config_or_exit, load_settings
from bot.cli.kpi_text import DEMO_DATABASE
from kpi_core.clock import ManualClock
from kpibot_demo.controller import DemoError
from kpibot_demo.launch import delete_sqlite


def register(cli: click.Group) -> None:
    """Add this module's commands to the `kpibot` group."""

    @cli.command("demo")
    @click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Page port.")
    @click.option(
        "--host",
        default="127.0.0.1",
        show_default=True,
        help="Address to bind (the page can drive the bot: keep it on loopback unless you mean it).",
    )
    @click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
    @click.option("--fresh", is_flag=True, help="Also rebuild the demo warehouse from scratch.")
    @click.option("--summary", is_flag=True, help="Only prepare the demo and print the executive summary.")
    @config_option
    @click.pass_context
    def demo_command(
        ctx: click.Context, port: int, host: str, no_browser: bool, fresh: bool, summary: bool
    ) -> None:
        """Run the bot against a built-in Slack and open a page to use it: /kpi, digests, alerts.

        Prepares the demo (a new SQLite database in ./data/demo.db, the demo warehouse, a refresh), prints
        the executive summary, then serves the page at http://HOST:PORT until Ctrl-C. With --summary, it
        prepares DATABASE_URL instead and only prints the summary.
        """
        from kpibot_demo.launch import start_demo
        from kpibot_demo.summary_text import render_demo_summary

        started = time.monotonic()
        settings = load_settings(ctx)
        config = load_config_or_exit(ctx, settings=settings)
        if summary:
            if fresh:
                _remove(settings.database_url, config.database_url("warehouse"))
            print_summary(ctx)
            return
        if fresh:
            _remove(config.database_url("warehouse"))
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        # a fresh demo database has "missed" every earlier digest: the scheduler's notes are not news here
        logging.getLogger("scheduling").setLevel(logging.ERROR)
        click.echo("Preparing the demo (the first run builds the demo warehouse)…")
        obj = ctx.find_root().obj
        clock = obj.get("clock") if isinstance(obj, dict) else None  # tests inject a ManualClock
        try:
            app = start_demo(
                config_dir=settings.config_dir,
                database_url=DEMO_DATABASE,
                new_database=True,  # a new Slack on every start, so a new database too
                host=host,
                port=port,
                timezone=settings.timezone,
                clock=clock if isinstance(clock, ManualClock) else None,
            )
        except OSError as error:
            raise click.ClickException(
                f"cannot serve the page on {host}:{port}: {error.strerror or error} (try --port {port + 1})"
            ) from None
        except (SQLAlchemyError, DemoError) as error:
            raise click.ClickException(f"cannot prepare the demo database: {error}") from None
        if app.summary is not None:
            click.echo(render_demo_summary(app.summary, cli_database_url=settings.database_url))
        ready = time.monotonic() - started
        click.echo("")
        click.echo(f"The page's bot uses {DEMO_DATABASE}, new on every start like its built-in Slack.")
        click.echo(f"kpibot demo is ready in {ready:.1f} s: {click.style(app.url, bold=True)}")
        click.echo("Type /kpi mrr in #general; post a digest or advance the clock from the top bar.")
        click.echo("Press Ctrl-C to stop.")
        if not no_browser and has_display():
            webbrowser.open(app.url)
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            click.echo("\nstopping…")
        finally:
            app.stop()


def _remove(*urls: str) -> None:
    for url in urls:
        try:
            removed = delete_sqlite(url)
        except DemoError as error:
            raise click.ClickException(f"--fresh: {error}") from None
        for path in removed:
            click.echo(f"removed {path}")


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # `kill` stops the demo as cleanly as Ctrl-C


def print_summary(ctx: click.Context) -> None:
    """`--summary`: prepare (database, warehouse, refresh) and print the executive summary, no page."""
    from bot.cli.core import open_runtime
    from kpibot_demo.data.prepare import prepare_demo
    from kpibot_demo.summary_text import render_demo_summary

    runtime = open_runtime(ctx)
    click.echo(render_demo_summary(prepare_demo(runtime, now=runtime.clock.now())))
    runtime.close()


def has_display() -> bool:
    """Open a browser only where one can show up (not over SSH, not in a container's terminal)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
