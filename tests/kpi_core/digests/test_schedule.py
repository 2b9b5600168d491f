from __future__ import annotations

from datetime import timedelta

import pytest

from kpi_core.digests.schedule import ScheduleError, parse_duration, parse_schedule


@pytest.mark.parametrize(
    ("text", "fields", "period"),
    [
        ("daily at 09:00", ("0", "9", "*", "*", "*"), "daily"),
        ("Daily at 7:05", ("5", "7", "*", "*", "*"), "daily"),
        ("weekdays at 09:00", ("0", "9", "*", "*", "mon,tue,wed,thu,fri"), "daily"),
        ("weekly on monday at 09:00", ("0", "9", "*", "*", "mon"), "weekly"),
        ("weekly on Fri at 17:30", ("30", "17", "*", "*", "fri"), "weekly"),
        ("every sunday at 18:00", ("0", "18", "*", "*", "sun"), "weekly"),
        ("monthly on 1 at 08:00", ("0", "8", "1", "*", "*"), "monthly"),
        ("monthly on the 15th at 08:00", ("0", "8", "15", "*", "*"), "monthly"),
        ("monthly on last at 17:00", ("0", "17", "last", "*", "*"), "monthly"),
    ],
)
def test_shorthands(text: str, fields: tuple[str, ...], period: str) -> None:
    schedule = parse_schedule(text)
    assert (schedule.minute, schedule.hour, schedule.day, schedule.month, schedule.day_of_week) == fields
    assert schedule.period == period


@pytest.mark.parametrize(
    ("cron", "day_of_week"),
    [
        ("0 9 * * 0", "sun"),  # cron's 0 is Sunday (APScheduler's from_crontab would say Monday)
        ("0 9 * * 7", "sun"),
        ("0 9 * * 1", "mon"),
        ("0 9 * * 1-5", "mon,tue,wed,thu,fri"),
        ("0 9 * * 0,6", "sat,sun"),
        ("0 9 * * 5-7", "fri,sat,sun"),
        ("0 9 * * */2", "tue,thu,sat,sun"),  # 0, 2, 4, 6
        ("0 9 * * MON-FRI", "mon,tue,wed,thu,fri"),
        ("0 9 * * sun", "sun"),
        ("0 9 * * 0-7", "*"),
        ("0 9 * * *", "*"),
    ],
)
def test_cron_day_of_week_numbers_follow_cron_not_apscheduler(cron: str, day_of_week: str) -> None:
    assert parse_schedule(cron).day_of_week == day_of_week


def test_cron_fields_and_inferred_periods() -> None:
    every_quarter_hour = parse_schedule("*/15 8-10 * * 1-5")
    assert every_quarter_hour.minute == "0,15,30,45"
    assert every_quarter_hour.hour == "8,9,10"
    assert every_quarter_hour.period == "daily"
    assert parse_schedule("0 9 * * 1").period == "weekly"
    assert parse_schedule("0 8 1 * *").period == "monthly"
    assert parse_schedule("0 8 1 jan,apr,jul,oct *").month == "1,4,7,10"
    assert parse_schedule("  0   9 * *   1 ").text == "0 9 * * 1"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "a schedule is required"),
        ("daily at 25:00", "25:00 is not a time of day"),
        ("daily at 9", "is not a schedule"),
        ("weekly on funday at 09:00", "'funday' is not a day of the week"),
        ("monthly on 31 at 09:00", "monthly on last"),
        ("monthly on 0 at 09:00", "not a day of the month"),
        ("whenever", "is not a schedule"),
        ("0 24 * * *", "hour 24 is out of range 0-23"),
        ("0 9 * * 8", "day of week 8 is out of range 0-7 (0 and 7 are Sunday)"),
        ("0 9 * 13 *", "month 13 is out of range"),
        ("0 9 5-1 * *", "runs backwards"),
        ("0 9 1 * 1", "ambiguous"),
        ("0 9 * * 1/0", "at least 1"),
        ("0 9 ? * *", "not a valid day field"),
    ],
)
def test_bad_schedules_say_what_is_wrong(text: str, needle: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text)
    assert needle in str(caught.value)


def test_durations() -> None:
    assert parse_duration("6h") == timedelta(hours=6)
    assert parse_duration("90 minutes") == timedelta(minutes=90)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    assert parse_duration(3600) == timedelta(hours=1)
    for bad in ("6 parsecs", "h", "", "1.5h"):
        with pytest.raises(ValueError, match="is not a duration"):
            parse_duration(bad)
