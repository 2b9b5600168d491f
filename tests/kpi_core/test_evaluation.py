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
from kpi_core.evaluation import compute_change, compute_snapshot, is_stale
from kpi_core.periods import period_start, shift_period, year_earlier
from kpi_core.standing import Goal, Health, check_threshold, compute_goal, compute_health, compute_progress
from kpi_core.windows import Window

NOW = datetime(2026, 11, 19, 9, 30, tzinfo=UTC)
AT = date(2026, 11, 19)


def make_kpi(**fields: Any) -> KpiDefinition:
    """A level (a balance such as MRR: its current period is current) unless `measure` says otherwise;
    flows are tested in tests/kpi_core/test_complete_periods.py."""
    fields.setdefault("key", "mrr")
    fields.setdefault("name", "MRR")
    fields.setdefault("measure", "level")
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


# Goal standing and health -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "value", "target", "goal"),
    [
        ("lower", 3.2, 2, Goal.BEHIND),  # churn: 62.5 %
        ("lower", 5_400, 5_000, Goal.BEHIND),  # CAC: 92.6 % is still behind: no "nearly there" band
        ("lower", 1.5, 2, Goal.MET),
        ("lower", 2, 2, Goal.MET),
        ("higher", 12_450, 15_000, Goal.BEHIND),  # 83 %
        ("higher", 9.6, 12, Goal.BEHIND),  # 80 %: never "on track"
        ("higher", 4.5, 4.5, Goal.MET),  # exactly the target
        ("higher", 0.1 + 0.2, 0.3, Goal.MET),  # floating point does not miss by a hair
    ],
)
def test_goal_against_a_fixed_target_is_met_or_behind(
    direction: str, value: float, target: float, goal: Goal
) -> None:
    kpi = make_kpi(direction=direction, target=target)
    standing = compute_goal(kpi, value, on=AT)
    assert standing is not None and standing.goal is goal
    assert standing.expected is None and standing.due is None
    assert standing.progress == compute_progress(value, target, kpi.direction)


def test_health_from_thresholds_uses_seed_000_semantics() -> None:
    # Seed 000's kpi_config.yaml: mrr threshold_warning 10000, threshold_critical 5000.
    mrr = make_kpi(thresholds=Thresholds(warning=10_000, critical=5_000))
    assert compute_health(10_000.01, mrr.thresholds, "higher") is Health.HEALTHY
    assert compute_health(10_000, mrr.thresholds, "higher") is Health.WARNING  # inclusive
    assert compute_health(5_000.01, mrr.thresholds, "higher") is Health.WARNING
    assert compute_health(5_000, mrr.thresholds, "higher") is Health.CRITICAL
    churn = Thresholds(warning=3, critical=4)
    assert compute_health(2.99, churn, "lower") is Health.HEALTHY
    assert compute_health(3, churn, "lower") is Health.WARNING
    assert compute_health(4, churn, "lower") is Health.CRITICAL
    assert check_threshold(4, churn, "lower") is Health.CRITICAL


def test_health_and_goal_are_independent() -> None:
    # Past its warning threshold yet ahead of its target, and healthy yet behind its target.
    ahead = make_kpi(direction="lower", target=5, thresholds=Thresholds(warning=4, critical=6))
    snap = compute_snapshot(ahead, monthly(4.5, 4.2), at=AT, now=NOW)
    assert snap.health is Health.WARNING and snap.goal is not None and snap.goal.goal is Goal.MET
    behind = make_kpi(unit="minutes", target=12, thresholds=Thresholds(warning=5, critical=3))
    snap = compute_snapshot(behind, monthly(9.5, 9.6), at=AT, now=NOW)
    assert snap.health is Health.HEALTHY and snap.goal is not None and snap.goal.goal is Goal.BEHIND


def test_seed_000_legacy_threshold_spelling_reaches_the_same_health() -> None:
    kpi = KpiDefinition.model_validate(
        {"key": "dau", "name": "DAU", "threshold_warning": 500, "threshold_critical": 200}
    )
    assert compute_health(200, kpi.thresholds, kpi.direction) is Health.CRITICAL


def test_health_and_goal_without_target_thresholds_or_value() -> None:
    kpi = make_kpi()
    assert compute_health(42, kpi.thresholds, kpi.direction) is Health.NOT_SET
    assert compute_health(None, kpi.thresholds, kpi.direction) is Health.NO_DATA
    assert compute_goal(kpi, 42, on=AT) is None
    assert compute_goal(make_kpi(target=5), None, on=AT) is None


@pytest.mark.parametrize(
    ("thresholds", "direction", "value", "level"),
    [
        (Thresholds(warning=10, critical=5), "higher", 10, "warning"),  # exactly at warning
        (Thresholds(warning=10, critical=5), "higher", 10.0001, "healthy"),
        (Thresholds(warning=10, critical=5), "higher", 5, "critical"),  # exactly at critical
        (Thresholds(warning=10, critical=5), "higher", -3, "critical"),
        (Thresholds(warning=3, critical=4), "lower", 3, "warning"),
        (Thresholds(warning=3, critical=4), "lower", 2.9999, "healthy"),
        (Thresholds(warning=3, critical=4), "lower", 4, "critical"),
        (Thresholds(warning=3), "lower", 100, "warning"),  # only one threshold set
        (Thresholds(critical=4), "lower", 3.5, "healthy"),
        (Thresholds(), "higher", -1e9, "healthy"),
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
    assert snap.goal is not None and snap.goal.goal is Goal.BEHIND  # 83 % of the target is behind it
    assert snap.health is Health.NOT_SET  # no thresholds: no colour
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
    assert snap.health is Health.NO_DATA and snap.goal is None and snap.in_progress is None
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
    # before the first milestone there is no line to be on pace with: met or behind the milestone
    assert june.goal is not None and (june.goal.goal, june.goal.expected) == (Goal.BEHIND, None)
    assert june.goal.due == date(2026, 6, 30)
    november = compute_snapshot(kpi, [(date(2026, 11, 1), 125_000.0)], at=AT, now=NOW)
    assert november.target == 200_000
    # the straight line from 50K on 30 Jun to 200K on 31 Dec passes 165.8K on 19 Nov
    expected = 50_000 + 150_000 * (AT - date(2026, 6, 30)).days / 184
    assert november.goal is not None and november.goal.goal is Goal.BEHIND
    assert november.goal.expected == pytest.approx(expected) and november.goal.due == date(2026, 12, 31)
    on_pace = compute_snapshot(kpi, [(date(2026, 11, 1), 170_000.0)], at=AT, now=NOW)
    assert on_pace.goal is not None and on_pace.goal.goal is Goal.ON_PACE
    met = compute_snapshot(kpi, [(date(2026, 11, 1), 200_000.0)], at=AT, now=NOW)
    assert met.goal is not None and met.goal.goal is Goal.MET


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
    assert snap.goal is not None and snap.goal.goal is Goal.BEHIND
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
