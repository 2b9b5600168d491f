"""What moving the demo clock did, in sentences for the page: which digests posted, which were skipped
and why, and what the alerts sent.

    lines = describe_runs(results, titles={"daily": "Daily metrics"}, since=ledger_lookup, timezone="UTC")
    # ["Daily metrics posted in #kpi-daily (Mon 23 Nov 09:00)",
    #  "Daily metrics skipped on Tue 24 Nov 09:00: no new data since Mon 23 Nov"]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduling.jobs import RunResult

# Outcomes a person does not need to hear about: the run was handled by an earlier tick.
QUIET = frozenset({"done_before", "in_progress"})


@dataclass(frozen=True)
class AlertActivity:
    """Alert notifications created while the clock moved."""

    fired: tuple[str, ...] = ()  # rule names of alerts that fired
    resolved: tuple[str, ...] = ()
    repeats: int = 0
    other: int = 0


def when(moment: datetime, timezone: str) -> str:
    """Mon 23 Nov 09:00, in `timezone`."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def day(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b}"


def describe_run(result: RunResult, *, title: str, since: datetime | None, timezone: str) -> str | None:
    """One sentence for one digest run, or None when there is nothing to tell."""
    if result.outcome in QUIET:
        return None
    at = when(result.fire_time, timezone)
    if result.outcome == "posted":
        where = ", ".join(result.posted) or "its channels"
        late = ", late" if result.late else ""
        return f"{title} posted in {where} ({at}{late})"
    if result.outcome == "skipped":
        if result.detail == "no new data":
            reason = f"no new data since {day(since, timezone)}" if since else "no new data"
        elif result.detail.startswith("missed beyond the grace"):
            reason = "missed by more than its grace period (stale numbers are not posted late)"
        else:
            reason = result.detail or "skipped"
        return f"{title} skipped ({at}): {reason}"
    return f"{title} {result.outcome} ({at}): {result.detail}".rstrip(": ")


def describe_runs(
    results: Iterable[RunResult],
    *,
    titles: Mapping[str, str],
    since: Callable[[RunResult], datetime | None],
    timezones: Mapping[str, str],
) -> list[str]:
    """Sentences for every digest run that did something, in the order they ran."""
    lines = []
    for result in results:
        tz = timezones.get(result.digest, "UTC")
        title = titles.get(result.digest, result.digest)
        since_at = since(result) if result.outcome == "skipped" else None
        line = describe_run(result, title=title, since=since_at, timezone=tz)
        if line is not None:
            lines.append(line)
    return lines


def describe_alerts(activity: AlertActivity) -> list[str]:
    """Sentences for the alert notifications sent while the clock moved."""
    lines = []
    if activity.fired:
        lines.append(f"Alerts fired: {_names(activity.fired)}")
    if activity.resolved:
        lines.append(f"Alerts resolved: {_names(activity.resolved)}")
    if activity.repeats:
        lines.append(f"{activity.repeats} reminders for alerts still firing (nobody acknowledged them)")
    if activity.other:
        lines.append(f"{activity.other} other alert updates (escalations, snoozes ending)")
    return lines


def _names(names: Sequence[str]) -> str:
    unique = list(dict.fromkeys(names))
    return ", ".join(unique[:6]) + (f" and {len(unique) - 6} more" if len(unique) > 6 else "")
