"""APScheduler triggers for digests and refreshes, and fire-time arithmetic on them (no sleeping needed).

Each digest's `CronTrigger` is built from parsed fields in the digest's own timezone, so 09:00 stays
09:00 local across daylight-saving changes. What APScheduler 3.11 does at the edges (tested):

- a time that does not exist on the spring-forward day (02:30 in Europe/Berlin on 2026-03-29) fires
  once, an hour later in wall-clock terms (03:30 CEST, 01:30 UTC);
- a time that happens twice on the fall-back day (02:30 in Berlin on 2026-10-25) fires twice, once per
  UTC offset. Both fires report the same period, so the ledger posts once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from kpi_core.config.models import Grain
from kpi_core.digests.config import DigestDefinition

REFRESH_AT = (0, 30)  # 00:30 local: yesterday is complete, and well before any morning digest
_LOOKBACKS = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=8),
    timedelta(days=32),
    timedelta(days=93),
    timedelta(days=367),
    timedelta(days=5 * 366),
)


def digest_trigger(digest: DigestDefinition) -> CronTrigger:
    """The cron trigger of a digest, in its timezone (day-of-week by name: see kpi_core.digests.schedule)."""
    return CronTrigger(**digest.cron.cron_fields(), timezone=ZoneInfo(digest.timezone))


def refresh_trigger(grain: Grain, *, timezone: str) -> CronTrigger:
    """When `sql` KPIs of a grain are refreshed: daily at 00:30, weekly on Monday, monthly on the 1st,
    quarterly on the 1st of January, April, July and October (all at 00:30 in `timezone`)."""
    hour, minute = REFRESH_AT
    fields: dict[str, str | int] = {"hour": hour, "minute": minute}
    if grain == "weekly":
        fields["day_of_week"] = "mon"
    elif grain == "monthly":
        fields["day"] = 1
    elif grain == "quarterly":
        fields.update(day=1, month="1,4,7,10")
    return CronTrigger(**fields, timezone=ZoneInfo(timezone))


def next_fire_time(trigger: CronTrigger, after: datetime) -> datetime | None:
    """The first fire time at or after `after`, in UTC."""
    fire = trigger.get_next_fire_time(None, _aware(after))
    return None if fire is None else fire.astimezone(UTC)


def previous_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The most recent fire time at or before `now`, in UTC (None if there was none in five years).

    APScheduler only looks forward, so this looks forward from ever earlier starting points.
    """
    now = _aware(now).astimezone(UTC)
    for lookback in _LOOKBACKS:
        fire = next_fire_time(trigger, now - lookback)
        if fire is None or fire > now:
            continue
        while True:
            following = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
            if following is None or following > now:
                return fire
            fire = following.astimezone(UTC)
    return None


def fire_times(trigger: CronTrigger, *, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time in [start, end], in UTC: what a scheduler running all along would have fired."""
    times: list[datetime] = []
    fire = next_fire_time(trigger, start)
    while fire is not None and fire <= end:
        times.append(fire)
        following = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        fire = None if following is None else following.astimezone(UTC)
    return times


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("fire-time arithmetic needs timezone-aware datetimes (UTC)")
    return moment
