"""`kpibot cohorts` and `kpibot churn-risk`: the cohort tables and the churn model on the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from bot.cli.analytics_text import at_risk_text, cohort_text, evaluation_text
from bot.cli.context import config_option, load_config_or_exit, load_settings
from bot.cli.core import parse_at
from kpi_core.clock import Clock, SystemClock
from kpi_core.cohorts import CohortDataError, CohortKind
from kpi_core.cohorts.service import cohort_table
from kpi_core.customers.churn import ChurnModelUnavailableError, NotEnoughHistoryError
from kpi_core.customers.service import customer_report
from kpi_core.customers.source import CustomerDataError
from kpi_core.sources import local_today


def _today(ctx: click.Context, at: str | None, timezone: str) -> date:
    if at:
        return parse_at(at, timezone)
    obj = ctx.find_root().obj
    injected = obj.get("clock") if isinstance(obj, dict) else None  # tests inject a ManualClock
    clock: Clock = injected if injected is not None else SystemClock()
    return local_today(clock.now(), timezone)


def register(cli: click.Group) -> None:
    @cli.command("cohorts")
    @click.argument("kind", type=click.Choice([k.value for k in CohortKind]), default="retention")
    @click.option(
        "--at", "at", default=None, help="Count the periods that ended before this date (default today)."
    )
    @click.option(
        "--png", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Also write the heatmap."
    )
    @config_option
    @click.pass_context
    def cohorts_command(ctx: click.Context, kind: str, at: str | None, png: Path | None) -> None:
        """The retention, revenue (with NRR) or feature adoption cohort table, with its insights."""
        settings = load_settings(ctx)
        config = load_config_or_exit(ctx, settings=settings)
        try:
            table = cohort_table(config, kind=CohortKind(kind), today=_today(ctx, at, settings.timezone))
        except CohortDataError as error:
            raise click.ClickException(str(error)) from None
        click.echo(cohort_text(table))
        if png is not None:
            from bot.charts.cohort_chart import render_cohort_heatmap  # matplotlib only when asked

            png.write_bytes(render_cohort_heatmap(table).png)
            click.echo(f"\nheatmap written to {png}")

    @cli.command("churn-risk")
    @click.option("--evaluate", is_flag=True, help="Also report the model's AUC on held-back history.")
    @click.option("--limit", type=click.IntRange(1, 500), default=10, show_default=True)
    @config_option
    @click.pass_context
    def churn_risk_command(ctx: click.Context, evaluate: bool, limit: int) -> None:
        """The accounts most likely to churn, with why and what to do, from a model of your own history."""
        config = load_config_or_exit(ctx)
        try:
            report = customer_report(config)
        except NotEnoughHistoryError as error:
            raise click.ClickException(f"not scoring churn risk: {error}") from None
        except (ChurnModelUnavailableError, CustomerDataError) as error:
            raise click.ClickException(str(error)) from None
        if evaluate:
            click.echo(evaluation_text(report.model.evaluation))
            click.echo("")
        click.echo(f"Churn risk as of {report.as_of:%-d %b %Y} ({len(report.risks)} customers):")
        click.echo(at_risk_text(report.at_risk(limit=limit)))
        click.echo("")
        click.echo("Segments (recency, usage, contract value):")
        for summary in report.summary:
            click.echo(f"  {summary.segment.value:<20} {summary.customers:>4}  {summary.action}")
