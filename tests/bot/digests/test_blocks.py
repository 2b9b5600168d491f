"""The digest's Block Kit: one message when it fits, overflow in its thread, every block valid."""

from __future__ import annotations

import re
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.blocks.digest import CONTINUED, ChartSlot, DigestMessages, build_digest_messages
from bot.blocks.digest_text import kpi_row, mover_text
from bot.blocks.health_line import health_line
from bot.blocks.primitives import Message
from tests.bot.digests.factories import KPIS, make_content, many_kpis


def texts(node: Any) -> list[str]:
    """Every `text` string inside a block's JSON."""
    if isinstance(node, dict):
        return [t for k, v in node.items() for t in ([v] if k == "text" and isinstance(v, str) else texts(v))]
    if isinstance(node, list):
        return [t for item in node for t in texts(item)]
    return []


def flat(message: Message) -> str:
    """Every text of a message, no-break spaces as plain spaces (they only keep phrases together)."""
    parts = [message.text, *texts([block.to_dict() for block in message.blocks])]
    return "\n".join(parts).replace("\u00a0", " ")


def assert_valid(messages: DigestMessages) -> None:
    for message in messages.all:
        assert message.text
        assert 0 < len(message.blocks) <= 50
        for block in message.blocks:
            data = block.to_dict()
            Block.parse(data).validate_json()  # type: ignore[union-attr]
            assert all(len(text) <= 3000 for text in texts(data))


def test_daily_digest_is_one_valid_message_with_header_period_and_timezone() -> None:
    messages = build_digest_messages(make_content(), charts={1: ChartSlot(file_id="F123", alt_text="DAU")})
    assert_valid(messages)
    assert messages.thread == ()
    head = messages.main.blocks[0].to_dict()
    assert head["type"] == "header"
    assert head["text"]["text"] == "📊 Daily KPIs · Monday 16 Nov 2026 (Europe/Berlin)"
    assert messages.main.text.startswith(
        "Daily KPIs · Monday 16 Nov 2026 (Europe/Berlin): Daily Active Users 1,074"
    )
    images = [b.to_dict() for b in messages.main.blocks if b.type == "image"]
    assert images == [
        {
            "type": "image",
            "slack_file": {"id": "F123"},
            "alt_text": "DAU",
            "title": {"type": "plain_text", "text": "📈 Trends"},
        }
    ]


def test_sections_follow_the_configured_order() -> None:
    text = flat(build_digest_messages(make_content(), charts={1: ChartSlot(file_id="F1")}).main)
    markers = [
        "*Daily Active Users*\n",
        "📈 Trends",
        "📋 All KPIs",
        "🚨 Open alerts",
        "🚩 Red flags",
        "⭐ North star",
    ]
    positions = [text.index(marker) for marker in markers]
    assert positions == sorted(positions)


def test_late_digest_says_so_and_when_it_was_due() -> None:
    main = build_digest_messages(make_content(late=True)).main
    assert main.blocks[0].to_dict()["text"]["text"].endswith("(Europe/Berlin) · late")
    assert "⏰ *Posted late*: it was due Tue 17 Nov 09:00 CET" in flat(main)
    assert "(late)" in main.text


def test_a_source_error_shows_no_data_and_the_rest_is_posted() -> None:
    text = flat(build_digest_messages(make_content()).main)
    assert "*Broken Feed*\n_no data (source error)_" in text  # headline field
    assert "⚪ Broken Feed _no data (source error)_" in text  # table row
    assert "⚠️ No data: Broken Feed (source error)" in text  # footer
    # MRR has no thresholds: no colour; its goal standing in words
    assert "MRR *$18,200*\n\u2003\u2002↑ 1.1% MoM · 🎯 behind target: 91% of ≥ $20K" in text


def test_daily_rows_compare_with_yesterday_and_the_same_day_last_week() -> None:
    content = make_content()
    dau = next(line for line in content.lines() if line.key == "dau")
    row = kpi_row(dau, daily=True).replace("\u00a0", " ")
    goal = "🎯 target met: 107% of ≥ 1,000"
    assert row == f"Daily Active Users *1,074*\n\u2003\u2002↑ 6.1% DoD · ↑ 1.3% WoW · {goal}"
    assert kpi_row(dau).replace("\u00a0", " ") == f"Daily Active Users *1,074* ↑ 6.1% DoD · {goal}"


