from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest

from kpi_core.alerts.backtest import Episode, backtest
from kpi_core.alerts.evaluate import evaluate_rule
from kpi_core.alerts.rules import compile_rules
from tests.kpi_core.alerts.helpers import CATALOG, START, config, daily, last_day, rule


def _state(condition: str, threshold: str | None, values: list[float | None], **kw: object) -> str:
    r = rule(condition, threshold)
    return evaluate_rule(r, daily(values), at=last_day(values), **kw).state  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("condition", "values", "state"),
    [
        ("monthly_churn_rate > 4%", [4.0], "ok"),  # exactly 4% against > 4% does not fire
        ("monthly_churn_rate > 4%", [4.01], "firing"),
        ("monthly_churn_rate >= 4%", [4.0], "firing"),
        ("trial_to_paid_rate < 15%", [15.0], "ok"),
        ("trial_to_paid_rate < 15%", [14.99], "firing"),
        ("trial_to_paid_rate <= 15%", [15.0], "firing"),
        ("monthly_churn_rate == 0", [0.0], "firing"),
        ("monthly_churn_rate != 0", [0.0], "ok"),
        ("churn > 4%", [4.5], "firing"),  # an alias
        ("Monthly Churn Rate > 4%", [4.5], "firing"),  # the name
        ("avg_page_load_time > 5 seconds", [5.0], "ok"),
        ("avg_page_load_time > 500 ms", [0.6], "firing"),  # converted to the KPI's seconds
        ("avg_page_load_time > 500 ms", [0.5], "ok"),
    ],
)
def test_boundaries_direction_and_units(condition: str, values: list[float | None], state: str) -> None:
    assert _state(condition, None, values) == state


def test_floating_point_noise_does_not_cross_a_boundary() -> None:
    assert _state("monthly_churn_rate > 4%", "2 day rolling average", [3.9, 4.1]) == "ok"


@pytest.mark.parametrize(
    ("values", "active", "state", "held"),
    [
        ([3.0, 4.5], False, "pending", 1),
        ([4.5, 4.6], False, "firing", 2),
        ([4.5, None, 4.6], False, "pending", 1),  # a gap breaks the run: missing is not "still breaching"
        ([4.5, None, 4.6], True, "firing", 1),  # but a firing incident stays firing while it holds
        ([4.5, 4.6, 3.9], True, "ok", 0),
        ([4.5, 4.6, 3.9], False, "ok", 0),
    ],
)
def test_consecutive_days(values: list[float | None], active: bool, state: str, held: int) -> None:
    r = rule("monthly_churn_rate > 4%", "2 consecutive days")
    result = evaluate_rule(r, daily(values), at=last_day(values), active=active)
    assert (result.state, result.held) == (state, held)


def test_rolling_average_and_its_gaps() -> None:
    r = rule("trial_to_paid_rate < 15%", "7 day rolling average")
    firing = evaluate_rule(r, daily([16] * 6 + [5]), at=START + timedelta(days=6))
    assert firing.state == "firing"
    assert firing.value == pytest.approx((16 * 6 + 5) / 7)
    assert firing.summary == "Trial To Paid Rate 7-day average is 14.4% (< 15%)"
    # three gaps of seven: the four present values are averaged, none is read as zero
    gappy = daily([16, None, 16, None, 16, None, 16])
    assert evaluate_rule(r, gappy, at=START + timedelta(days=6)).value == 16
    # four gaps of seven: too little data to trust the average
    sparse = daily([16, None, None, None, 16, None, 16])
    assert evaluate_rule(r, sparse, at=START + timedelta(days=6)).state == "no_data"


def test_missing_and_stale_data_is_no_data_never_zero_and_never_critical() -> None:
    r = rule("trial_to_paid_rate < 15%", severity="critical")
    empty = evaluate_rule(r, [], at=START)
    assert (empty.state, empty.value, empty.severity) == ("no_data", None, "info")
    series = daily([10.0])
    assert evaluate_rule(r, series, at=START + timedelta(days=2)).state == "firing"  # 2 days old: still fresh
    stale = evaluate_rule(r, series, at=START + timedelta(days=3))
    assert (stale.state, stale.severity, stale.summary) == (
        "no_data",
        "info",
        "No data for Trial To Paid Rate since 2026-03-01",
    )
    # a None in the series is a gap, not a zero (which would fire `< 15%`)
    assert evaluate_rule(r, daily([20.0, None]), at=START + timedelta(days=1)).state == "ok"


def test_months_at_the_kpi_grain() -> None:
    r = rule("mrr_growth_rate < 8%", "2 consecutive months")
    jan, feb, mar = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
    assert evaluate_rule(r, [(jan, 7.0), (feb, 7.5)], at=date(2026, 3, 5)).state == "firing"
    assert evaluate_rule(r, [(jan, 7.0), (mar, 7.5)], at=date(2026, 4, 5)).state == "pending"
    assert evaluate_rule(r, [(jan, 9.0), (feb, 7.5)], at=date(2026, 3, 5)).state == "pending"


def test_a_running_month_is_judged_only_when_the_rule_asks_for_an_early_warning() -> None:
    r = rule("mrr_growth_rate < 8%", "2 consecutive months")
    jan, feb = date(2026, 1, 1), date(2026, 2, 1)
    # on 20 February, February is a part-month: only January counts, and one month is not two
    complete = evaluate_rule(r, [(jan, 7.0), (feb, 7.5)], at=date(2026, 2, 20))
    assert (complete.state, complete.period, complete.held) == ("pending", jan, 1)
    assert complete.summary.startswith("Mrr Growth Rate is 7% (< 8%)")
    early = evaluate_rule(replace(r, running_period=True), [(jan, 7.0), (feb, 7.5)], at=date(2026, 2, 20))
    assert (early.state, early.period) == ("firing", feb)
    assert early.summary.startswith("Mrr Growth Rate (February to date) is 7.5%"), early.summary


