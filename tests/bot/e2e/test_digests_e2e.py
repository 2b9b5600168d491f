"""Scheduled digests end to end: the real Background (ledger, catch-up, SlackDigestPoster) on the demo
database, posting through the real WebClient to the local Slack emulator. Time is the ManualClock's."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.background import build_background
from bot.blocks.health_line import health_line
from kpi_core.clock import ManualClock
from kpi_core.health_inputs import company_health
from kpibot_demo.stack import SandboxStack
from scheduling.service import Background
from tests.bot.e2e.helpers import all_messages, assert_valid_message, text_of

DAILY_FIRE = datetime(2026, 11, 23, 8, tzinfo=UTC)  # Monday 09:00 in Europe/Berlin
WEEKLY_FIRE = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 09:00 in America/New_York
MONTHLY_FIRE = datetime(2026, 12, 1, 13, tzinfo=UTC)  # Tuesday 1 Dec 08:00 in America/New_York
DIGEST_CHANNELS = ("kpi-daily", "kpi-weekly", "kpi-board", "exec")  # the alert jobs post elsewhere too


def ops_reports(stack: SandboxStack) -> list[str]:
    """What the digests told the ops channel (alert routing posts there too)."""
    return [m.text for m in stack.emulator.messages("kpi-ops") if "Daily metrics" in m.text]


def background(stack: SandboxStack, *, alerts: bool = False) -> Background:
    """The Background `kpibot serve` runs; with `alerts`, also the app's alert jobs (slow: ~15 s a tick
    on the demo data, so only the main timeline test runs them next to the digests)."""
    answers = stack.answers if alerts else None
    return build_background(stack.runtime, client=stack.app.client, answers=answers, ops_channel="#kpi-ops")


def posted(stack: SandboxStack) -> list[str]:
    """Every top-level message in the digest channels, as "channel: header" (chart file shares left out)."""
    out = []
    for channel in map(stack.emulator.channel, DIGEST_CHANNELS):
        for message in stack.emulator.messages(channel.id):
            if message.via != "files.completeUploadExternal":
                out.append(f"{channel.name}: {message.blocks[0]['text']['text']}")
    return out


def chart_of(stack: SandboxStack, channel: str) -> bytes:
    """The one digest in `channel`: its trend chart's file, which must be shared in that channel."""
    [message] = stack.emulator.messages(channel)
    [image] = [b for b in message.blocks if b["type"] == "image" and b["title"]["text"].startswith("📈")]
    file = stack.emulator.file(image["slack_file"]["id"])
    assert file.is_shared_in(stack.channel(channel))
    return file.content


def test_daily_and_weekly_digests_arrive_once_with_their_charts(
    stack: SandboxStack, clock: ManualClock
) -> None:
    clock.set(DAILY_FIRE)
    outcomes = {r.digest: r.outcome for r in background(stack, alerts=True).tick()}
    # the others: stale
    assert outcomes == {"daily": "posted", "weekly": "skipped", "monthly": "skipped", "quarterly": "skipped"}
    [daily] = stack.emulator.messages("kpi-daily")
    assert daily.blocks[0]["text"]["text"] == "📊 Daily metrics · Sunday 22 Nov 2026 (Europe/Berlin)"
    assert chart_of(stack, "kpi-daily").startswith(b"\x89PNG")
    assert "System Uptime" in text_of(daily) and "Biggest moves vs the same day last week" in text_of(daily)

    jobs = background(stack, alerts=True)
    jobs.tick()  # the same moment again: nothing new
    clock.set(WEEKLY_FIRE)
    assert {r.digest: r.outcome for r in jobs.tick()}["weekly"] == "posted"
    [weekly] = stack.emulator.messages("kpi-weekly")
    assert weekly.blocks[0]["text"]["text"] == (
        "📊 Weekly business review · Week 47 · 16–22 Nov 2026 (America/New_York)"
    )
    assert chart_of(stack, "kpi-weekly").startswith(b"\x89PNG")
    # the alert jobs ran in the first tick: the demo's open alerts are in the weekly digest
    assert "🚨 Open alerts" in text_of(weekly) and "No open alerts" not in text_of(weekly)
    before = posted(stack)
    digest_ids = {stack.channel(name) for name in DIGEST_CHANNELS}
    calls = [c for c in stack.emulator.calls_to("chat.postMessage") if c.args.get("channel") in digest_ids]
    jobs.tick()
    clock.advance(minutes=10)
    background(stack).tick()  # a restart: a new Background on the same database
    assert (
        posted(stack)
        == before
        == [
            "kpi-daily: 📊 Daily metrics · Sunday 22 Nov 2026 (Europe/Berlin)",
            "kpi-weekly: 📊 Weekly business review · Week 47 · 16–22 Nov 2026 (America/New_York)",
        ]
    )
    assert [
        c for c in stack.emulator.calls_to("chat.postMessage") if c.args.get("channel") in digest_ids
    ] == calls
    for message in all_messages(stack.emulator):
        assert_valid_message(message)