def test_weekly_rows_mark_averages_and_have_one_change() -> None:
    content = make_content(
        schedule="weekly on monday at 09:00", name="weekly", sections=[{"table": ["growth"]}]
    )
    text = flat(build_digest_messages(content).main)
    assert "Week 46 · 9–15 Nov 2026 (Europe/Berlin)" in text
    assert re.search(r"Daily Active Users \*[\d,]+\* avg ↑ [\d.]+% WoW", text)
    assert "Compared with the week before (WoW)" in text


def test_movers_are_direction_aware() -> None:
    content = make_content()
    movers = next(s for s in content.sections if s.kind == "movers")
    assert [mover_text(m).replace("\u00a0", " ") for m in movers.red_flags] == [
        "Churn rose to *4.6%* (+1.2 pts MoM)"
    ]
    assert "CAC fell to *$800* (−20% MoM)" in [mover_text(m).replace("\u00a0", " ") for m in movers.wins]
    text = flat(build_digest_messages(content).main)
    assert (
        text.index("🚩 Red flags")
        < text.index("Churn rose")
        < text.index("🏆 Recent wins")
        < text.index("CAC fell")
    )


def test_alerts_most_severe_first_with_the_rest_counted() -> None:
    text = flat(build_digest_messages(make_content()).main)
    assert "🔴 *Uptime below 99.9%* · since Mon 16 Nov 04:00" in text
    assert text.index("Uptime below") < text.index("CAC increased")
    assert "…and 1 more: `/kpi alerts`" in text
    assert "✅ No open alerts" in flat(build_digest_messages(make_content(alerts=())).main)


def test_north_star_with_its_target_progression() -> None:
    text = flat(build_digest_messages(make_content()).main)
    # a monthly flow on 16 November: October is its headline, November only "to date"
    assert "MABV: *170K*  ↑ 13% MoM" in text and "MABV: *180K*" not in text
    assert "🎯 on pace: 150K expected by 31 Oct, ≥ 200K by 31 Dec 2026" in text
    assert "_November to date (16 of 30 days): 180K · 106% of October · on pace for 338K" in text
    assert "▰▰▰▰▰▰▰▰▱▱ 85% of *200K* by 31 Dec 2026" in text
    assert "Milestones: ✅ 50K Jun 2026   ⬜ 200K Dec 2026   ⬜ 800K Dec 2027" in text


@pytest.mark.parametrize(
    ("slot", "expected"),
    [
        (None, None),
        (ChartSlot(note="the chart could not be uploaded"), "📈 Trends: the chart could not be uploaded"),
    ],
)
def test_chart_place_without_an_image(slot: ChartSlot | None, expected: str | None) -> None:
    main = build_digest_messages(make_content(), charts={1: slot} if slot else {}).main
    assert not any(block.type == "image" for block in main.blocks)
    if expected:
        assert expected in flat(main)


def test_overflow_goes_into_the_thread_and_nothing_is_lost() -> None:
    kpis, snapshots = many_kpis(300, categories=40)
    content = make_content(
        kpis={**KPIS, **kpis},
        snapshots=snapshots,
        sections=[{"headline": ["k000", "k001"]}, "table", "alerts"],
    )
    messages = build_digest_messages(content)
    assert_valid(messages)
    assert messages.thread, "300 KPIs in 40 categories cannot fit one message"
    assert messages.main.blocks[0].type == "header"
    assert CONTINUED in flat(messages.main)
    assert [m.text.split(" (continued ")[1] for m in messages.thread] == [
        f"{n}/{len(messages.thread)})" for n in range(1, len(messages.thread) + 1)
    ]
    everything = "\n".join(flat(m) for m in messages.all)
    assert content.header.health is not None
    health = health_line(content.header.health)  # its drags name KPIs too; it is in the main message
    assert health in flat(messages.main)
    everything = everything.replace(health, "")
    for index in range(300):
        assert everything.count(f"Metric number {index:03d} with") == 1 + 2 * (
            index < 2
        )  # + headline field and fallback text
    assert "…" not in everything  # split, never clipped
    assert everything.index("🚨 Open alerts") > everything.index("Metric number 299")  # order kept


def test_one_huge_category_is_split_into_sections_under_3000_characters() -> None:
    kpis, snapshots = many_kpis(120, categories=1)
    content = make_content(kpis=kpis, snapshots=snapshots, sections=["table"])
    messages = build_digest_messages(content)
    assert_valid(messages)
    texts = [b.to_dict()["text"]["text"] for b in messages.main.blocks if b.type == "section"]
    assert len(texts) >= 3 and all(len(t) <= 3000 for t in texts)
    assert sum(t.count("Metric number") for t in texts) == 120
