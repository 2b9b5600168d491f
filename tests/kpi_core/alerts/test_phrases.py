from __future__ import annotations

from datetime import timedelta

import pytest

from kpi_core.alerts.phrases import (
    Condition,
    EvaluationSpec,
    PhraseError,
    Span,
    parse_condition,
    parse_span,
    parse_threshold,
    parse_value,
)
from kpi_core.alerts.units import convert_value, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monthly_churn_rate > 4%", Condition("monthly_churn_rate", ">", 4.0, "percent")),
        ("trial_to_paid_rate < 15%", Condition("trial_to_paid_rate", "<", 15.0, "percent")),
        ("mrr_growth_rate < 8%", Condition("mrr_growth_rate", "<", 8.0, "percent")),
        ("uptime < 99%", Condition("uptime", "<", 99.0, "percent")),
        ("avg_page_load_time > 5 seconds", Condition("avg_page_load_time", ">", 5.0, "seconds")),
        ("nps_score < 45", Condition("nps_score", "<", 45.0, None)),
        ("support_tickets_per_100_customers > 35", Condition("support_tickets_per_100_customers", ">", 35.0)),
        ("feature_adoption_rate > target", Condition("feature_adoption_rate", ">", None, target=True)),
        (
            "total_customers reaches milestone",
            Condition("total_customers", ">=", None, milestone=True, edge=True),
        ),
        ("total_customers reaches 1,000", Condition("total_customers", ">=", 1000.0, edge=True)),
        ("churn >= 4.5%", Condition("churn", ">=", 4.5, "percent")),
        ("churn <= 2", Condition("churn", "<=", 2.0)),
        ("churn == 0", Condition("churn", "==", 0.0)),
        ("churn = 0", Condition("churn", "==", 0.0)),
        ("churn != 0", Condition("churn", "!=", 0.0)),
        ("Monthly Churn Rate>4%", Condition("Monthly Churn Rate", ">", 4.0, "percent")),
        ("avg_page_load_time > 500 ms", Condition("avg_page_load_time", ">", 500.0, "ms")),
        ("mrr < $50K", Condition("mrr", "<", 50_000.0, "USD")),
        ("arr < €1.2M", Condition("arr", "<", 1_200_000.0, "EUR")),
        ("arr < 1200000 EUR", Condition("arr", "<", 1_200_000.0, "EUR")),
        ("churn > -0.5 pts", Condition("churn", ">", -0.5, "points")),
    ],
)
def test_condition_phrases(text: str, expected: Condition) -> None:
    assert parse_condition(text) == expected


@pytest.mark.parametrize(
    "text",
    ["monthly_churn_rate is high", "> 4%", "churn > four", "churn > 4 parsecs", "churn reaches", "churn"],
)
def test_unreadable_conditions_list_the_accepted_forms(text: str) -> None:
    with pytest.raises(PhraseError) as error:
        parse_condition(text)
    message = str(error.value)
    assert repr(text) in message
    assert "'monthly_churn_rate > 4%'" in message and "reaches milestone" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 consecutive days", EvaluationSpec(for_=Span(2, "day"))),
        ("7 day rolling average", EvaluationSpec(aggregate="avg", window=Span(7, "day"))),
        ("2 consecutive months", EvaluationSpec(for_=Span(2, "month"))),
        ("Any 1-hour period", EvaluationSpec(for_=Span(1, "hour"))),
        ("30 minute average", EvaluationSpec(aggregate="avg", window=Span(30, "minute"))),
        ("Weekly average", EvaluationSpec(aggregate="avg", window=Span(1, "week"))),
        ("Monthly survey results", EvaluationSpec()),
        ("Monthly measurement", EvaluationSpec()),
        ("Every 50 customers", EvaluationSpec(step=50.0)),
        ("every 1,000 users", EvaluationSpec(step=1000.0)),
        ("3 consecutive periods", EvaluationSpec(for_=Span(3, "period"))),
        ("two consecutive weeks", EvaluationSpec(for_=Span(2, "week"))),
        ("3 days in a row", EvaluationSpec(for_=Span(3, "day"))),
        ("for 2 days", EvaluationSpec(for_=Span(2, "day"))),
        ("14-day average", EvaluationSpec(aggregate="avg", window=Span(14, "day"))),
        ("rolling 4 week average", EvaluationSpec(aggregate="avg", window=Span(4, "week"))),
        ("7 day minimum", EvaluationSpec(aggregate="min", window=Span(7, "day"))),
        ("Monthly maximum", EvaluationSpec(aggregate="max", window=Span(1, "month"))),
        ("latest value", EvaluationSpec()),
        ("immediately", EvaluationSpec()),
        (None, EvaluationSpec()),
    ],
)
def test_threshold_phrases(text: str | None, expected: EvaluationSpec) -> None:
    assert parse_threshold(text) == expected


