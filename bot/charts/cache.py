"""A thread-safe LRU of rendered charts, keyed by what the chart shows.

    cache = ChartCache(max_entries=256)
    image = cache.get_or_render(chart_cache_key(snapshot, theme="dark"),
                                lambda: render_kpi_chart(snapshot, theme="dark"))

Concurrent requests for the same key render once: the others wait for that render (single flight), so
sixteen people typing `/kpi mrr` at 09:00 cost one render, not sixteen.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from bot.charts.image import ChartImage
from bot.charts.panels import Panel
from bot.charts.pool import RenderPool
from kpi_core.snapshot import KpiSnapshot

# Bump when the drawing changes, so a long-lived cache never serves an old look.
RENDER_VERSION = 1


def chart_cache_key(snapshot: KpiSnapshot, *, theme: str = "light", window: str | None = None) -> tuple:
    """(kpi key, window spec, last point period, last value, recorded_at) plus what else changes the image.

    The window spec is `window` when the caller knows it (e.g. "6m"), else the first period and length of
    the series, which is what a window decides. The whole series, the definition (target, thresholds,
    unit) and the flags shown in the subtitle are part of the key, so a restated value or an edited
    target never serves a stale picture.
    """
    series = snapshot.series
    last = next((p for p in reversed(series) if p.value is not None), None)
    window_spec: Hashable = (
        window if window is not None else ((series[0].period, len(series)) if series else None)
    )
    return (
        "kpi",
        snapshot.kpi.key,
        window_spec,
        last.period if last else None,
        last.value if last else None,
        snapshot.recorded_at,
        theme,
        snapshot.target,
        snapshot.stale,
        snapshot.source_error,
        series,
        snapshot.kpi,
        # The alt text names the next milestone of a progression, which depends on the date.
        snapshot.at if snapshot.kpi.target_progression else None,
        RENDER_VERSION,
    )


def panels_cache_key(panels: Sequence[Panel], *, title: str | None = None, theme: str = "light") -> tuple:
    """A key for render_panels: every panel's title, kind and per-snapshot chart_cache_key."""
    parts = tuple(
        (panel.title, panel.kind, tuple(chart_cache_key(s, theme=theme) for s in panel.snapshots))
        for panel in panels
    )
    return ("panels", title, theme, parts, RENDER_VERSION)


@dataclass(frozen=True)
class CacheStats:
    hits: int  # served from the cache, or from a render another thread had in flight
    misses: int  # renders started
    entries: int
    bytes: int
    waiting: int  # threads waiting right now for another thread's render


class _Flight:
    """A render in progress; threads asking for the same key wait for it instead of rendering again."""

    def __init__(self) -> None:
        self.done = False
        self.image: ChartImage | None = None
        self.error: BaseException | None = None
        self.waiters = 0


class ChartCache:
    """LRU of ChartImage by key; safe to share between threads. Render errors are not cached."""

    def __init__(self, max_entries: int = 256, *, pool: RenderPool | None = None) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.max_entries = max_entries
        self.pool = pool or RenderPool(processes=0)
        self._changed = threading.Condition(threading.Lock())
        self._entries: OrderedDict[Hashable, ChartImage] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self._hits = 0
        self._misses = 0

    def get(self, key: Hashable) -> ChartImage | None:
        with self._changed:
            image = self._entries.get(key)
            if image is not None:
                self._entries.move_to_end(key)
                self._hits += 1
            return image

    def get_or_render(self, key: Hashable, render: Callable[[], ChartImage]) -> ChartImage:
        """The cached image for `key`, or `render()`'s result (stored). One render per key at a time.

        Pass a `functools.partial` of a renderer so a render pool can draw it in a worker process.
        """
        with self._changed:
            image = self._entries.get(key)
            if image is not None:
                self._entries.move_to_end(key)
                self._hits += 1
                return image
            joined = self._flights.get(key)
            if joined is not None:
                return self._join(joined)
            flight = self._flights[key] = _Flight()
            self._misses += 1
        try:
            image = self.pool.render(render)
        except BaseException as error:
            with self._changed:
                flight.error, flight.done = error, True
                del self._flights[key]
                self._changed.notify_all()
            raise
        with self._changed:
            self._entries[key] = image
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            flight.image, flight.done = image, True
            del self._flights[key]
            self._changed.notify_all()
        return image

    def _join(self, flight: _Flight) -> ChartImage:
        """Wait (holding the condition) for another thread's render of the same key."""
        self._hits += 1
        flight.waiters += 1
        self._changed.notify_all()
        self._changed.wait_for(lambda: flight.done)
        flight.waiters -= 1
        if flight.error is not None:
            raise flight.error
        assert flight.image is not None
        return flight.image

    def wait_for_waiters(self, count: int, *, timeout: float | None = None) -> bool:
        """Block until `count` threads wait on in-flight renders (for tests and benchmarks)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._waiting() >= count, timeout=timeout)

    def clear(self) -> None:
        with self._changed:
            self._entries.clear()

    def __len__(self) -> int:
        with self._changed:
            return len(self._entries)

    def stats(self) -> CacheStats:
        with self._changed:
            return CacheStats(
                hits=self._hits,
                misses=self._misses,
                entries=len(self._entries),
                bytes=sum(len(i.png) for i in self._entries.values()),
                waiting=self._waiting(),
            )

    def _waiting(self) -> int:
        return sum(f.waiters for f in self._flights.values())
