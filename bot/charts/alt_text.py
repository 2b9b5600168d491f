"""Alt text written from the data, for screen readers and for when Slack does not load the image.

"MRR, monthly, Dec 2025 to Nov 2026: rose from $310K to $480K (+55%); latest $480K, target $500K;
1 missing period."
"""

from __future__ import annotations

from bot.charts.data import ChartSeries, chart_series
from bot.charts.scales import long_label
from kpi_core.format import format_change, format_kpi_value
from kpi_core.periods import CHANGE_LABELS
from kpi_core.snapshot import Change, KpiSnapshot
from kpi_core.standing import Health, compute_health

_SIGNS = {"↑": "+", "↓": "-", "→": "±"}


def kpi_alt_text(snapshot: KpiSnapshot, series: ChartSeries | None = None) -> str:
    """One or two sentences that say what the chart shows."""
    kpi = snapshot.kpi
    series = series if series is not None else chart_series(snapshot)
    if series is None:
        reason = "no data (source error)" if snapshot.source_error else "no data yet"
        return f"{kpi.name}, {kpi.grain}: {reason}."
    known = series.known
    first_value = known[0][1]
    last_period, last_value = known[-1]
    start, end = series.periods[0], series.periods[-1]
    span = (
        long_label(start, kpi.grain)
        if start == end
        else (f"{long_label(start, kpi.grain)} to {long_label(end, kpi.grain)}")
    )
    parts = [f"{kpi.name}, {kpi.grain}, {span}: {_trend(snapshot, first_value, last_value, len(known))}"]
    latest = f"latest {format_kpi_value(kpi, last_value)}"
    if last_period != end:
        latest += f" ({long_label(last_period, kpi.grain)})"
    health = compute_health(last_value, kpi.thresholds, kpi.direction)
    if health in (Health.WARNING, Health.CRITICAL):
        latest += f", in the {health.value} zone"
    if snapshot.target is not None:
        latest += f", target {format_kpi_value(kpi, snapshot.target)}"
        if kpi.target_progression:
            milestone = next((m for m, _ in kpi.target_progression if m >= snapshot.at), None)
            if milestone is not None:
                latest += f" by {long_label(milestone, 'monthly')}"
    parts.append(latest)
    if series.missing:
        parts.append(f"{series.missing} missing period{'s' if series.missing != 1 else ''}")
    if snapshot.source_error:
        parts.append("the last refresh failed")
    return "; ".join(parts) + "."


def series_summary(snapshot: KpiSnapshot) -> str:
    """A short clause for one series of a panel: "MRR rose from $310K to $480K (+55%)"."""
    series = chart_series(snapshot)
    if series is None:
        return f"{snapshot.kpi.name}: no data{' (source error)' if snapshot.source_error else ''}"
    known = series.known
    return f"{snapshot.kpi.name} {_trend(snapshot, known[0][1], known[-1][1], len(known))}"


def _trend(snapshot: KpiSnapshot, first: float, last: float, count: int) -> str:
    kpi = snapshot.kpi
    if count == 1:
        return f"{format_kpi_value(kpi, last)}"
    first_text, last_text = format_kpi_value(kpi, first), format_kpi_value(kpi, last)
    if first_text == last_text:
        return f"flat at {last_text}"
    change = Change(
        reference=first,
        absolute=last - first,
        # A relative change from zero or from a negative base means nothing: say the absolute move.
        percent=(last - first) / first * 100 if first > 0 else None,
        label=CHANGE_LABELS[kpi.grain],
        improved=None,
    )
    arrow, amount = format_change(change, kpi.unit).rsplit(" ", 1)[0].split(" ", 1)
    verb = "rose" if last > first else "fell"
    return f"{verb} from {first_text} to {last_text} ({_SIGNS.get(arrow, '')}{amount})"
