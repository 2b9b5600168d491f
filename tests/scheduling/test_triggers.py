"""Fire times straight from the triggers: no scheduler thread, no sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kpi_core.digests.periods import digest_period
from scheduling.triggers import (
    digest_trigger,
    fire_times,
    next_fire_time,
    previous_fire_time,
    refresh_trigger,
)
from tests.kpi_core.digests.factories import make_digest

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def _fires(schedule: str, timezone: str, start: datetime, days: int) -> list[datetime]:
    trigger = digest_trigger(make_digest(schedule, timezone=timezone))
    return fire_times(trigger, start=start, end=start + timedelta(days=days))


@pytest.mark.parametrize(
    ("timezone", "change_day", "utc_before", "utc_after"),
    [
        ("Europe/Berlin", datetime(2026, 3, 29), 8, 7),  # CET -> CEST
        ("Europe/Berlin", datetime(2026, 10, 25), 7, 8),  # CEST -> CET
        ("America/New_York", datetime(2026, 3, 8), 14, 13),  # EST -> EDT
        ("America/New_York", datetime(2026, 11, 1), 13, 14),  # EDT -> EST
    ],
)
def test_nine_oclock_stays_nine_oclock_local_across_dst(
    timezone: str, change_day: datetime, utc_before: int, utc_after: int
) -> None:
    zone = ZoneInfo(timezone)
    fires = _fires("daily at 09:00", timezone, (change_day - timedelta(days=2)).replace(tzinfo=UTC), 4)
    assert len(fires) == 4  # one a day, none lost or doubled on the change day
    assert all(f.astimezone(zone).hour == 9 and f.astimezone(zone).minute == 0 for f in fires)
    assert [f.hour for f in fires] == [utc_before, utc_before, utc_after, utc_after]
    assert fires[2].astimezone(zone).date() == change_day.date()


@pytest.mark.parametrize(
    ("timezone", "day", "expected_utc"),
    [
        ("Europe/Berlin", datetime(2026, 3, 29), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # 03:30 CEST
        ("America/New_York", datetime(2026, 3, 8), datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # 03:30 EDT
    ],
)
def test_a_time_skipped_by_spring_forward_fires_once_an_hour_later(
    timezone: str, day: datetime, expected_utc: datetime
) -> None:
    fires = _fires("daily at 02:30", timezone, day.replace(tzinfo=ZoneInfo(timezone)), 1)
    on_the_day = [f for f in fires if f.astimezone(ZoneInfo(timezone)).date() == day.date()]
    assert on_the_day == [expected_utc]
    assert expected_utc.astimezone(ZoneInfo(timezone)).hour == 3
    period = digest_period(make_digest("daily at 02:30", timezone=timezone), expected_utc)
    assert period.start == (day - timedelta(days=1)).date()


def test_a_time_repeated_by_fall_back_fires_twice_for_one_period() -> None:
    digest = make_digest("daily at 02:30", timezone="Europe/Berlin")
    fires = _fires("daily at 02:30", "Europe/Berlin", datetime(2026, 10, 25, tzinfo=BERLIN), 1)[:2]
    assert fires == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]
    # Both fires report the same day: the ledger key is the same, so it is posted once (tests/scheduling).
    assert {digest_period(digest, fire).key for fire in fires} == {"2026-10-24"}


def test_weekdays_skip_the_weekend_friday_to_monday() -> None:
    friday_evening = datetime(2026, 11, 20, 18, tzinfo=NEW_YORK)
    fires = _fires("weekdays at 09:00", "America/New_York", friday_evening, 7)
    assert [f.astimezone(NEW_YORK).strftime("%a %d") for f in fires] == [
        "Mon 23",
        "Tue 24",
        "Wed 25",
        "Thu 26",
        "Fri 27",
    ]
    monday = digest_period(make_digest("weekdays at 09:00", timezone="America/New_York"), fires[0])
    assert monday.label == "Sunday 22 Nov 2026 (America/New_York)"  # the last complete day


def test_cron_zero_is_sunday() -> None:
    fires = _fires("0 9 * * 0", "Europe/Berlin", datetime(2026, 11, 16, tzinfo=UTC), 14)
    assert [f.astimezone(BERLIN).strftime("%A %d") for f in fires] == ["Sunday 22", "Sunday 29"]


def test_monthly_on_last_fires_on_every_month_end() -> None:
    fires = _fires("monthly on last at 17:00", "Europe/Berlin", datetime(2026, 1, 1, tzinfo=UTC), 365)
    assert [f.astimezone(BERLIN).day for f in fires] == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert all(f.astimezone(BERLIN).hour == 17 for f in fires)


def test_cron_on_the_31st_skips_short_months_like_cron() -> None:
    fires = _fires("0 8 31 * *", "Europe/Berlin", datetime(2026, 1, 1, tzinfo=UTC), 365)
    assert [f.astimezone(BERLIN).month for f in fires] == [1, 3, 5, 7, 8, 10, 12]


def test_previous_fire_time_finds_the_most_recent_fire() -> None:
    weekly = digest_trigger(make_digest("weekly on monday at 09:00", timezone="Europe/Berlin"))
    monday_nine = datetime(2026, 11, 16, 8, tzinfo=UTC)  # 09:00 CET
    assert previous_fire_time(weekly, monday_nine) == monday_nine  # at the fire time itself
    assert previous_fire_time(weekly, monday_nine - timedelta(seconds=1)) == monday_nine - timedelta(weeks=1)
    assert previous_fire_time(weekly, datetime(2026, 11, 20, tzinfo=UTC)) == monday_nine
    monthly = digest_trigger(make_digest("monthly on 1 at 08:00", timezone="America/New_York"))
    # 1 Nov 2026 is New York's fall-back day: 08:00 is already EST.
    assert previous_fire_time(monthly, datetime(2026, 11, 30, tzinfo=UTC)) == datetime(
        2026, 11, 1, 13, tzinfo=UTC
    )
    assert previous_fire_time(monthly, datetime(2026, 10, 31, tzinfo=UTC)) == datetime(
        2026, 10, 1, 12, tzinfo=UTC
    )
    yearly = digest_trigger(make_digest("0 8 1 1 *", timezone="UTC"))
    assert previous_fire_time(yearly, datetime(2026, 12, 31, tzinfo=UTC)) == datetime(
        2026, 1, 1, 8, tzinfo=UTC
    )
    assert next_fire_time(weekly, monday_nine + timedelta(seconds=1)) == monday_nine + timedelta(weeks=1)


def test_refresh_triggers_run_at_half_past_midnight_at_their_grain() -> None:
    start = datetime(2026, 11, 16, 12, tzinfo=UTC)
    daily = next_fire_time(refresh_trigger("daily", timezone="Europe/Berlin"), start)
    weekly = next_fire_time(refresh_trigger("weekly", timezone="Europe/Berlin"), start)
    monthly = next_fire_time(refresh_trigger("monthly", timezone="Europe/Berlin"), start)
    quarterly = next_fire_time(refresh_trigger("quarterly", timezone="Europe/Berlin"), start)
    assert daily == datetime(2026, 11, 16, 23, 30, tzinfo=UTC)  # 00:30 CET on the 17th
    assert weekly is not None and weekly.astimezone(BERLIN).strftime("%a %d %H:%M") == "Mon 23 00:30"
    assert monthly is not None and monthly.astimezone(BERLIN).strftime("%d %b %H:%M") == "01 Dec 00:30"
    assert quarterly is not None and quarterly.astimezone(BERLIN).strftime("%d %b %Y") == "01 Jan 2027"
