"""The words for a forecast, the same on every surface (plain text; Slack and the CLI add their layout).

outlook_sentences(kpi, outlook)
# ["Target $550K by 31 Mar 2027: behind pace, expected $492K in Mar 2027 (80%: $470K–$515K).",
#  "At this pace: $550K around Aug 2027 (80%: Jun 2027–Nov 2027)."]
"""

from __future__ import annotations

from kpi_core.config.models import KpiDefinition
from kpi_core.forecast.outlook import TargetOutlook
from kpi_core.forecast.series import Forecast
from kpi_core.format import format_kpi_value
from kpi_core.periods import period_label

METHOD_NAMES: dict[str, str] = {
    "ets_damped_seasonal": "exponential smoothing with a damped trend and seasonality",
    "ets_damped": "exponential smoothing with a damped trend",
    "drift": "the straight line through the first and last values (short history)",
}


def method_sentence(forecast: Forecast) -> str:
    """`Forecast from 23 complete months to Oct 2026 by exponential smoothing with a damped trend.`"""
    unit = {"daily": "days", "weekly": "weeks", "monthly": "months", "quarterly": "quarters"}[forecast.grain]
    through = period_label(forecast.through, forecast.grain)
    return (
        f"Forecast from {forecast.history} complete {unit} to {through} by {METHOD_NAMES[forecast.method]}; "
        f"ranges are {forecast.level:.0%} intervals."
    )


def outlook_sentences(kpi: KpiDefinition, outlook: TargetOutlook) -> list[str]:
    """Where the KPI is heading against its target: pace at the target's date, and when it gets there."""
    grain = kpi.grain

    def value(number: float) -> str:
        return format_kpi_value(kpi, number)

    target = value(outlook.target)
    lines = []
    if outlook.due is not None:
        due = outlook.due.strftime("%-d %b %Y")
        if outlook.expected is not None:
            pace = "on pace" if outlook.on_pace else "behind pace"
            expected = outlook.expected
            lines.append(
                f"Target {target} by {due}: {pace}, expected {value(expected.value)} in "
                f"{period_label(expected.period, grain)} (80%: {value(expected.low)}–{value(expected.high)})."
            )
        else:
            lines.append(f"Target {target} by {due}: beyond what this forecast covers.")
    if outlook.met:
        lines.append(f"Already at target ({target}).")
        return lines
    if outlook.reach is None:
        end = period_label(outlook.horizon_end, grain)
        early = (
            f" (80%: from {period_label(outlook.reach_early, grain)})"
            if outlook.reach_early is not None
            else ""
        )
        lines.append(f"At this pace {target} is not reached by {end}{early}.")
        return lines
    early = period_label(outlook.reach_early or outlook.reach, grain)
    late = (
        period_label(outlook.reach_late, grain)
        if outlook.reach_late is not None
        else f"after {period_label(outlook.horizon_end, grain)}"
    )
    lines.append(f"At this pace: {target} around {period_label(outlook.reach, grain)} (80%: {early}–{late}).")
    return lines
