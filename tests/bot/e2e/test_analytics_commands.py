"""`/kpi cohorts`, `/kpi at-risk`, `/kpi health`, `/kpi stage` and `/kpi dashboard sales` end to end: signed
slash commands into the real Bolt app on a real port, the demo warehouse behind it, the emulator recording."""

from __future__ import annotations

import re

import pytest

from kpibot_demo.stack import SandboxStack
from tests.bot.e2e.helpers import ask, assert_valid_message, text_of


@pytest.mark.parametrize(
    ("kind", "title"),
    [("", "Retention cohorts"), ("revenue", "Revenue cohorts"), ("adoption", "Feature adoption cohorts")],
)
def test_cohorts_answer_with_the_heatmap_and_insights(stack: SandboxStack, kind: str, title: str) -> None:
    [answer] = ask(stack, f"cohorts {kind}".strip())
    assert_valid_message(answer)
    assert answer.blocks[0]["text"]["text"].endswith(title)
    body = text_of(answer)
    assert "Insights" in body and "not over yet" in body
    [image] = [b for b in answer.blocks if b["type"] == "image"]
    file = stack.emulator.file(image["slack_file"]["id"])
    assert file.content.startswith(b"\x89PNG")
    assert not file.is_shared_in(stack.channel("general"))  # shared privately, like every /kpi chart
    if kind == "revenue":
        assert "Target NRR: 115% by Month 12" in body
    if kind == "":
        assert "Target: 95% Month 1, 85% Month 3, 75% Month 6" in body


def test_cohorts_with_an_unknown_table(stack: SandboxStack) -> None:
    [answer] = ask(stack, "cohorts <!channel>")
    assert "/kpi cohorts retention" in text_of(answer) and "<!channel>" not in text_of(answer)


def test_at_risk_lists_accounts_only_to_the_asker(stack: SandboxStack) -> None:
    answers = ask(stack, "at-risk")
    [answer] = answers
    assert_valid_message(answer)
    body = text_of(answer)
    assert answer.blocks[0]["text"]["text"] == "⚠️ Accounts at risk of churning"
    assert "Only you can see this" in body and "(AUC) 0." in body
    assert "MEDIUM" in body or "HIGH" in body
    assert "why:" in body and "➡️" in body and "typical" in body
    assert "Share in channel" not in str(answer.blocks)
    assert "Customer segments" in body and "Cannot Lose Them" in body and "Champions" in body
    # an ephemeral answer: nothing was posted in the channel
    assert not stack.emulator.messages(stack.channel("general"))


def test_health_gives_one_score_with_categories_and_drags(stack: SandboxStack) -> None:
    [answer] = ask(stack, "health")
    assert_valid_message(answer)
    body = text_of(answer)
    assert "Overall health:" in body and "/100)" in body
    assert any(band in body for band in ("EXCELLENT", "GOOD", "FAIR", "POOR"))
    assert "What pulls it down" in body and body.count("points (") == 3
    assert "Revenue" in body
    [image] = [b for b in answer.blocks if b["type"] == "image"]
    assert stack.emulator.file(image["slack_file"]["id"]).content.startswith(b"\x89PNG")


def test_stage_shows_each_criterion(stack: SandboxStack) -> None:
    [answer] = ask(stack, "stage")
    assert_valid_message(answer)
    body = text_of(answer)
    assert answer.blocks[0]["text"]["text"] == "🎯 Stage 2 of 3: Scaling Growth"
    assert "Total Customers ≥ 300 · now" in body and "Top 5 mid-market BI solution · not measured" in body
    assert "next: Market Leadership" in body


def test_dashboard_for_sales(stack: SandboxStack) -> None:
    [answer] = ask(stack, "dashboard sales")
    assert_valid_message(answer)
    body = text_of(answer)
    assert answer.blocks[0]["text"]["text"] == "📊 Sales dashboard"
    assert "For Head of Sales" in body and "Trial Signups" in body and "Quick stats" in body
    assert any(b["type"] == "image" for b in answer.blocks)
    [unknown] = ask(stack, "dashboard marketing")
    assert "/kpi dashboard sales" in text_of(unknown)
    [default] = ask(stack, "dashboard")
    assert default.blocks[0]["text"]["text"] == "📊 Executive dashboard"
    # both dashboards carry the same one-line company health score as `/kpi health`
    [health] = ask(stack, "health")
    overall = re.search(r"\*Overall health:\* (\S+ \*[A-Z]+\* \(\d+/100\))", text_of(health))
    assert overall is not None
    for board in (answer, default):
        line = board.blocks[2]["elements"][0]["text"]
        assert line.startswith(f"🩺 Overall health: {overall.group(1)} · pulled down by: ")
