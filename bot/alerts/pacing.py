"""Pacing the sender within Slack's rate limits, so a storm is spread out instead of answered with 429s.

- posts (chat.postMessage, thread replies included): one per second per channel, Slack's guidance;
- edits (chat.update, Tier 3: about 50 a minute per workspace): bursts of up to 20, then 50 a minute;
- after a 429 the channel (or method) is held back until its Retry-After has passed.

Each limit is a GCRA bucket ("virtual scheduling"): a reservation returns how long to wait. Time comes from
an injected `monotonic`/`sleep` pair, so tests and benchmarks move a ManualClock instead of sleeping. One
pacer is shared by every thread of a process that sends alerts: slots are reserved under a lock and the
waiting happens outside it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kpi_core.clock import ManualClock

WriteKind = Literal["post", "update"]


@dataclass(frozen=True)
class Limit:
    """`interval` seconds per call on average, up to `burst` calls at once; per channel or workspace-wide."""

    interval: float
    burst: int = 1
    per_channel: bool = True


DEFAULT_LIMITS: dict[str, Limit] = {
    "post": Limit(interval=1.0, burst=1, per_channel=True),
    "update": Limit(interval=60 / 50, burst=20, per_channel=False),
}


class Deferred(Exception):
    """The channel is held back (Slack's Retry-After) for longer than is worth waiting inside a drain."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited: {seconds:.0f} s to wait")
        self.seconds = seconds


class Pacer:
    """`wait_turn(kind, channel)` blocks until that write may go; `hold(...)` after a 429."""

    def __init__(
        self,
        *,
        limits: dict[str, Limit] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self._monotonic = monotonic
        self._sleep = sleep
        self._tat: dict[tuple[str, str], float] = {}  # theoretical arrival time per bucket
        self._held: dict[tuple[str, str], float] = {}  # after a 429: nothing before this time
        self.max_hold_wait = 2.0  # a longer Retry-After defers the row instead of blocking the drain
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting (reports and benchmarks)

    @property
    def interval(self) -> float:
        """The slowest pace of one channel (used to size claim leases)."""
        return max((limit.interval for limit in self.limits.values()), default=1.0)

    def _key(self, kind: str, channel: str) -> tuple[str, str]:
        limit = self.limits.get(kind)
        return (kind, channel if limit is None or limit.per_channel else "*")

    def reserve(self, kind: WriteKind, channel: str) -> float:
        """Take the next slot for this write; returns the seconds to wait before making it. Raises Deferred
        while the channel is held back by a Retry-After longer than `max_hold_wait`."""
        with self._lock:
            held = self._held.get((kind, channel), 0.0) - self._monotonic()
            if held > self.max_hold_wait:
                raise Deferred(held)
        limit = self.limits.get(kind)
        if limit is None:
            return self._wait_held(held)
        key = self._key(kind, channel)
        with self._lock:
            now = self._monotonic()
            tat = max(self._tat.get(key, now), now)
            wait = tat - limit.interval * (limit.burst - 1) - now
            wait = max(wait if wait > 1e-6 else 0.0, held)  # float noise is not a wait
            self._tat[key] = max(tat, now + wait) + limit.interval
            self.waited += wait
            return wait

    def _wait_held(self, held: float) -> float:
        wait = max(0.0, held)
        with self._lock:
            self.waited += wait
        return wait

    def wait_turn(self, kind: WriteKind, channel: str) -> float:
        """Block until the write may go; returns the seconds waited."""
        wait = self.reserve(kind, channel)
        if wait > 0:
            self._sleep(wait)
        return wait

    def hold(self, kind: WriteKind, channel: str, seconds: float) -> None:
        """Slack said wait (Retry-After): nothing more of this kind there before then, in this process."""
        with self._lock:
            until = self._monotonic() + seconds
            self._held[(kind, channel)] = max(self._held.get((kind, channel), until), until)


def manual_pacer(clock: ManualClock, *, limits: dict[str, Limit] | None = None) -> Pacer:
    """A pacer on a ManualClock: waiting moves the clock (tests, benchmarks). It never sleeps for real."""

    def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    return Pacer(limits=limits, monotonic=lambda: clock.now().timestamp(), sleep=sleep)
