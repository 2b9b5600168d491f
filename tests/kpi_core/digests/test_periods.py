from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kpi_core.digests.periods import digest_period, period_containing, period_for
from tests.kpi_core.digests.factories import make_digest


def test_daily_at_nine_on_tuesday_reports_monday_against_sunday_and_last_monday() -> None:
    digest = make_digest("weekdays at 09:00", timezone="Europe/Berlin")
    period = digest_period(digest, datetime(2026, 11, 17, 8, tzinfo=UTC))  # Tue 09:00 CET
    assert (period.kind, period.start, period.end) == ("daily", date(2026, 11, 16), date(2026, 11, 16))
    assert (period.compare_start, period.compare_end) == (date(2026, 11, 15), date(2026, 11, 15))
    assert period.same_day_last_week == date(2026, 11, 9)
    assert period.key == "2026-11-16"
    assert period.label == "Monday 16 Nov 2026 (Europe/Berlin)"
    assert period.change_label == "DoD"
    assert period.scheduled_for == datetime(2026, 11, 17, 8, tzinfo=UTC)


def test_weekly_reports_the_last_complete_iso_week() -> None:
    digest = make_digest("weekly on monday at 09:00", timezone="Europe/Berlin")
    period = digest_period(digest, datetime(2026, 11, 16, 8, tzinfo=UTC))
    assert (period.start, period.end) == (date(2026, 11, 9), date(2026, 11, 15))
    assert (period.compare_start, period.compare_end) == (date(2026, 11, 2), date(2026, 11, 8))
    assert period.same_day_last_week is None
    assert (period.key, period.label) == ("2026-W46", "Week 46 · 9–15 Nov 2026 (Europe/Berlin)")
    assert period.change_label == "WoW"


def test_weekly_across_a_year_boundary_uses_the_iso_year() -> None:
    period = period_for("weekly", datetime(2027, 1, 4, 8, tzinfo=UTC), timezone="UTC")
    assert (period.start, period.end, period.key) == (date(2026, 12, 28), date(2027, 1, 3), "2026-W53")
    assert period.label == "Week 53 · 28 Dec 2026 – 3 Jan 2027 (UTC)"
    spanning = period_for("weekly", datetime(2026, 12, 7, 8, tzinfo=UTC), timezone="UTC")
    assert spanning.label == "Week 49 · 30 Nov – 6 Dec 2026 (UTC)"


def test_monthly_reports_the_last_complete_month() -> None:
    digest = make_digest("monthly on 1 at 08:00", timezone="America/New_York")
    period = digest_period(digest, datetime(2026, 11, 1, 13, tzinfo=UTC))
    assert (period.start, period.end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert (period.compare_start, period.compare_end) == (date(2026, 9, 1), date(2026, 9, 30))
    assert (period.key, period.label) == ("2026-10", "October 2026 (America/New_York)")
    january = digest_period(digest, datetime(2027, 1, 1, 13, tzinfo=UTC))
    assert (january.key, january.compare_start) == ("2026-12", date(2026, 11, 1))


def test_monthly_on_the_last_day_reports_the_month_before() -> None:
    """`monthly on last` fires before its own month is complete, so it reports the previous month."""
    digest = make_digest("monthly on last at 17:00", timezone="Europe/Berlin")
    assert digest_period(digest, datetime(2026, 2, 28, 16, tzinfo=UTC)).key == "2026-01"


def test_the_period_is_taken_in_the_digests_timezone() -> None:
    # 23:30 UTC on the 16th is already the 17th in Berlin and still the 16th in New York.
    fire = datetime(2026, 11, 16, 23, 30, tzinfo=UTC)
    assert period_for("daily", fire, timezone="Europe/Berlin").key == "2026-11-16"
    assert period_for("daily", fire, timezone="America/New_York").key == "2026-11-15"


def test_quarterly_and_the_running_period() -> None:
    period = period_for("quarterly", datetime(2026, 10, 1, 8, tzinfo=UTC), timezone="UTC")
    assert (period.key, period.start, period.end) == ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30))
    assert period.label == "Q3 2026 · 1 Jul – 30 Sep 2026 (UTC)"
    running = period_for("monthly", datetime(2026, 11, 17, tzinfo=UTC), timezone="UTC", offset=0)
    assert running.key == "2026-11"


def test_a_naive_fire_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        period_for("daily", datetime(2026, 11, 17, 8), timezone="UTC")


@pytest.mark.parametrize(
    ("schedule", "day", "key"),
    [
        ("weekdays at 09:00", date(2026, 11, 11), "2026-11-11"),
        ("weekly on monday at 09:00", date(2026, 11, 11), "2026-W46"),
        ("weekly on monday at 09:00", date(2026, 11, 15), "2026-W46"),
        ("monthly on 1 at 08:00", date(2026, 10, 31), "2026-10"),
    ],
)
def test_the_period_containing_a_day(schedule: str, day: date, key: str) -> None:
    digest = make_digest(schedule, timezone="America/New_York")
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    period = period_containing(digest, day, scheduled_for=now)
    assert (period.key, period.scheduled_for) == (key, now)
    assert period.start <= day <= period.end
