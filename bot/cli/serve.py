"""`kpibot serve`: the bot, in Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT."""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

import click

from bot.cli.context import config_option, load_config_or_exit, load_settings
from kpi_core.settings import SettingsError


def register(cli: click.Group) -> None:
    """Add `serve` to the `kpibot` group."""

    @cli.command("serve")
    @config_option
    @click.option("--port", type=int, default=None, help="HTTP port (default: $PORT or 3000).")
    @click.option("--host", default="0.0.0.0", show_default=True, help="HTTP bind address.")
    @click.option("--no-scheduler", is_flag=True, help="Answer /kpi only: no digests, refreshes or alerts.")
    @click.pass_context
    def serve(ctx: click.Context, port: int | None, host: str, no_scheduler: bool) -> None:
        """Run the bot: migrations, the Slack app, and the scheduler (digests, refreshes, alerts)."""
        from bot.app import create_app
        from bot.server import HttpServer, KpibotWsgi, run_socket_mode
        from kpi_core.runtime import Runtime

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        settings = load_settings(ctx)
        load_config_or_exit(ctx, settings=settings)  # invalid config never runs
        socket_mode = bool(settings.slack_app_token)
        try:
            settings.require_slack(socket_mode=socket_mode)
        except SettingsError as error:
            raise click.ClickException(str(error)) from None
        runtime = Runtime.create(settings)
        app, answers = create_app(settings, runtime=runtime, socket_mode=socket_mode)
        background = None
        if not no_scheduler:
            from bot.background import start_background

            # answers.client: with OAuth installs it posts with the home workspace's token
            background = start_background(runtime, client=answers.client, answers=answers)
        # SIGTERM (systemd, Kubernetes) stops like Ctrl-C: the finally below stops the scheduler and the
        # chart workers instead of leaving them orphaned.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        try:
            if socket_mode:
                click.echo("kpibot: Socket Mode (SLACK_APP_TOKEN is set)")
                run_socket_mode(app, settings.slack_app_token)
            else:
                server = HttpServer(KpibotWsgi(app, runtime), host=host, port=port or settings.port)
                click.echo(f"kpibot: HTTP on {server.url}/slack/events (health: {server.url}/healthz)")
                server.serve_forever()
        finally:
            if background is not None:
                background.stop()
            answers.charts.pool.close()


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    sys.exit(128 + signum)
