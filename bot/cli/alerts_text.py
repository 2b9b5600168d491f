"""The words `kpibot alerts ...` prints: tick reports, backtest episodes, incident history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.alerts.delivery import DeliveryReport
from bot.blocks.alert import SEVERITY_EMOJI
from kpi_core.alerts.backtest import Episode
from kpi_core.alerts.evaluator import TickReport
from kpi_core.alerts.lifecycle import Incident
from kpi_core.alerts.rules import AlertRule
from kpi_core.alerts.store import IncidentEvent
from kpi_core.format import format_kpi_value
from kpi_core.periods import period_label

GRAIN_WORD = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter"}


def when(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in sorted(counts.items())) or "none"


def tick_lines(
    report: TickReport,
    *,
    now: datetime,
    timezone: str,
    delivery: DeliveryReport | None,
    queued_for_digest: int = 0,
) -> list[str]:
    """`kpibot alerts evaluate`: what the tick found and did."""
    lines = [
        f"evaluated {report.evaluated} rules at {when(now, timezone)} in {report.seconds * 1000:.0f} ms: "
        f"{_counts(report.states)}",
        f"incident events: {_counts(report.events)}",
        f"notifications queued: {report.enqueued}"
        + (f", {queued_for_digest} for the digest" if queued_for_digest else ""),
    ]
    if delivery is None:
        lines.append("not delivered: SLACK_BOT_TOKEN is not set (a running `kpibot serve` delivers them)")
    else:
        lines.append(
            f"delivered: {delivery.sent} sent, {delivery.retried} to retry, "
            f"{delivery.fallbacks} to the fallback channel, {delivery.lost} undeliverable"
        )
        lines += [f"  ! {problem}" for problem in delivery.errors]
    lines.append(f"open incidents: {report.open_incidents}")
    for result in report.firing:
        emoji = SEVERITY_EMOJI.get(result.severity or "", "•")
        lines.append(f"  {emoji} {result.rule_key}: {result.summary}")
    lines += [f"  ✗ {rule}: {message}" for rule, message in report.errors]
    return lines


def change_line(report: TickReport, delivery: DeliveryReport | None) -> str | None:
    """One line after `record`/`import`/`refresh` when the alerts moved; None when nothing happened."""
    if not report.events and not report.enqueued and not report.errors:
        return None
    line = f"alerts: {_counts(report.events)}; {report.enqueued} notification(s) queued"
    if delivery is not None:
        line += f", {delivery.sent} sent"
    if report.errors:
        line += f"; {len(report.errors)} rule(s) failed: " + ", ".join(rule for rule, _ in report.errors)
    return line


def backtest_lines(rule: AlertRule, episodes: Sequence[Episode], *, since: date, today: date) -> list[str]:
    """`kpibot alerts test`: when the rule would have fired and resolved."""
    kpi = rule.kpi
    word = GRAIN_WORD.get(kpi.grain, "period")
    head = [
        f"{rule.name} ({rule.key}): {rule.condition_text}"
        + (f", {rule.threshold_text}" if rule.threshold_text else ""),
        f"evaluated per {word} on {kpi.name} ({kpi.key}) from {since} to {today}; severity {rule.severity}",
    ]
    if not episodes:
        return [*head, "it would not have fired (nobody would have been notified)"]
    lines = list(head)
    for episode in episodes:
        fired = period_label(episode.fired_at, kpi.grain)
        worst = format_kpi_value(kpi, episode.peak)
        if episode.resolved_at is None:
            lines.append(f"  🔥 fired {fired}, still firing · worst {worst}")
        elif rule.mode == "event":
            lines.append(f"  📣 announced {fired} · value {worst}")
        else:
            span = _periods(episode.fired_at, episode.resolved_at, kpi.grain)
            resolved = period_label(episode.resolved_at, kpi.grain)
            lines.append(f"  🔥 fired {fired} → resolved {resolved} ({span}) · worst {worst}")
    times = "once" if len(episodes) == 1 else f"{len(episodes)} times"
    lines.append(f"it would have fired {times} since {since} (a test: nobody was notified)")
    return lines


def _periods(start: date, end: date, grain: str) -> str:
    if grain == "daily":
        n = (end - start).days
    elif grain == "weekly":
        n = (end - start).days // 7
    elif grain == "monthly":
        n = (end.year - start.year) * 12 + end.month - start.month
    else:
        n = ((end.year - start.year) * 12 + end.month - start.month) // 3
    word = GRAIN_WORD.get(grain, "period")
    return f"{n} {word}{'s' if n != 1 else ''}"


def history_lines(incidents: Sequence[Incident], *, timezone: str) -> list[str]:
    """`kpibot alerts history`: newest first, one line each."""
    if not incidents:
        return ["no incidents yet"]
    lines = []
    for i in incidents:
        text = (
            f"#{i.id:<5} {i.state:<12} {SEVERITY_EMOJI.get(i.severity, '•')} {i.severity:<8} {i.rule_name} "
            f"({i.kpi_key}) · opened {when(i.opened_at, timezone)}"
        )
        if i.acked_by:
            text += f" · acked by {i.acked_by} {when(i.acked_at, timezone)}"
        if i.resolved_at:
            text += f" · resolved {when(i.resolved_at, timezone)} ({i.resolution}, by {i.resolved_by})"
        if i.reopen_count:
            text += f" · re-opened {i.reopen_count}×"
        lines.append(text)
        lines.append(f"        {i.summary}")
    return lines


def audit_lines(incident: Incident, events: Sequence[IncidentEvent], *, timezone: str) -> list[str]:
    """`kpibot alerts history --incident ID`: every event with who and when."""
    lines = [
        f"#{incident.id} {incident.rule_name} ({incident.kpi_key}): {incident.state}, {incident.severity}"
    ]
    for event in events:
        detail = event.detail
        extra = ""
        if event.kind in ("sent", "send_failed", "escalated"):
            extra = f"{detail.get('reason', '')} → {detail.get('destination', '')}"
            if detail.get("error"):
                extra += f" ({detail['error']}; fallback {detail.get('fallback') or 'none'})"
        elif detail.get("summary"):
            extra = str(detail["summary"])
        elif detail.get("until") or detail.get("until_worse"):
            extra = f"until {detail.get('until') or 'it gets worse'}"
        lines.append(f"  {when(event.at, timezone)}  {event.kind:<13} by {event.actor:<12} {extra}".rstrip())
    return lines
