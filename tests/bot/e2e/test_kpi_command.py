"""`/kpi` end to end: signed slash commands into the real Bolt app on a real port, via the emulator."""

from __future__ import annotations

import pytest

from kpibot_demo.stack import SandboxStack
from tests.bot.e2e.helpers import all_messages, ask, assert_valid_message, text_of


def test_kpi_mrr_answers_with_a_card_and_its_chart(stack: SandboxStack) -> None:
    [answer] = ask(stack, "mrr")
    assert_valid_message(answer)
    header = answer.blocks[0]["text"]["text"]
    assert header.startswith("Monthly Recurring Revenue · $")
    body = text_of(answer)
    assert "MoM" in body and "Goal" in body and "🎯" in body and "Health" in body and "As of" in body
    images = [b for b in answer.blocks if b["type"] == "image"]
    assert len(images) == 1
    file = stack.emulator.file(images[0]["slack_file"]["id"])
    assert file.content.startswith(b"\x89PNG")
    # the chart was shared privately: into the asker's DM, not the channel
    dm = stack.emulator.im_channel(stack.user("dana"))
    assert dm is not None and file.is_shared_in(dm.id)
    assert not file.is_shared_in(stack.channel("general"))
    assert "<@" in body  # the owner's email was resolved to a mention


@pytest.mark.parametrize("text", ["", "help"])
def test_help(stack: SandboxStack, text: str) -> None:
    [answer] = ask(stack, text)
    assert "/kpi list" in text_of(answer)
    assert_valid_message(answer)


def test_unknown_kpi_suggests_up_to_three(stack: SandboxStack) -> None:
    [answer] = ask(stack, "mmr")
    body = text_of(answer)
    assert "Did you mean" in body and "mrr" in body
    assert_valid_message(answer)


@pytest.mark.parametrize("window", ["30d", "12w", "6m", "1y", "ytd", "all"])
def test_every_window(stack: SandboxStack, window: str) -> None:
    [answer] = ask(stack, f"churn {window}")
    assert_valid_message(answer)
    assert any(b["type"] == "image" for b in answer.blocks)


def test_list_and_list_category(stack: SandboxStack) -> None:
    answers = ask(stack, "list")
    for answer in answers:
        assert_valid_message(answer)
    assert "MRR" in "".join(text_of(a) for a in answers)
    [revenue] = ask(stack, "list revenue")
    assert "MRR" in text_of(revenue) and "Uptime" not in text_of(revenue)


def test_category_shows_compact_cards(stack: SandboxStack) -> None:
    [answer] = ask(stack, "revenue")
    assert_valid_message(answer)
    assert "Annual Recurring Revenue" in text_of(answer) and "Uptime" not in text_of(answer)


def test_dashboard(stack: SandboxStack) -> None:
    [answer] = ask(stack, "dashboard")
    assert_valid_message(answer)
    body = text_of(answer)
    assert "Executive dashboard" in body and "Quick stats" in body
    assert any(b["type"] == "image" for b in answer.blocks)


def test_info_card(stack: SandboxStack) -> None:
    [answer] = ask(stack, "info ltv:cac")
    assert_valid_message(answer)
    body = text_of(answer)
    assert "Definition" in body and "Formula" in body


@pytest.mark.parametrize("text", ["' OR 1=1 --", "x" * 5000, "📈🔥", "info", "mrr 13x", "list nosuch"])
def test_odd_arguments_get_a_helpful_reply(stack: SandboxStack, text: str) -> None:
    [answer] = ask(stack, text)
    body = text_of(answer)
    assert "Traceback" not in body and "Something went wrong" not in body
    assert "/kpi help" in body
    assert_valid_message(answer)


def test_forged_and_stale_requests_get_401_and_change_nothing(stack: SandboxStack) -> None:
    user, channel = stack.user("dana"), stack.channel("general")
    calls_before = len(stack.emulator.calls)
    forged = stack.emulator.send_slash_command("mrr", user=user, channel=channel, forge_signature=True)
    stale = stack.emulator.send_slash_command("mrr", user=user, channel=channel, timestamp_skew=-301)
    assert (forged.status, stale.status) == (401, 401)
    assert len(stack.emulator.calls) == calls_before
    assert stack.emulator.ephemerals(user) == []


def test_share_in_channel_posts_the_card_for_everyone(stack: SandboxStack) -> None:
    [answer] = ask(stack, "churn", user="dana", channel="kpi-alerts")
    share = next(
        e for b in answer.blocks if b["type"] == "actions" for e in b["elements"] if "share" in e["action_id"]
    )
    delivery = stack.emulator.click(
        user=stack.user("dana"),
        channel=stack.channel("kpi-alerts"),
        ts=answer.ts,
        action_id=share["action_id"],
        value=share["value"],
    )
    assert delivery.status == 200
    channel = stack.channel("kpi-alerts")

    def card_with_chart() -> object:
        return next(
            (
                m
                for m in stack.emulator.messages(channel)
                if any(b["type"] == "image" for b in m.blocks or [])
            ),
            None,
        )

    card = stack.emulator.wait_for(card_with_chart, timeout=20)
    assert len(stack.emulator.messages(channel)) == 1  # one card; the chart file sits in its thread
    assert "Churn" in text_of(card) and "Shared by" in text_of(card)
    image = next(b for b in card.blocks if b["type"] == "image")
    assert stack.emulator.file(image["slack_file"]["id"]).is_shared_in(channel)
    for message in all_messages(stack.emulator):
        assert_valid_message(message)


def test_healthz(stack: SandboxStack) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{stack.url}/healthz") as response:
        body = json.loads(response.read())
    assert body["ok"] is True and body["database"] == "ok" and body["kpis"] > 30
