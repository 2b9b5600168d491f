"""The alert block builders: pure functions over IncidentView, validated with slack_sdk's models."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot import actions as ids
from bot.blocks.alert import (
    RESOLVED_COLOR,
    SEVERITY_COLOR,
    IncidentView,
    build_incident_message,
    build_thread_note,
)
from bot.blocks.alert_list import alert_line, build_alert_list, build_group_message

VIEW = IncidentView(
    id=12,
    version=3,
    rule_name="Churn Rate Spike",
    kpi_key="churn_rate",
    kpi_name="Churn Rate",
    severity="critical",
    state="firing",
    summary="Churn Rate is 4.6% (> 4%) for 2 consecutive days",
    value="4.6%",
    threshold="> 4%",
    evaluation="2 consecutive days",
    period="Fri 20 Nov 2026",
    opened="20 Nov 14:00 UTC",
    status="Firing since 20 Nov 14:00 UTC",
    runbook=("Call every churned account", "Check <failed> payments & refunds"),
)


def valid(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    assert 0 < len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    return blocks


def kinds(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["type"] for b in blocks]


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_firing_message_has_everything_and_four_controls() -> None:
    message = build_incident_message(VIEW, mentions=("<!here>",)).as_kwargs()
    blocks = valid(message["blocks"])
    assert kinds(blocks) == ["header", "section", "section", "section", "context", "actions"]
    assert blocks[0]["text"]["text"] == "🔴 Critical · Churn Rate Spike"
    assert blocks[1]["text"]["text"].startswith("<!here> Churn Rate is 4.6% (&gt; 4%)")
    fields = [f["text"] for f in blocks[2]["fields"]]
    assert fields == [
        "*KPI*\nChurn Rate",
        "*Value*\n4.6%",
        "*Alert when*\nvalue &gt; 4%",
        "*Severity*\n🔴 Critical",
        "*Evaluated*\n2 consecutive days",
        "*Period*\nFri 20 Nov 2026",
    ]
    assert blocks[3]["text"]["text"] == (
        "*Runbook*\n☐ Call every churned account\n☐ Check &lt;failed&gt; payments &amp; refunds"
    )
    assert blocks[4]["elements"][0]["text"] == "🔥 Firing since 20 Nov 14:00 UTC · alert #12"
    assert action_ids(blocks) == [
        ids.encode_action_id(k) for k in (ids.ALERT_ACK, ids.ALERT_SNOOZE, ids.ALERT_RESOLVE, ids.VIEW_KPI)
    ]
    ack, snooze, resolve, view = blocks[5]["elements"]
    assert ids.decode_action_id(ack["action_id"], ack["value"]).args == {"id": "12", "v": "3"}
    assert [o["text"]["text"] for o in snooze["options"]] == [
        "1 hour",
        "24 hours",
        "Until tomorrow 09:00",
        "Until it gets worse",
    ]
    assert [json.loads(o["value"])["f"] for o in snooze["options"]] == ["1h", "24h", "tomorrow", "worse"]
    assert resolve["confirm"]["confirm"]["text"] == "Resolve"
    assert json.loads(view["value"]) == {"kpi": "churn_rate"}
    assert (
        message["text"]
        == "<!here> Critical: Churn Rate Spike. Churn Rate is 4.6% (> 4%) for 2 consecutive days"
    )
    assert message["attachments"][0]["color"] == SEVERITY_COLOR["critical"]


def test_an_edit_mentions_nobody() -> None:
    message = build_incident_message(VIEW).as_kwargs()
    assert "<!here>" not in json.dumps(message) and "<@" not in json.dumps(message)


@pytest.mark.parametrize(
    ("state", "status", "controls"),
    [
        (
            "acknowledged",
            "Acknowledged by Rita Revenue at 20 Nov 18:05 UTC",
            [ids.ALERT_SNOOZE, ids.ALERT_RESOLVE],
        ),
        (
            "snoozed",
            "Snoozed by Rita Revenue until it gets worse",
            [ids.ALERT_ACK, ids.ALERT_SNOOZE, ids.ALERT_RESOLVE],
        ),
        ("no_data", "No recent data", [ids.ALERT_ACK, ids.ALERT_SNOOZE, ids.ALERT_RESOLVE]),
    ],
)
def test_the_state_line_and_the_controls_follow_the_state(
    state: str, status: str, controls: list[str]
) -> None:
    blocks = valid(build_incident_message(replace(VIEW, state=state, status=status)).as_kwargs()["blocks"])
    assert status in blocks[-2]["elements"][0]["text"]
    assert action_ids(blocks) == [ids.encode_action_id(k) for k in (*controls, ids.VIEW_KPI)]


def test_resolved_keeps_the_facts_and_drops_the_buttons() -> None:
    resolved = replace(VIEW, state="resolved", status="Resolved automatically at 21 Nov 02:07 UTC")
    message = build_incident_message(resolved).as_kwargs()
    blocks = valid(message["blocks"])
    assert blocks[0]["text"]["text"] == "✅ Resolved · Churn Rate Spike"
    assert "actions" not in kinds(blocks)
    assert message["attachments"][0]["color"] == RESOLVED_COLOR
    assert message["text"].startswith("Resolved: Churn Rate Spike.")


def test_banner_and_reopen_count() -> None:
    view = replace(VIEW, banner="⏫ *Escalated to you*: nobody acknowledged this alert in time.", reopened=2)
    blocks = valid(build_incident_message(view).as_kwargs()["blocks"])
    assert blocks[1]["text"]["text"].startswith("⏫ *Escalated to you*")
    assert "re-opened 2×" in blocks[-2]["elements"][0]["text"]


@pytest.mark.parametrize("severity", ["critical", "warning", "info"])
def test_every_severity_has_a_colour_and_an_emoji(severity: str) -> None:
    message = build_incident_message(replace(VIEW, severity=severity)).as_kwargs()
    valid(message["blocks"])
    assert message["attachments"][0]["color"] == SEVERITY_COLOR[severity]
    assert message["blocks"][0]["text"]["text"].endswith(f"{severity.capitalize()} · Churn Rate Spike")


def test_long_texts_are_clipped_to_slack_limits() -> None:
    view = replace(
        VIEW, rule_name="R" * 400, summary="s" * 5000, runbook=tuple("step " * 200 for _ in range(30))
    )
    message = build_incident_message(view).as_kwargs()
    valid(message["blocks"])
    assert len(message["text"]) <= 3000


def test_thread_notes_ping_only_when_told() -> None:
    quiet = build_thread_note("acknowledged", view=VIEW, detail="Acknowledged by Rita Revenue at 18:05 UTC.")
    assert quiet.text == "👀 Acknowledged by Rita Revenue at 18:05 UTC."
    valid([b.to_dict() for b in quiet.blocks])
    loud = build_thread_note("repeat", view=VIEW, mentions=("<!here>",))
    assert loud.text.startswith("<!here> 🔁 Still critical, not acknowledged yet: Churn Rate is 4.6%")


def test_alert_list_has_unique_action_ids_and_splits_past_fifty_blocks() -> None:
    views = [replace(VIEW, id=n, rule_name=f"Rule {n}") for n in range(1, 31)]
    messages = build_alert_list(views)
    assert len(messages) == 2
    for message in messages:
        blocks = valid([b.to_dict() for b in message.blocks])
        found = action_ids(blocks)
        assert len(found) == len(set(found))
    first = [b.to_dict() for b in messages[0].blocks]
    assert first[0]["text"]["text"] == "🚨 Open alerts (30)"
    assert ids.encode_action_id(ids.ALERT_ACK, discriminator="1") in action_ids(first)


def test_no_open_alerts_and_the_dashboard_line() -> None:
    [empty] = build_alert_list([])
    assert empty.text == "✅ No open alerts."
    assert alert_line(VIEW) == "🔴 *Churn Rate Spike*: Churn Rate is 4.6% (&gt; 4%) for 2 consecutive days"
    acked = replace(VIEW, state="acknowledged", status="Acknowledged by Rita Revenue at 20 Nov 18:05 UTC")
    assert alert_line(acked).endswith("· 👀 Acknowledged by Rita Revenue at 20 Nov 18:05 UTC")


def test_a_storm_shares_one_message_with_buttons_per_incident() -> None:
    views = [replace(VIEW, id=n, severity="warning" if n % 3 else "critical") for n in range(1, 16)]
    views[4] = replace(views[4], state="resolved", status="Resolved automatically at 15:00 UTC")
    message = build_group_message(views, mentions=("<!here>",)).as_kwargs()
    blocks = valid(message["blocks"])
    assert blocks[0]["text"]["text"] == "🚨 15 alerts at once: 5 critical, 9 warning (1 resolved)"
    assert blocks[1]["text"]["text"] == "<!here>"
    found = action_ids(blocks)
    assert len(found) == len(set(found)) == 14 * 4  # no buttons on the resolved one
    assert ids.encode_action_id(ids.ALERT_ACK, discriminator="5") not in found
    assert message["attachments"][0]["color"] == SEVERITY_COLOR["critical"]
    assert message["text"].startswith("<!here> 🚨 15 alerts at once")
    done = [replace(v, state="resolved") for v in views]
    closed = build_group_message(done).as_kwargs()
    assert closed["blocks"][0]["text"]["text"] == "✅ 15 alerts, all resolved"
    assert closed["attachments"][0]["color"] == RESOLVED_COLOR and "<!here>" not in closed["text"]
