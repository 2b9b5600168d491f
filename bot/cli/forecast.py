"""`kpibot forecast KEY [HORIZON]`: where a KPI is heading, period by period, and against its target."""

from __future__ import annotations

import click

from bot.cli.context import config_option
from bot.cli.core import open_runtime, parse_at, resolve_kpi
from kpi_core.forecast.cache import ForecastCache
from kpi_core.forecast.service import KpiForecast, forecast_kpi
from kpi_core.forecast.wording import method_sentence, outlook_sentences
from kpi_core.format import format_kpi_value
from kpi_core.periods import period_label
from kpi_core.sources import store_for


def register(cli: click.Group) -> None:
    """Add `kpibot forecast` to the `kpibot` group."""

    @cli.command("forecast")
    @click.argument("key")
    @click.argument("horizon", type=click.IntRange(min=1), required=False)
    @click.option("--at", "at_text", default=None, help="The date to look from (default: today).")
    @config_option
    @click.pass_context
    def forecast_command(ctx: click.Context, key: str, horizon: int | None, at_text: str | None) -> None:
        """Forecast KEY for HORIZON periods at its grain (default: a year of months, 90 days, ...)."""
        runtime = open_runtime(ctx)
        try:
            kpi = resolve_kpi(runtime, key)
            today = parse_at(at_text, runtime.timezone) if at_text else runtime.service.today()
            result = forecast_kpi(
                kpi=kpi,
                store=store_for(runtime.config, runtime.db),
                cache=ForecastCache(runtime.db, clock=runtime.clock),
                today=today,
                horizon=horizon,
            )
            click.echo(render_forecast(result))
        finally:
            runtime.close()


def render_forecast(result: KpiForecast) -> str:
    """The forecast as text: the last complete value, one line per period, the outlook, the method."""
    kpi = result.kpi
    lines = [f"{kpi.name}: forecast"]
    if result.forecast is None or result.latest is None:
        lines.append("  Not enough history: a forecast needs at least three complete periods.")
        return "\n".join(lines)
    period, value = result.latest
    lines.append(f"  Last complete: {period_label(period, kpi.grain)}  {format_kpi_value(kpi, value)}")
    for point in result.forecast.points:
        lines.append(
            f"  {period_label(point.period, kpi.grain):<24}{format_kpi_value(kpi, point.value):>12}"
            f"   80%: {format_kpi_value(kpi, point.low)}–{format_kpi_value(kpi, point.high)}"
        )
    if result.outlook is not None:
        lines.extend("  " + sentence for sentence in outlook_sentences(kpi, result.outlook))
    lines.append("  " + method_sentence(result.forecast))
    return "\n".join(lines)
