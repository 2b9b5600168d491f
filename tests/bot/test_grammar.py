from __future__ import annotations

import pytest

from bot.grammar import CommandError, KpiRequest, parse_command


@pytest.mark.parametrize(
    ("text", "verb", "subject", "window"),
    [
        ("", "help", "", None),
        ("   ", "help", "", None),
        ("help", "help", "", None),
        ("HELP", "help", "", None),
        ("mrr", "show", "mrr", None),
        ("MRR 6m", "show", "MRR", "6m"),
        ("ltv:cac 1y", "show", "ltv:cac", "1y"),
        ("gross margin ytd", "show", "gross margin", "ytd"),
        ("churn   ALL", "show", "churn", "all"),
        ("list", "list", "", None),
        ("list revenue", "list", "revenue", None),
        ("revenue", "show", "revenue", None),
        ("dashboard", "dashboard", "", None),
        ("info mrr", "info", "mrr", None),
        ("alerts", "alerts", "", None),
        ("ack 42", "ack", "42", None),
        ("' OR 1=1 --", "show", "' OR 1=1 --", None),
        ("📈 mrr", "show", "📈 mrr", None),
    ],
)
def test_parse_command(text: str, verb: str, subject: str, window: str | None) -> None:
    request = parse_command(text)
    assert (request.verb, request.subject) == (verb, subject)
    assert (request.window.spec if request.window else None) == window


def test_a_bad_window_explains_the_valid_ones() -> None:
    with pytest.raises(CommandError) as error:
        parse_command("mrr 13x")
    assert "30d" in error.value.message


@pytest.mark.parametrize("text", ["info", "ack"])
def test_verbs_that_need_a_subject_say_so(text: str) -> None:
    with pytest.raises(CommandError, match=f"/kpi {text}"):
        parse_command(text)


def test_five_thousand_characters_get_a_polite_refusal() -> None:
    with pytest.raises(CommandError, match="5,000 characters"):
        parse_command("x" * 5000)


def test_request_is_frozen() -> None:
    request = KpiRequest("help")
    with pytest.raises(AttributeError):
        request.verb = "list"  # type: ignore[misc]


def test_forecast_with_and_without_a_horizon() -> None:
    assert parse_command("forecast mrr") == KpiRequest("forecast", "mrr")
    assert parse_command("forecast daily active users 30") == KpiRequest(
        "forecast", "daily active users", horizon=30
    )
    with pytest.raises(CommandError, match="needs a KPI"):
        parse_command("forecast")
    with pytest.raises(CommandError, match="1 to 120 periods"):
        parse_command("forecast mrr 0")