def test_the_monthly_board_report_goes_to_both_its_channels(stack: SandboxStack, clock: ManualClock) -> None:
    clock.set(MONTHLY_FIRE)
    assert {r.digest: r.outcome for r in background(stack).tick()}["monthly"] == "posted"
    # the company health score over every KPI at the end of November, as `/kpi health` computes it
    score = company_health(
        stack.runtime.service.snapshots(at=date(2026, 11, 30)), config=stack.runtime.config.catalog.health
    )
    assert score is not None
    for channel in ("kpi-board", "exec"):
        [report] = stack.emulator.messages(channel)
        assert (
            report.blocks[0]["text"]["text"] == "📊 Monthly board report · November 2026 (America/New_York)"
        )
        assert report.blocks[2]["elements"][0]["text"] == health_line(score)
        assert "North star" in text_of(report)
        assert chart_of(stack, channel).startswith(b"\x89PNG")
        assert_valid_message(report)


def test_a_failed_chart_upload_still_posts_the_text(stack: SandboxStack, clock: ManualClock) -> None:
    stack.emulator.inject_fault("upload", "server_error")
    clock.set(DAILY_FIRE)
    assert {r.digest: r.outcome for r in background(stack).tick()}["daily"] == "posted"
    [daily] = stack.emulator.messages("kpi-daily")
    assert not any(block["type"] == "image" for block in daily.blocks)
    assert "the chart could not be uploaded" in text_of(daily)
    [report] = ops_reports(stack)
    assert "posted to #kpi-daily without its chart" in report
    assert_valid_message(daily)


def test_channel_not_found_goes_to_the_ops_channel_and_the_log(
    stack: SandboxStack, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    stack.emulator.inject_fault("chat.postMessage", "channel_not_found")
    clock.set(DAILY_FIRE)
    jobs = background(stack)
    with caplog.at_level(logging.ERROR):
        result = {r.digest: r for r in jobs.tick()}["daily"]
    assert result.outcome == "failed" and "channel_not_found" in result.detail
    assert stack.emulator.messages("kpi-daily") == []
    [report] = ops_reports(stack)
    assert "could not post *Daily metrics*" in report and "`channel_not_found`" in report
    assert any(
        "#kpi-daily" in r.getMessage() and "channel_not_found" in r.getMessage() for r in caplog.records
    )
    record = jobs.digests.ledger.get("daily", "2026-11-22")
    assert record is not None and record.status == "failed"
    clock.advance(minutes=30)  # a permanent failure is not retried by the catch-up
    jobs.tick()
    assert stack.emulator.messages("kpi-daily") == []


def test_a_rate_limit_is_waited_out_and_delivered_once(
    stack: SandboxStack, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    waited: list[float] = []
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.time.sleep", waited.append)
    stack.emulator.inject_fault("chat.postMessage", "ratelimited", retry_after=2)
    clock.set(DAILY_FIRE + timedelta(minutes=1))
    assert {r.digest: r.outcome for r in background(stack).tick()}["daily"] == "posted"
    assert len(waited) == 1 and 2 <= waited[0] < 3  # Retry-After, plus slack-sdk's jitter
    assert len(stack.emulator.messages("kpi-daily")) == 1
    statuses = [c.status for c in stack.emulator.calls_to("chat.postMessage")]
    assert statuses[:2] == [429, 200]