@pytest.mark.parametrize(
    "text", ["sometimes", "2 consecutive fortnights", "0 consecutive days", "Every 0 customers"]
)
def test_unreadable_thresholds_list_the_accepted_forms(text: str) -> None:
    with pytest.raises(PhraseError) as error:
        parse_threshold(text)
    assert "'N consecutive days|weeks|months|periods'" in str(error.value)
    assert "'Every N <things>'" in str(error.value)


@pytest.mark.parametrize(
    ("span", "grain", "periods", "noted"),
    [
        (Span(2, "day"), "daily", 2, False),
        (Span(7, "day"), "daily", 7, False),
        (Span(1, "week"), "daily", 7, False),
        (Span(2, "month"), "monthly", 2, False),
        (Span(2, "month"), "daily", 60, False),
        (Span(1, "hour"), "daily", 1, True),  # sub-daily: the latest daily observation, with a note
        (Span(30, "minute"), "daily", 1, True),
        (Span(2, "day"), "monthly", 1, True),
        (Span(45, "day"), "monthly", 2, False),
        (Span(3, "period"), "weekly", 3, False),
    ],
)
def test_spans_become_periods_of_the_kpi_grain(span: Span, grain: str, periods: int, noted: bool) -> None:
    count, note = span.periods(grain)
    assert count == periods
    assert (note is not None) == noted
    if noted:
        assert "evaluated on the latest observation" in str(note)


@pytest.mark.parametrize(
    ("value", "unit", "kpi_unit", "expected"),
    [
        (5, "seconds", "seconds", 5),
        (5, "seconds", "minutes", 5 / 60),
        (500, "ms", "seconds", 0.5),
        (2, "hours", "minutes", 120),
        (4, "percent", "percent", 4),
        (4, None, "count", 4),
        (0.5, "points", "percent", 0.5),
        (50_000, "USD", "USD", 50_000),
    ],
)
def test_values_convert_to_the_kpi_unit(
    value: float, unit: str | None, kpi_unit: str, expected: float
) -> None:
    assert convert_value(value, unit, kpi_unit) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("unit", "kpi_unit", "says"),
    [("percent", "count", "a percentage"), ("seconds", "percent", "a time"), ("USD", "EUR", "USD")],
)
def test_incomparable_units_are_errors(unit: str, kpi_unit: str, says: str) -> None:
    with pytest.raises(PhraseError, match=says):
        convert_value(1, unit, kpi_unit)


def test_values_and_spans_and_durations() -> None:
    assert parse_value("1,250.5") == (1250.5, None)
    assert parse_value("$1.2M") == (1_200_000.0, "USD")
    assert parse_span(7) == Span(7, "period")
    assert parse_span("2 weeks") == Span(2, "week")
    assert parse_duration("4h") == timedelta(hours=4)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("90 minutes") == timedelta(minutes=90)
    assert parse_duration(30) == timedelta(minutes=30)
    with pytest.raises(PhraseError):
        parse_duration("soon")
    with pytest.raises(PhraseError):
        parse_span(0)
