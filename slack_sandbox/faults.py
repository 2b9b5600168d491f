"""Injected faults: one-off failures (`Fault`) and a seeded random fault schedule (`FaultStorm`).

    emu.inject_fault("chat.postMessage", "late", hold=0.3, processed=True)  # lands, answer after 0.3 s
    emu.faults.storm = FaultStorm(seed=7, rate=0.2, methods=("chat.postMessage", "chat.update"))

Kinds, as a client sees them:
- ratelimited: 429 with Retry-After (a storm makes bursts of them);
- server_error: HTTP 500/503 (a storm makes streaks); `processed` runs the method first;
- timeout: nothing comes back for `hold` seconds, then the connection closes;
- late: the answer comes, but only after `hold` seconds (after a client with a shorter timeout gave up);
- disconnect: the connection closes without an answer; reset: it is reset (TCP RST);
- any Slack error code (channel_not_found, ...) as `{"ok": false, "error": kind}`.
With `processed` the method runs and only the answer is lost: the "did it happen?" case of a real network.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass

FAULT_KINDS = ("ratelimited", "server_error", "timeout", "late", "disconnect", "reset")
STORM_KINDS = ("ratelimited", "server_error", "timeout", "late", "reset")


@dataclass
class Fault:
    """One injected failure. `kind` is one of FAULT_KINDS, or any Slack error code (channel_not_found,
    not_in_channel, invalid_auth, ...) returned as `{"ok": false, "error": kind}`."""

    method: str  # a Web API method, "*" for any, or "response_url" / "upload" for those endpoints
    kind: str
    remaining: int = 1
    retry_after: int = 1  # ratelimited: the Retry-After header
    status: int = 500  # server_error: 500 or 503
    hold: float = 30.0  # timeout: seconds before closing; late: seconds before answering
    processed: bool = False  # run the method first (the client never sees the reply, or sees an error)
    after: int = 0  # let this many matching calls through first (fail "the third chat.postMessage")


@dataclass
class FaultStorm:
    """A seeded random fault schedule: each call to one of `methods` fails with probability `rate`, with a
    kind drawn from `kinds`. A 429 starts a burst and a 5xx a streak (the next 1..`max_streak` calls to that
    method fail the same way). `processed` is drawn per fault for 5xx, timeouts, late answers and resets,
    so half of them took effect. The same seed and the same order of calls give the same faults."""

    seed: int
    rate: float
    methods: Sequence[str] = ("chat.postMessage", "chat.update", "conversations.open")
    kinds: Sequence[str] = STORM_KINDS
    hold: float = 0.3
    retry_after: int = 1
    max_streak: int = 3

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self.drawn: list[tuple[str, str, bool]] = []  # (method, kind, processed): the schedule as it ran

    def draw(self, method: str) -> Fault | None:
        if method not in self.methods or self._random.random() >= self.rate:
            return None
        kind = self._random.choice(list(self.kinds))
        processed = kind != "ratelimited" and self._random.random() < 0.5
        streak = self._random.randint(1, self.max_streak) if kind in ("ratelimited", "server_error") else 1
        self.drawn.append((method, kind, processed))
        return Fault(method, kind, streak, retry_after=self.retry_after, hold=self.hold, processed=processed)


class FaultInjector:
    """The emulator's faults: explicit ones first (in order), then the storm's draw, if one is raging."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.storm: FaultStorm | None = None

    def add(self, fault: Fault) -> Fault:
        if fault.remaining < 1:
            raise ValueError("a fault needs times >= 1")
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        """The next fault for this call, consuming one use of it."""
        with self._lock:
            for fault in self._faults:
                wildcard = fault.method == "*" and "." in method  # "*" means any Web API method
                if fault.remaining > 0 and (fault.method == method or wildcard):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.remaining -= 1
                    return fault
            drawn = self.storm.draw(method) if self.storm is not None else None
            if drawn is None:
                return None
            drawn.remaining -= 1
            if drawn.remaining > 0:  # a burst or a streak: the next calls fail too
                self._faults.append(drawn)
            return drawn

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if f.remaining > 0]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.storm = None
