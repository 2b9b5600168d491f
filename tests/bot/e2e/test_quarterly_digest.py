"""The Quarterly Strategic Review of the demo config end to end: posted once for the quarter that ended,
with its chart, in both board channels, and not again on the next tick."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.background import build_background
from kpi_core.clock import ManualClock
from kpibot_demo.stack import SandboxStack
from tests.bot.e2e.helpers import assert_valid_message, text_of

QUARTERLY_FIRE = datetime(2027, 1, 1, 14, tzinfo=UTC)  # 1 Jan 2027 09:00 in America/New_York


def test_quarterly_strategic_review_is_posted_once(stack: SandboxStack, clock: ManualClock) -> None:
    clock.set(QUARTERLY_FIRE)
    jobs = build_background(stack.runtime, client=stack.app.client, answers=None, ops_channel="#kpi-ops")
    outcomes = {r.digest: r.outcome for r in jobs.tick()}
    assert outcomes["quarterly"] == "posted"
    for channel in ("kpi-board", "exec"):
        reviews = [
            m
            for m in stack.emulator.messages(channel)
            if m.via != "files.completeUploadExternal" and "Quarterly strategic review" in m.text
        ]
        [review] = reviews
        assert_valid_message(review)
        assert review.blocks[0]["text"]["text"].startswith("📊 Quarterly strategic review · Q4 2026")
        body = text_of(review)
        assert (
            "Business performance vs targets" in body and "Red flags and recent wins of the quarter" in body
        )
        assert any(block["type"] == "image" for block in review.blocks)
    assert {r.digest: r.outcome for r in jobs.tick()}.get("quarterly") != "posted"  # exactly once
