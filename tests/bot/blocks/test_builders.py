"""The block builders: pure functions from snapshots to messages that Slack accepts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from slack_sdk.models.blocks import Block

from bot.blocks.catalog import build_error, build_help, build_info_card, build_kpi_list, describe_source
from bot.blocks.dashboard import build_dashboard
from bot.blocks.kpi_card import build_category_cards, build_kpi_card, change_text
from bot.blocks.primitives import MAX_BLOCKS, Message
from kpi_core.config.models import KpiDefinition
from kpi_core.evaluation import compute_snapshot
from kpi_core.snapshot import KpiSnapshot

NOW = datetime(2026, 11, 20, 14, tzinfo=UTC)


def kpi(key: str = "mrr", **overrides: object) -> KpiDefinition:
    fields: dict[str, object] = {
        "key": key,
        "name": key.upper(),
        "unit": "USD",
        "grain": "monthly",
        "target": 500_000,
        "owner": "cfo@northwind.example",
        "thresholds": {"warning": 400_000, "critical": 300_000},
        "measure": "level",  # MRR: a balance, this month's value is current
    }
    fields.update(overrides)
    return KpiDefinition.model_validate(fields)


def snapshot(definition: KpiDefinition, values: list[float | None]) -> KpiSnapshot:
    observations = [(date(2026, m + 1, 1), v) for m, v in enumerate(values) if v is not None]
    return compute_snapshot(definition, observations, at=date(2026, 11, 20), now=NOW, recorded_at=NOW)


def assert_valid(message: Message) -> None:
    payload = message.as_kwargs()
    assert payload["text"]
    assert len(payload["blocks"]) <= MAX_BLOCKS
    for block in payload["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]


def test_card_puts_the_value_in_the_header_and_colours_the_change_by_direction() -> None:
    growing = snapshot(kpi(), [300_000 + 15_000 * m for m in range(11)])
    card = build_kpi_card(growing, timezone="Europe/Berlin", owners=["<@U1>"], chart_file_id="F1")
    assert_valid(card)
    blocks = card.as_kwargs()["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "MRR · $450,000", "emoji": True},
    }
    # words say good or bad; colours are kept for health
    assert blocks[1]["fields"][0]["text"] == "*Change*\n↑ 3.4% MoM · better"
    assert blocks[2] == {"type": "image", "slack_file": {"id": "F1"}, "alt_text": "MRR"}
    assert "Owner: <@U1>" in str(blocks[3])

    churn = kpi(
        "churn", unit="percent", direction="lower", target=2, thresholds={"warning": 3, "critical": 4}
    )
    worse = snapshot(churn, [2.5, 2.6, 3.1])
    assert change_text(worse.change, "percent") == "↑ 0.5 pts MoM · worse"


def test_card_without_data_or_chart_still_explains_itself() -> None:
    empty = snapshot(kpi(), [])
    card = build_kpi_card(empty, timezone="UTC")
    assert_valid(card)
    assert "No data" in card.text
    assert not any(b["type"] == "image" for b in card.as_kwargs()["blocks"])


def test_stale_data_is_flagged() -> None:
    old = compute_snapshot(kpi(), [(date(2026, 5, 1), 400_000)], at=date(2026, 11, 20), now=NOW)
    card = build_kpi_card(old, timezone="UTC")
    assert "Stale" in str(card.as_kwargs()["blocks"])


def test_a_list_of_80_kpis_splits_into_valid_messages() -> None:
    groups = {
        f"category {c}": [
            snapshot(kpi(f"kpi_{c}_{i}", name=f"KPI {c}-{i} " + "x" * 40), [1.0, 2.0]) for i in range(10)
        ]
        for c in range(8)
    }
    messages = build_kpi_list(groups)
    assert sum(str(m.as_kwargs()).count("KPI ") for m in messages) >= 80
    for message in messages:
        assert_valid(message)
        for block in message.as_kwargs()["blocks"]:
            assert len(block.get("text", {}).get("text", "")) <= 3000


def test_category_cards_dashboard_help_error_and_info_are_valid() -> None:
    snaps = [snapshot(kpi(f"k{i}"), [100.0, 110.0]) for i in range(60)]
    assert_valid(build_category_cards("revenue", snaps))
    assert_valid(
        build_dashboard(headline=snaps[:3], quick_stats=snaps[3:6], alerts=["🔴 churn"] * 12, updated="now")
    )
    assert_valid(build_help(["revenue", "growth"]))
    error = build_error("I don't know a KPI called “x”.", suggestions=["mrr", "arr"])
    assert_valid(error)
    assert "Did you mean" in error.text
    ltv = kpi(
        "ltv",
        source={"formula": "arpu / (monthly_churn_rate / 100)"},
        target={"2026-06-30": 1, "2026-12-31": 2},
        measure=None,
    )
    info = build_info_card(ltv, owners=["<@U1>"], source=describe_source(ltv))
    assert_valid(info)
    assert "Target timeline" in str(info.as_kwargs()["blocks"])
    assert "a rate over each month" in str(info.as_kwargs()["blocks"])  # a formula: a rate by default
    balance = build_info_card(kpi(measure="level"), owners=[], source="s")
    assert "a balance at a point in time" in str(balance.as_kwargs()["blocks"])


@pytest.mark.parametrize("length", [10, 2999, 3000, 3001, 10_000])
def test_long_texts_are_clipped_to_slacks_limits(length: int) -> None:
    long_name = kpi(definition="d" * length, why="w" * length)
    assert_valid(build_info_card(long_name, owners=[], source="s" * length))