def test_sub_daily_windows_use_the_latest_daily_observation() -> None:
    r = rule("uptime < 99%", "Any 1-hour period")
    assert r.for_periods == 1
    assert evaluate_rule(r, daily([99.9, 98.7]), at=START + timedelta(days=1)).state == "firing"
    assert evaluate_rule(r, daily([98.7, 99.9]), at=START + timedelta(days=1)).state == "ok"


def test_target_conditions_read_the_kpi_target() -> None:
    r = rule("feature_adoption_rate > target", "Monthly measurement")
    at = date(2026, 3, 10)  # February is complete
    assert evaluate_rule(r, [(date(2026, 2, 1), 75.0)], at=at).state == "ok"
    result = evaluate_rule(r, [(date(2026, 2, 1), 76.0)], at=at)
    assert (result.state, result.threshold) == ("firing", 75)


def test_hysteresis_with_resolve_at() -> None:
    (r,) = compile_rules(
        config({"alerts": [{"name": "h", "kpi": "churn", "op": ">", "value": 4, "resolve_at": 3.5}]}), CATALOG
    )
    assert evaluate_rule(r, daily([3.8]), at=START, active=True).state == "firing"
    assert evaluate_rule(r, daily([3.5]), at=START, active=True).state == "ok"
    assert evaluate_rule(r, daily([3.8]), at=START, active=False).state == "ok"


@pytest.mark.parametrize(
    ("values", "state", "milestone"),
    [
        ([240, 260], "firing", "250"),
        ([260, 270], "ok", None),
        ([240, 310], "firing", "300"),  # two crossed at once: the highest is announced
        ([260], "ok", None),  # nothing to compare with
        ([310, 299, 301], "firing", "300"),  # the store keeps it to one announcement per milestone
        ([49, 50], "firing", "50"),
        ([50, 49], "ok", None),
    ],
)
def test_milestones(values: list[float | None], state: str, milestone: str | None) -> None:
    r = rule("total_customers reaches milestone", "Every 50 customers", severity="info")
    result = evaluate_rule(r, daily(values), at=last_day(values))
    assert result.state == state
    assert dict(result.labels).get("milestone") == milestone
    if values == [240, 310]:
        assert result.summary == "Total Customers reached 300 (now 310)"


def test_event_conditions_fire_on_the_crossing_only() -> None:
    r = rule("total_customers reaches 1000")
    assert r.mode == "event"
    assert evaluate_rule(r, daily([990, 1005]), at=START + timedelta(days=1)).state == "firing"
    assert evaluate_rule(r, daily([990, 1005, 1010]), at=START + timedelta(days=2)).state == "ok"


@dataclass
class Seed000Threshold:
    """Seed 000's KPIThreshold.check, transcribed as the oracle (severity names only)."""

    warning_value: float
    critical_value: float
    direction: str

    def check(self, value: float) -> str:
        if self.direction == "higher":
            if value <= self.critical_value:
                return "critical"
            elif value <= self.warning_value:
                return "warning"
        else:
            if value >= self.critical_value:
                return "critical"
            elif value >= self.warning_value:
                return "warning"
        return "info"


@pytest.mark.parametrize(
    ("kpi", "warning", "critical"), [("uptime", 99.5, 99.0), ("monthly_churn_rate", 3.0, 4.0)]
)
def test_levels_rules_follow_seed_000_check(kpi: str, warning: float, critical: float) -> None:
    (r,) = compile_rules(config({"thresholds_from_kpis": {"kpis": [kpi]}}), CATALOG)
    oracle = Seed000Threshold(warning, critical, CATALOG.kpis[kpi].direction)
    values = sorted({warning, critical, *(v / 10 for v in range(0, 1001, 5))})
    for value, at in zip(values, itertools.count()):
        day = START + timedelta(days=at)
        result = evaluate_rule(r, [(day, value)], at=day)
        expected = oracle.check(value)
        assert (result.severity if result.state == "firing" else "info") == expected, value
        if expected == "info":
            assert result.state == "ok"


def test_levels_summary_reads_like_seed_000() -> None:
    (r,) = compile_rules(config({"thresholds_from_kpis": {"kpis": ["uptime"]}}), CATALOG)
    result = evaluate_rule(r, [(START, 99.0)], at=START)
    assert (result.state, result.severity) == ("firing", "critical")
    assert result.summary == "Uptime is 99%, at or below the critical threshold 99%"


def test_backtest_shows_when_a_rule_would_have_fired() -> None:
    r = rule("monthly_churn_rate > 4%", "2 consecutive days")
    values: list[float | None] = [3, 4.5, 4.8, 5.1, 3.9, 3, 4.2, 4.4, None, 4.6, 4.7, 3.5, 4.1, 4.3]
    episodes = backtest(r, daily(values), START)
    assert episodes == [
        Episode(START + timedelta(days=2), START + timedelta(days=4), 5.1),
        Episode(START + timedelta(days=7), START + timedelta(days=11), 4.7),  # stays firing across the gap
        Episode(START + timedelta(days=13), None, 4.3),
    ]
    assert backtest(r, daily(values), START + timedelta(days=5)) == episodes[1:]


def test_backtest_of_a_milestone_rule_lists_each_announcement() -> None:
    r = rule("total_customers reaches milestone", "Every 50 customers")
    episodes = backtest(r, daily([40, 55, 70, 99, 101, 160]), START)
    assert [(e.fired_at.day, e.peak) for e in episodes] == [(2, 55), (5, 101), (6, 160)]
