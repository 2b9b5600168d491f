"""The monthly board report's cohort section end to end: the demo config's `- cohorts: retention` posts the
retention heatmap (a second image next to the trend chart, through the same recorded upload steps) with its
insight lines, in both board channels, exactly once, and not again on the next tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.background import build_background
from kpi_core.clock import ManualClock
from kpibot_demo.stack import SandboxStack
from tests.bot.e2e.helpers import assert_valid_message, text_of

MONTHLY_FIRE = datetime(2026, 12, 1, 13, tzinfo=UTC)  # Tuesday 1 Dec 08:00 in America/New_York
HEATMAP = "monthly-2026-11-retention-cohorts.png"


def images(message: Any) -> dict[str, str]:
    """Image title -> file id."""
    return {b["title"]["text"]: b["slack_file"]["id"] for b in message.blocks if b["type"] == "image"}


def test_the_monthly_board_report_posts_its_cohort_heatmap_once(
    stack: SandboxStack, clock: ManualClock
) -> None:
    clock.set(MONTHLY_FIRE)
    jobs = build_background(stack.runtime, client=stack.app.client, answers=None, ops_channel="#kpi-ops")
    assert {r.digest: r.outcome for r in jobs.tick()}["monthly"] == "posted"
    heatmaps = set()
    for channel in ("kpi-board", "exec"):
        [report] = [m for m in stack.emulator.messages(channel) if m.via != "files.completeUploadExternal"]
        assert_valid_message(report)
        shown = images(report)
        assert set(shown) == {"📈 Twelve months", "🧮 Retention cohorts"}
        file = stack.emulator.file(shown["🧮 Retention cohorts"])
        assert file.content.startswith(b"\x89PNG") and file.is_shared_in(stack.channel(channel))
        assert file.name == HEATMAP  # how a resumed run recognises an upload whose answer was lost
        heatmaps.add(shown["🧮 Retention cohorts"])
        # each image uploaded exactly once, into the report's thread
        shares = [f for r in report.replies if r.via == "files.completeUploadExternal" for f in r.files]
        assert sorted(shares) == sorted(shown.values())
        body = text_of(report)
        assert "Insights" in body and "Month 1 retention" in body
        assert "Complete months to 30 Nov 2026; blank cells are not over yet." in body
        # the heatmap comes after the customers table, as configured
        assert body.index("Customers and retention") < body.index("Month 1 retention")
    assert len(heatmaps) == 2  # one file per channel, each shared where it is shown
    clock.set(MONTHLY_FIRE + timedelta(minutes=10))
    assert {r.digest: r.outcome for r in jobs.tick()}.get("monthly") != "posted"
    for channel in ("kpi-board", "exec"):
        [report] = [m for m in stack.emulator.messages(channel) if m.via != "files.completeUploadExternal"]
        shares = [f for r in report.replies if r.via == "files.completeUploadExternal" for f in r.files]
        assert len(shares) == 2  # nothing uploaded again
