"""The sender's pacing: one post per second per channel, bursts of edits, Retry-After honoured."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.alerts.pacing import Deferred, Limit, Pacer, manual_pacer
from kpi_core.clock import ManualClock


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def pacer(**limits: Limit) -> tuple[Pacer, FakeTime]:
    time = FakeTime()
    return Pacer(limits=limits or None, monotonic=lambda: time.now, sleep=time.sleep), time


def test_posts_are_one_second_apart_per_channel_and_channels_are_independent() -> None:
    paced, time = pacer()
    waits = [paced.wait_turn("post", channel) for channel in ("C1", "C1", "C2", "C1", "C2")]
    assert waits == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert time.now == 1002.0 and paced.waited == 2.0


def test_edits_burst_then_follow_the_workspace_rate() -> None:
    paced, _time = pacer(update=Limit(interval=1.2, burst=3, per_channel=False))
    waits = [paced.reserve("update", f"C{n}") for n in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert [round(w, 6) for w in waits[3:]] == [1.2, 2.4]


def test_a_429_holds_the_channel_back_for_retry_after() -> None:
    paced, time = pacer()
    paced.wait_turn("post", "C1")
    paced.hold("post", "C1", 30)
    with pytest.raises(Deferred) as deferred:  # too long to wait inside a drain: the row is retried later
        paced.wait_turn("post", "C1")
    assert deferred.value.seconds == 30.0
    assert paced.wait_turn("post", "C2") == 0.0
    time.now += 29
    assert paced.wait_turn("post", "C1") == 1.0  # a short remainder is waited out
    assert time.sleeps == [1.0]


def test_a_hold_applies_even_without_a_limit() -> None:
    paced, _time = pacer(update=Limit(interval=1.2, burst=20, per_channel=False))
    paced.hold("post", "C1", 1.5)
    assert paced.reserve("post", "C1") == 1.5


def test_time_passing_frees_the_slot() -> None:
    paced, time = pacer()
    paced.wait_turn("post", "C1")
    time.now += 5
    assert paced.wait_turn("post", "C1") == 0.0


def test_the_manual_pacer_moves_the_clock_instead_of_sleeping() -> None:
    clock = ManualClock(datetime(2026, 11, 20, 14, tzinfo=UTC))
    paced = manual_pacer(clock)
    paced.wait_turn("post", "C1")
    paced.wait_turn("post", "C1")
    assert clock.now() == datetime(2026, 11, 20, 14, 0, 1, tzinfo=UTC)
