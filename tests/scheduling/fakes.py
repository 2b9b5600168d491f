"""Test doubles for the digest jobs: a poster that records every Slack call it would make, and a builder."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from kpi_core.digests.build import build_digest
from kpi_core.digests.config import DigestDefinition
from kpi_core.digests.content import Digest
from kpi_core.digests.periods import DigestPeriod
from scheduling.ledger import PostProgress


class SimulatedCrash(BaseException):
    """The process dies mid-run (a BaseException, so no job code catches it, like a kill)."""


class FakeSlackError(Exception):
    def __init__(self, code: str, *, retryable: bool) -> None:
        super().__init__(code)
        self.retryable = retryable


@dataclass(frozen=True)
class Call:
    kind: str  # "message" | "thread"
    channel: str
    period_key: str
    part: int = 0
    late: bool = False


@dataclass
class FakePoster:
    """Posts `thread_parts` thread replies after each message. `crash_after` Slack calls it dies;
    `errors[channel]` is raised (once) for that channel."""

    thread_parts: int = 0
    crash_after: int | None = None
    errors: dict[str, Exception] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self,
        digest: Digest,
        *,
        channel: str,
        resume: PostProgress,
        on_progress: Callable[[PostProgress], None],
    ) -> PostProgress:
        if channel in self.errors:
            raise self.errors.pop(channel)
        ts = resume.ts
        if ts is None:
            ts = self._call(Call("message", channel, digest.period.key, late=digest.header.late))
            on_progress(PostProgress(channel, ts))
        for part in range(resume.thread_parts, self.thread_parts):
            self._call(Call("thread", channel, digest.period.key, part + 1))
            on_progress(PostProgress(channel, ts, part + 1))
        return PostProgress(channel, ts, self.thread_parts, done=True)

    def _call(self, call: Call) -> str:
        with self._lock:
            if self.crash_after is not None and len(self.calls) >= self.crash_after:
                raise SimulatedCrash(f"died before {call}")
            self.calls.append(call)
            return f"{len(self.calls)}.000100"

    def messages(self) -> list[tuple[str, str]]:
        return [(c.channel, c.period_key) for c in self.calls if c.kind == "message"]


@dataclass
class FakeBuilder:
    """Builds real (empty) digest content; records the periods and `previous_run_at` it was asked for."""

    calls: list[tuple[str, str, datetime | None, bool]] = field(default_factory=list)

    def __call__(
        self, digest: DigestDefinition, period: DigestPeriod, *, previous_run_at: datetime | None, late: bool
    ) -> Digest:
        self.calls.append((digest.name, period.key, previous_run_at, late))
        return build_digest(
            digest,
            period,
            kpis={},
            snapshots={},
            now=period.scheduled_for,
            previous_run_at=previous_run_at,
            late=late,
        )
