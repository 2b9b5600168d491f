"""Per-method rate limits (Slack's tiers); injected faults are in faults.py.

Rate limits are token buckets on the emulator's clock, so tests move time instead of sleeping. They are off
unless the emulator is built with `rate_limits=True` or a method gets its own limit with `set_rate_limit`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from slack_sandbox.faults import FAULT_KINDS, Fault, FaultInjector


@dataclass(frozen=True)
class RateLimit:
    """`per_minute` calls on average, up to `burst` at once; `per_channel` keeps one bucket per channel."""

    per_minute: float
    burst: int
    per_channel: bool = False

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst < 1:
            raise ValueError("a rate limit needs per_minute > 0 and burst >= 1")


TIER_1 = RateLimit(per_minute=1, burst=1)
TIER_2 = RateLimit(per_minute=20, burst=20)
TIER_3 = RateLimit(per_minute=50, burst=50)
TIER_4 = RateLimit(per_minute=100, burst=100)
# chat.postMessage: "1 message per second per channel, with short bursts allowed".
POST_MESSAGE = RateLimit(per_minute=60, burst=3, per_channel=True)

DEFAULT_LIMITS: Mapping[str, RateLimit] = {
    "auth.test": TIER_4,
    "chat.postMessage": POST_MESSAGE,
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "conversations.list": TIER_2,
    "conversations.open": TIER_3,
    "conversations.info": TIER_3,
    "conversations.join": TIER_3,
    "conversations.members": TIER_4,
    "conversations.history": TIER_3,
    "conversations.replies": TIER_3,
    "users.info": TIER_4,
    "users.list": TIER_2,
    "users.lookupByEmail": TIER_3,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "files.info": TIER_4,
}

_DISABLED = RateLimit(per_minute=1, burst=1)  # marker stored for "no limit for this method"


class RateLimiter:
    """Decides whether a call is allowed now; returns Retry-After seconds when it is not."""

    def __init__(
        self, *, enabled: bool = False, overrides: Mapping[str, RateLimit | None] | None = None
    ) -> None:
        self.enabled = enabled
        self._overrides: dict[str, RateLimit] = {}
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()
        for method, limit in (overrides or {}).items():
            self.set_limit(method, limit)

    def set_limit(self, method: str, limit: RateLimit | None) -> None:
        """Give `method` its own limit (applies even when rate limits are off), or None to exempt it."""
        with self._lock:
            self._overrides[method] = limit if limit is not None else _DISABLED
            self._buckets = {k: v for k, v in self._buckets.items() if k[1] != method}

    def limit_for(self, method: str) -> RateLimit | None:
        override = self._overrides.get(method)
        if override is _DISABLED:
            return None
        if override is not None:
            return override
        return DEFAULT_LIMITS.get(method) if self.enabled else None

    def acquire(self, *, team: str, method: str, channel: str | None, now: float) -> int | None:
        """Take one call from the bucket: None if allowed, else the Retry-After in whole seconds (>= 1)."""
        limit = self.limit_for(method)
        if limit is None:
            return None
        key = (team, method, (channel or "") if limit.per_channel else "")
        rate = limit.per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(key, (float(limit.burst), now))
            tokens = min(float(limit.burst), tokens + max(0.0, now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / rate))

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


__all__ = ["DEFAULT_LIMITS", "FAULT_KINDS", "Fault", "FaultInjector", "RateLimit", "RateLimiter"]
