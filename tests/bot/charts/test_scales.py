"""Axis arithmetic: period labels, tick steps, value ranges and tick labels."""

from __future__ import annotations

from datetime import date

import pytest

from bot.charts.scales import long_label, tick_label, value_labels, value_range, x_ticks


@pytest.mark.parametrize(
    ("day", "grain", "with_year", "short", "long"),
    [
        (date(2026, 1, 1), "monthly", False, "Jan '26", "Jan 2026"),
        (date(2026, 7, 1), "quarterly", False, "Q3 '26", "Q3 2026"),
        (date(2026, 3, 16), "weekly", False, "W12", "W12 2026"),
        (date(2026, 3, 16), "weekly", True, "W12 '26", "W12 2026"),
        (date(2024, 12, 30), "weekly", True, "W01 '25", "W01 2025"),  # ISO week-year, not calendar year
        (date(2026, 3, 3), "daily", False, "Mar 3", "Mar 3, 2026"),
    ],
)
def test_period_labels(day: date, grain: str, with_year: bool, short: str, long: str) -> None:
    assert tick_label(day, grain, with_year=with_year) == short  # type: ignore[arg-type]
    assert long_label(day, grain) == long  # type: ignore[arg-type]


def test_x_ticks_keep_the_latest_period_and_their_spacing() -> None:
    ticks = x_ticks(date(2025, 12, 1), date(2026, 11, 1), "monthly", min_spacing_days=80)
    assert [label for _, label in ticks] == ["Feb '26", "May '26", "Aug '26", "Nov '26"]
    every = x_ticks(date(2026, 9, 1), date(2026, 11, 1), "monthly", min_spacing_days=1)
    assert [label for _, label in every] == ["Sep '26", "Oct '26", "Nov '26"]


def test_weekly_ticks_name_the_year_where_it_turns() -> None:
    labels = [lab for _, lab in x_ticks(date(2025, 11, 3), date(2026, 3, 2), "weekly", min_spacing_days=50)]
    assert labels == ["W46 '25", "W02 '26", "W10"]


def test_long_daily_series_are_labelled_by_month() -> None:
    labels = [lab for _, lab in x_ticks(date(2026, 1, 10), date(2026, 6, 20), "daily", min_spacing_days=40)]
    assert labels == ["Feb '26", "Apr '26", "Jun '26"]


def test_value_range_starts_lines_at_zero_only_when_close_and_bars_always() -> None:
    low, high, ticks, _ = value_range([2.0, 4.0])
    assert low == 0 and ticks[0] == 0 and high >= 4.0
    low, _, _, _ = value_range([310_000, 480_000])
    assert 200_000 <= low < 310_000
    low, _, _, _ = value_range([310_000, 480_000], from_zero=True)
    assert low == 0
    low, high, _, _ = value_range([-5.0, -2.0], from_zero=True)
    assert low <= -5 and high == 0, "negative bars hang from zero"


def test_value_range_keeps_a_near_target_and_drops_a_far_one() -> None:
    _, high, _, kept = value_range([310_000, 480_000], extras=[500_000])
    assert kept == [500_000] and high >= 500_000
    _, high, _, kept = value_range([3.7e6, 5.8e6], extras=[50e6])
    assert kept == [] and high < 10e6


def test_value_range_of_a_flat_series_is_not_empty() -> None:
    low, high, ticks, _ = value_range([600.0, 600.0])
    assert low < 600 < high and len(ticks) >= 2


@pytest.mark.parametrize(
    ("ticks", "unit", "labels"),
    [
        ([200_000, 300_000, 400_000], "USD", ["$200K", "$300K", "$400K"]),
        ([0, 1_000_000, 2_000_000], "USD", ["$0", "$1M", "$2M"]),
        ([2.0, 2.5, 3.0], "percent", ["2.0%", "2.5%", "3.0%"]),
        ([0, 100_000, 200_000], "count", ["0", "100K", "200K"]),
        ([520, 560, 600], "days", ["520", "560", "600"]),
        ([2.0, 2.5, 3.0], "ratio", ["2.0:1", "2.5:1", "3.0:1"]),
        ([-20_000, 0, 20_000], "EUR", ["-€20K", "€0", "€20K"]),
    ],
)
def test_tick_labels_come_from_the_formatter_with_shared_decimals(ticks, unit, labels) -> None:
    assert value_labels(ticks, unit) == labels
