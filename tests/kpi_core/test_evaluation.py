from __future__ import annotations

import doctest
import math
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kpi_core.evaluation
from kpi_core.config.models import KpiDefinition, Thresholds
from kpi_core.evaluation import (
    check_threshold,
    compute_change,
    compute_progress,
    compute_snapshot,
    compute_status,
    is_stale,
)
from kpi_core.periods import period_start, shift_period, year_earlier
from kpi_core.snapshot import Status
from kpi_core.windows import Window

NOW = datetime(2026, 11, 19, 9, 30, tzinfo=UTC)
AT = date(2026, 11, 19)


def make_kpi(**fields: Any) -> KpiDefinition:
    fields.setdefault("key", "mrr")
    fields.setdefault("name", "MRR")
    return KpiDefinition(**fields)


def monthly(*values: float | None, last: date = date(2026, 11, 1)) -> list[tuple[date, float]]:
    """Monthly observations ending at `last`, oldest first; None leaves a gap."""
    out = []
    for back, value in enumerate(reversed(values)):
        index = last.year * 12 + last.month - 1 - back
        if value is not None:
            out.append((date(index // 12, index % 12 + 1, 1), value))
    return out


# Progress -----------------------------------------------------------------------------------------


def test_progress_higher_is_better_is_value_over_target() -> None:
    assert compute_progress(12_450, 15_000, "higher") == pytest.approx(0.83)
    assert compute_progress(30_000, 15_000, "higher") == pytest.approx(2.0)


def test_progress_lower_is_better_is_target_over_value() -> None:
    # Seed 001: monthly churn 3.2 % against < 2 %, CAC $6.8K against < $5K.
    churn = compute_progress(3.2, 2, "lower")
    cac = compute_progress(6_800, 5_000, "lower")
    assert churn == pytest.approx(0.625)
    assert cac == pytest.approx(0.735, abs=1e-3)
    # DashboardGenerator's current/target would call these 160 % and 136 %: beyond target.
    assert churn is not None and churn < 1
    assert cac is not None and cac < 1
    # Beating a lower-is-better target is more than 100 %.
    assert compute_progress(1.6, 2, "lower") == pytest.approx(1.25)


def test_progress_edge_cases() -> None:
    assert compute_progress(-500, 1_000, "higher") == 0.0  # clamped, never negative
    assert compute_progress(0, 2, "lower") == 1.0  # zero churn has met a 2 % target
    assert compute_progress(-1, 2, "lower") == 1.0
    # A target of zero (security incidents): met or not.
    assert compute_progress(0, 0, "lower") == 1.0
    assert compute_progress(1, 0, "lower") == 0.0
    assert compute_progress(5, 0, "higher") == 1.0
    assert compute_progress(-5, 0, "higher") == 0.0
    # A negative target (say a net loss no worse than -50K).
    assert compute_progress(-25_000, -50_000, "higher") == 1.0
    assert compute_progress(-75_000, -50_000, "higher") == 0.0
    assert compute_progress(None, 5, "higher") is None
    assert compute_progress(5, None, "lower") is None
    assert compute_progress(math.nan, 5, "higher") is None


@given(
    value=st.floats(-1e9, 1e9), target=st.floats(-1e9, 1e9), direction=st.sampled_from(["higher", "lower"])
)
def test_progress_is_never_negative_and_reaches_one_exactly_when_the_target_is_met(
    value: float, target: float, direction: str
) -> None:
    progress = compute_progress(value, target, direction)  # type: ignore[arg-type]
    assert progress is not None and progress >= 0
    met = value >= target if direction == "higher" else value <= target
    assert (progress >= 1 - 1e-12) == met or math.isclose(value, target, rel_tol=1e-9)


# Status -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "value", "target", "status"),
    [
        ("lower", 3.2, 2, Status.OFF_TRACK),  # churn: 62.5 %
        ("lower", 6_800, 5_000, Status.AT_RISK),  # CAC: 73.5 %
        ("lower", 5_400, 5_000, Status.ON_TRACK),  # CAC: 92.6 %
        ("lower", 1.5, 2, Status.ON_TRACK),
        ("higher", 12_450, 15_000, Status.AT_RISK),  # 83 %
        ("higher", 4.5, 5, Status.ON_TRACK),  # exactly 90 %
        ("higher", 3.5, 5, Status.AT_RISK),  # exactly 70 %
        ("higher", 3.4, 5, Status.OFF_TRACK),
        ("lower", 9.0, 8.1, Status.ON_TRACK),  # 8.1 / 9.0 is 0.8999999999999999 in floating point
    ],
)
def test_status_from_progress_bands(direction: str, value: float, target: float, status: Status) -> None:
    kpi = make_kpi(direction=direction, target=target)
    assert compute_status(kpi, value, compute_progress(value, target, kpi.direction)) == status


def test_status_from_thresholds_uses_seed_000_semantics() -> None:
    # Seed 000's kpi_config.yaml: mrr threshold_warning 10000, threshold_critical 5000.
    mrr = make_kpi(thresholds=Thresholds(warning=10_000, critical=5_000))
    assert compute_status(mrr, 10_000.01, None) == Status.ON_TRACK
    assert compute_status(mrr, 10_000, None) == Status.AT_RISK  # inclusive, like `value <= warning`
    assert compute_status(mrr, 5_000.01, None) == Status.AT_RISK
    assert compute_status(mrr, 5_000, None) == Status.OFF_TRACK
    churn = make_kpi(key="churn", direction="lower", thresholds=Thresholds(warning=3, critical=4))
    assert compute_status(churn, 2.99, None) == Status.ON_TRACK
    assert compute_status(churn, 3, None) == Status.AT_RISK
    assert compute_status(churn, 4, None) == Status.OFF_TRACK


def test_thresholds_take_precedence_over_progress_bands() -> None:
    kpi = make_kpi(target=100_000, thresholds=Thresholds(warning=10_000, critical=5_000))
    assert compute_status(kpi, 20_000, compute_progress(20_000, 100_000, "higher")) == Status.ON_TRACK


def test_seed_000_legacy_threshold_spelling_reaches_the_same_status() -> None:
    kpi = KpiDefinition.model_validate(
        {"key": "dau", "name": "DAU", "threshold_warning": 500, "threshold_critical": 200}
    )
    assert compute_status(kpi, 200, None) == Status.OFF_TRACK


def test_status_without_target_or_thresholds_and_without_value() -> None:
    kpi = make_kpi()
    assert compute_status(kpi, 42, None) == Status.ON_TRACK
    assert compute_status(kpi, None, None) == Status.NO_DATA
    assert compute_status(make_kpi(target=5), None, None) == Status.NO_DATA


@pytest.mark.parametrize(
    ("thresholds", "direction", "value", "level"),
    [
        (Thresholds(warning=10, critical=5), "higher", 10, "warning"),  # exactly at warning
        (Thresholds(warning=10, critical=5), "higher", 10.0001, "ok"),
        (Thresholds(warning=10, critical=5), "higher", 5, "critical"),  # exactly at critical
        (Thresholds(warning=10, critical=5), "higher", -3, "critical"),
        (Thresholds(warning=3, critical=4), "lower", 3, "warning"),
        (Thresholds(warning=3, critical=4), "lower", 2.9999, "ok"),
        (Thresholds(warning=3, critical=4), "lower", 4, "critical"),
        (Thresholds(warning=3), "lower", 100, "warning"),  # only one threshold set
        (Thresholds(critical=4), "lower", 3.5, "ok"),
        (Thresholds(), "higher", -1e9, "ok"),
    ],
)
def test_check_threshold_boundaries(thresholds: Thresholds, direction: str, value: float, level: str) -> None:
    assert check_threshold(value, thresholds, direction) == level  # type: ignore[arg-type]


# Change -------------------------------------------------------------------------------------------


def test_change_respects_direction() -> None:
    up = compute_change(3.2, 2.9, direction="lower", label="MoM")
    assert up.absolute == pytest.approx(0.3)
    assert up.percent == pytest.approx(10.345, abs=1e-3)
    assert up.improved is False
    assert compute_change(2.9, 3.2, direction="lower", label="MoM").improved is True
    assert compute_change(5, 5, direction="higher", label="WoW").improved is None
    # Relative to the size of a negative reference, so the sign follows the movement.
    assert compute_change(-50, -100, direction="higher", label="MoM").percent == pytest.approx(50)
    assert compute_change(10, 0, direction="higher", label="MoM").percent is None


# Snapshots ----------------------------------------------------------------------------------------


def test_snapshot_value_previous_and_change() -> None:
    kpi = make_kpi(unit="USD", target=15_000)
    observations = [
        (date(2026, 10, 1), 11_116.0),
        (date(2026, 11, 1), 12_450.0),
        (date(2026, 9, 1), 10_000.0),
    ]
    snap = compute_snapshot(kpi, observations, at=AT, now=NOW)
    assert (snap.period, snap.value, snap.previous) == (date(2026, 11, 1), 12_450, 11_116)
    assert snap.change is not None
    assert snap.change.label == "MoM"
    assert snap.change.absolute == pytest.approx(1_334)
    assert snap.change.percent == pytest.approx(12.0, abs=0.01)
    assert snap.change.improved is True
    assert snap.target == 15_000
    assert snap.progress == pytest.approx(0.83)
    assert snap.status == Status.AT_RISK
    assert snap.stale is False


@pytest.mark.parametrize(("grain", "label"), [("daily", "DoD"), ("weekly", "WoW"), ("quarterly", "QoQ")])
def test_change_is_labelled_by_grain(grain: str, label: str) -> None:
    kpi = make_kpi(grain=grain)
    current = period_start(AT, grain)  # type: ignore[arg-type]
    observations = [(current, 2.0), (shift_period(current, grain, -1), 1.0)]  # type: ignore[arg-type]
    snap = compute_snapshot(kpi, observations, at=AT, now=NOW)
    assert snap.change is not None and snap.change.label == label


def test_duplicates_in_a_period_keep_the_latest_dated_observation() -> None:
    kpi = make_kpi()
    observations = [(date(2026, 11, 15), 3.0), (date(2026, 11, 1), 1.0), (date(2026, 11, 9), 2.0)]
    assert compute_snapshot(kpi, observations, at=AT, now=NOW).value == 3.0
    same_day = [(date(2026, 11, 1), 1.0), (date(2026, 11, 1), 2.0)]
    assert compute_snapshot(kpi, same_day, at=AT, now=NOW).value == 2.0


def test_observations_after_the_date_are_ignored() -> None:
    kpi = make_kpi()
    snap = compute_snapshot(kpi, monthly(1, 2, 3, last=date(2026, 12, 1)), at=AT, now=NOW)
    assert (snap.period, snap.value, snap.previous) == (date(2026, 11, 1), 2, 1)
    assert snap.series[-1].period == date(2026, 11, 1)


def test_the_value_is_the_latest_period_even_when_the_current_one_is_missing() -> None:
    kpi = make_kpi()
    snap = compute_snapshot(kpi, monthly(8, 9, None), at=AT, now=NOW)
    assert (snap.period, snap.value, snap.previous) == (date(2026, 10, 1), 9, 8)
    assert snap.series[-1].value is None  # the current month, not yet recorded


def test_a_missing_previous_period_is_no_comparison_not_an_older_one() -> None:
    kpi = make_kpi()
    snap = compute_snapshot(kpi, monthly(5, None, 7), at=AT, now=NOW)
    assert snap.value == 7
    assert snap.previous is None
    assert snap.change is None


def test_series_reports_gaps_as_none_never_zero() -> None:
    kpi = make_kpi()
    snap = compute_snapshot(kpi, monthly(1, None, 3, None, 5, 6), at=AT, now=NOW, window=Window("6m"))
    assert [p.period for p in snap.series] == [date(2026, m, 1) for m in range(6, 12)]
    assert [p.value for p in snap.series] == [1, None, 3, None, 5, 6]


def test_default_window_and_all_history() -> None:
    kpi = make_kpi()
    observations = monthly(*range(30))
    assert len(compute_snapshot(kpi, observations, at=AT, now=NOW).series) == 12
    everything = compute_snapshot(kpi, observations, at=AT, now=NOW, window=Window("all"))
    assert len(everything.series) == 30
    assert everything.series[0].value == 0


def test_no_observations_is_no_data() -> None:
    kpi = make_kpi(target=10, grain="weekly")
    snap = compute_snapshot(kpi, [], at=AT, now=NOW)
    assert snap.status == Status.NO_DATA
    assert snap.value is None and snap.period is None and snap.progress is None
    assert snap.previous is None and snap.change is None
    assert snap.target == 10
    assert len(snap.series) == 26 and all(p.value is None for p in snap.series)
    assert snap.rolling_average is None
    assert snap.stale is False
    everything = compute_snapshot(kpi, [], at=AT, now=NOW, window=Window("all"))
    assert [p.period for p in everything.series] == [date(2026, 11, 16)]


def test_nan_observations_count_as_missing() -> None:
    kpi = make_kpi()
    snap = compute_snapshot(kpi, [(date(2026, 10, 1), 4.0), (date(2026, 11, 1), math.nan)], at=AT, now=NOW)
    assert (snap.period, snap.value) == (date(2026, 10, 1), 4.0)


def test_year_over_year() -> None:
    kpi = make_kpi()
    with_history = compute_snapshot(kpi, monthly(100, *([None] * 11), 150), at=AT, now=NOW)
    assert with_history.year_over_year is not None
    assert with_history.year_over_year.label == "YoY"
    assert with_history.year_over_year.reference == 100
    assert with_history.year_over_year.percent == pytest.approx(50)
    without = compute_snapshot(kpi, monthly(*([100] * 12)), at=AT, now=NOW)
    assert without.year_over_year is None  # twelve months of history, but not November 2025


@pytest.mark.parametrize(
    ("grain", "start", "earlier"),
    [
        ("daily", date(2026, 11, 19), date(2025, 11, 19)),
        ("daily", date(2028, 2, 29), date(2027, 2, 28)),
        ("weekly", date(2026, 11, 16), date(2025, 11, 17)),  # 52 weeks: Monday to Monday
        ("monthly", date(2026, 11, 1), date(2025, 11, 1)),
        ("quarterly", date(2026, 10, 1), date(2025, 10, 1)),
    ],
)
def test_year_earlier(grain: str, start: date, earlier: date) -> None:
    assert year_earlier(start, grain) == earlier  # type: ignore[arg-type]


def test_target_progression_is_read_at_the_date() -> None:
    # Seed 001: MABV Month 6: 50,000, Month 12: 200,000.
    progression = {date(2026, 6, 30): 50_000, date(2026, 12, 31): 200_000}
    kpi = make_kpi(key="mabv", name="MABV", target=progression)
    june = compute_snapshot(kpi, [(date(2026, 6, 1), 48_000.0)], at=date(2026, 6, 15), now=NOW)
    assert june.target == 50_000
    assert june.progress == pytest.approx(0.96)
    assert june.status == Status.ON_TRACK
    november = compute_snapshot(kpi, [(date(2026, 11, 1), 125_000.0)], at=AT, now=NOW)
    assert november.target == 200_000
    assert november.status == Status.OFF_TRACK


def test_rolling_average_ignores_missing_periods() -> None:
    daily = make_kpi(grain="daily")
    observations = [(date(2026, 11, d), float(d)) for d in (10, 13, 14, 16, 19)]
    snap = compute_snapshot(daily, observations, at=AT, now=NOW)
    # The last seven days are 13..19; recorded: 13, 14, 16, 19.
    assert snap.rolling_average == pytest.approx((13 + 14 + 16 + 19) / 4)
    monthly_kpi = make_kpi()
    three_months = compute_snapshot(monthly_kpi, monthly(1, 2, 3, 4), at=AT, now=NOW)
    assert three_months.rolling_average == pytest.approx(3)
    weekly = make_kpi(grain="weekly")
    weeks = [(date(2026, 11, 16), 8.0), (date(2026, 11, 2), 4.0), (date(2026, 10, 19), 100.0)]
    assert compute_snapshot(weekly, weeks, at=AT, now=NOW).rolling_average == pytest.approx(6)


@pytest.mark.parametrize(
    ("grain", "newest", "now", "stale"),
    [
        ("daily", date(2026, 11, 17), datetime(2026, 11, 19, 23, 59, tzinfo=UTC), False),  # 2 days: allowed
        ("daily", date(2026, 11, 16), datetime(2026, 11, 19, 0, 1, tzinfo=UTC), True),  # 3 days
        ("weekly", date(2026, 11, 2), datetime(2026, 11, 18, tzinfo=UTC), False),  # ended 8 Nov: 10 days
        ("weekly", date(2026, 11, 2), datetime(2026, 11, 19, tzinfo=UTC), True),  # 11 days
        ("monthly", date(2026, 10, 1), datetime(2026, 12, 6, tzinfo=UTC), False),  # ended 31 Oct: 36 days
        ("monthly", date(2026, 10, 1), datetime(2026, 12, 7, tzinfo=UTC), True),
        ("monthly", date(2026, 9, 1), datetime(2026, 11, 19, tzinfo=UTC), True),
        ("quarterly", date(2026, 7, 1), datetime(2026, 11, 19, tzinfo=UTC), False),
        ("quarterly", date(2026, 4, 1), datetime(2026, 11, 19, tzinfo=UTC), True),
    ],
)
def test_staleness(grain: str, newest: date, now: datetime, stale: bool) -> None:
    assert is_stale(newest, grain, at=now.date(), now=now) is stale  # type: ignore[arg-type]
    kpi = make_kpi(grain=grain)
    assert compute_snapshot(kpi, [(newest, 1.0)], at=now.date(), now=now).stale is stale


def test_staleness_of_a_past_date_is_judged_at_that_date() -> None:
    kpi = make_kpi(grain="daily")
    observations = [(date(2025, 3, 1), 1.0)]
    assert compute_snapshot(kpi, observations, at=date(2025, 3, 1), now=NOW).stale is False
    assert compute_snapshot(kpi, observations, at=date(2025, 3, 10), now=NOW).stale is True


def test_snapshot_carries_recorded_at_and_source_error() -> None:
    recorded = datetime(2026, 11, 19, 6, tzinfo=UTC)
    snap = compute_snapshot(
        make_kpi(), monthly(1), at=AT, now=NOW, recorded_at=recorded, source_error="warehouse timed out"
    )
    assert snap.recorded_at == recorded
    assert snap.source_error == "warehouse timed out"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_snapshot(make_kpi(), [], at=AT, now=datetime(2026, 11, 19))


def test_lower_is_better_snapshot_end_to_end() -> None:
    churn = make_kpi(key="churn_rate", name="Churn", unit="percent", direction="lower", target=2)
    snap = compute_snapshot(churn, monthly(3.5, 3.2), at=AT, now=NOW)
    assert snap.progress == pytest.approx(0.625)
    assert snap.status == Status.OFF_TRACK
    assert snap.change is not None and snap.change.improved is True


@given(
    values=st.dictionaries(st.integers(0, 40), st.floats(-1e6, 1e6, allow_nan=False), max_size=40),
    grain=st.sampled_from(["daily", "weekly", "monthly", "quarterly"]),
)
def test_series_only_holds_recorded_values(values: dict[int, float], grain: str) -> None:
    kpi = make_kpi(grain=grain)
    current = period_start(AT, grain)  # type: ignore[arg-type]
    observations = [(shift_period(current, grain, -back), value) for back, value in values.items()]  # type: ignore[arg-type]
    snap = compute_snapshot(kpi, observations, at=AT, now=NOW, window=Window("all"))
    recorded = {shift_period(current, grain, -back): value for back, value in values.items()}  # type: ignore[arg-type]
    assert {p.period: p.value for p in snap.series if p.value is not None} == recorded
    assert all(p.value is None for p in snap.series if p.period not in recorded)


def test_doctests() -> None:
    assert doctest.testmod(kpi_core.evaluation).failed == 0
