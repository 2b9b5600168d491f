"""The forecast card of `/kpi forecast KEY [HORIZON]`: where the KPI is heading and against its target.

message = build_forecast_card(result, chart_file_id="F123", chart_alt_text=image.alt_text)
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.blocks.primitives import Message, chart_image, context, escape, header, section
from kpi_core.forecast.service import KpiForecast
from kpi_core.forecast.wording import method_sentence, outlook_sentences
from kpi_core.format import format_kpi_value
from kpi_core.periods import period_label

SHOWN_PERIODS = 6  # the card lists the first few periods and the last; the chart shows them all


def build_forecast_card(
    result: KpiForecast, *, chart_file_id: str | None = None, chart_alt_text: str = ""
) -> Message:
    """Header, last complete value, forecast periods with their 80% ranges, outlook and method."""
    kpi = result.kpi
    title = f"{kpi.name} · forecast"
    if result.forecast is None or result.latest is None:
        text = "Not enough history yet: a forecast needs at least three complete periods."
        return Message(text=f"{kpi.name}: {text}", blocks=[header(title), section(text)])
    forecast = result.forecast
    period, value = result.latest
    lines = [f"*Last complete* · {period_label(period, kpi.grain)}: *{format_kpi_value(kpi, value)}*"]
    points = list(forecast.points)
    shown = points if len(points) <= SHOWN_PERIODS + 1 else [*points[:SHOWN_PERIODS], points[-1]]
    for point in shown:
        if point is points[-1] and len(shown) < len(points):
            lines.append("…")
        lines.append(
            f"{period_label(point.period, kpi.grain)}: *{format_kpi_value(kpi, point.value)}* "
            f"(80%: {format_kpi_value(kpi, point.low)}–{format_kpi_value(kpi, point.high)})"
        )
    blocks: list[Block] = [header(title), section("\n".join(lines))]
    outlook = outlook_sentences(kpi, result.outlook) if result.outlook is not None else []
    if outlook:
        blocks.append(section("\n".join(escape(sentence) for sentence in outlook)))
    if chart_file_id:
        blocks.append(chart_image(chart_file_id, chart_alt_text or f"{kpi.name} forecast chart"))
    blocks.append(context(escape(method_sentence(forecast))))
    summary = (
        outlook[0]
        if outlook
        else f"next {period_label(points[0].period, kpi.grain)}: {format_kpi_value(kpi, points[0].value)}"
    )
    return Message(text=f"{kpi.name} forecast: {summary}", blocks=blocks)
