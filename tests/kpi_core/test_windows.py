from __future__ import annotations

import doctest
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kpi_core.windows
from kpi_core.config.models import Grain
from kpi_core.periods import period_start, periods_between
from kpi_core.windows import Window, WindowError, default_window, parse_window

AT = date(2026, 11, 19)  # a Thursday in the middle of Q4
GRAINS: tuple[Grain, ...] = ("daily", "weekly", "monthly", "quarterly")


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("30d", "30d"),
        ("12w", "12w"),
        ("6m", "6m"),
        ("4q", "4q"),
        ("1y", "1y"),
        ("ytd", "ytd"),
        ("all", "all"),
        ("30D", "30d"),
        ("  6 M  ", "6m"),
        ("YTD", "ytd"),
        (" All ", "all"),
        ("30 days", "30d"),
        ("1 day", "1d"),
        ("12 weeks", "12w"),
        ("6 Months", "6m"),
        ("2 years", "2y"),
        ("2 quarters", "2q"),
        ("all-time", "all"),
        ("year to date", "ytd"),
        ("090d", "90d"),
    ],
)
def test_parse_window_accepts_what_people_type(text: str, spec: str) -> None:
    assert parse_window(text).spec == spec
    assert parse_window(text) == Window(spec)


@pytest.mark.parametrize(
    "text", ["", "   ", "abc", "30x", "-3d", "3.5m", "d30", "30", "m", "1y2m", "30 lightyears"]
)
def test_bad_windows_say_what_would_work(text: str) -> None:
    with pytest.raises(WindowError) as raised:
        parse_window(text)
    message = str(raised.value)
    for form in ("30d", "12w", "6m", "1y", "ytd", "all"):
        assert form in message
    if text.strip():
        assert repr(text.strip()).strip("'") in message


def test_zero_and_too_long_windows_are_refused() -> None:
    with pytest.raises(WindowError, match="at least 1"):
        parse_window("0d")
    with pytest.raises(WindowError, match="at most 100y"):
        parse_window("101y")
    assert parse_window("100y").spec == "100y"


def test_window_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_window("soon")
    with pytest.raises(WindowError):
        Window(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "grain", "start", "points"),
    [
        # N units of the KPI's own grain are N points, the current period included.
        ("30d", "daily", date(2026, 10, 21), 30),
        ("12w", "weekly", date(2026, 8, 31), 12),
        ("6m", "monthly", date(2026, 6, 1), 6),
        ("1y", "monthly", date(2025, 12, 1), 12),
        ("4q", "quarterly", date(2026, 1, 1), 4),
        ("1y", "quarterly", date(2026, 1, 1), 4),
        ("2y", "quarterly", date(2025, 1, 1), 8),
        ("1y", "weekly", date(2025, 11, 24), 52),
        # Periods that start inside the window count; the current period always does.
        ("30d", "weekly", date(2026, 10, 26), 4),
        ("30d", "monthly", date(2026, 11, 1), 1),
        ("30d", "quarterly", date(2026, 10, 1), 1),
        ("1d", "daily", AT, 1),
        # Year to date: periods starting on or after 1 January.
        ("ytd", "daily", date(2026, 1, 1), 323),
        ("ytd", "weekly", date(2026, 1, 5), 46),
        ("ytd", "monthly", date(2026, 1, 1), 11),
        ("ytd", "quarterly", date(2026, 1, 1), 4),
    ],
)
def test_window_start(spec: str, grain: Grain, start: date, points: int) -> None:
    assert Window(spec).start(AT, grain) == start
    assert len(periods_between(start, AT, grain)) == points


def test_month_windows_clamp_to_the_end_of_shorter_months() -> None:
    # 31 May minus 3 months is 28 February (no 31st), so the window opens on 1 March.
    assert Window("3m").start(date(2026, 5, 31), "daily") == date(2026, 3, 1)
    assert Window("1y").start(date(2028, 2, 29), "daily") == date(2027, 3, 1)


def test_all_is_all_history() -> None:
    assert Window("all").start(AT, "monthly") is None


def test_a_window_reaching_before_year_one_is_all_history() -> None:
    assert Window("100y").start(date(50, 6, 1), "monthly") is None


@pytest.mark.parametrize(
    ("grain", "spec", "points"),
    [("daily", "90d", 90), ("weekly", "26w", 26), ("monthly", "12m", 12), ("quarterly", "2y", 8)],
)
def test_default_window(grain: Grain, spec: str, points: int) -> None:
    window = default_window(grain)
    assert window.spec == spec
    start = window.start(AT, grain)
    assert start is not None
    assert len(periods_between(start, AT, grain)) == points


@pytest.mark.parametrize(
    ("spec", "label"),
    [
        ("30d", "last 30 days"),
        ("1w", "last week"),
        ("6m", "last 6 months"),
        ("ytd", "year to date"),
        ("all", "all history"),
    ],
)
def test_label(spec: str, label: str) -> None:
    assert Window(spec).label == label


@given(
    count=st.integers(1, 99),
    unit=st.sampled_from("dwmqy"),
    at=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    grain=st.sampled_from(GRAINS),
)
def test_start_is_a_period_start_no_later_than_the_current_period(
    count: int, unit: str, at: date, grain: Grain
) -> None:
    start = Window(f"{count}{unit}").start(at, grain)
    assert start is not None
    assert start == period_start(start, grain)
    assert start <= period_start(at, grain)
    # Longer windows never start later.
    longer = Window(f"{count + 1}{unit}").start(at, grain)
    assert longer is not None and longer <= start


def test_doctests() -> None:
    assert doctest.testmod(kpi_core.windows).failed == 0
