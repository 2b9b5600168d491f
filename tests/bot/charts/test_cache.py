"""ChartCache and its keys."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from bot.charts import ChartCache, ChartImage, Panel, chart_cache_key, panels_cache_key
from kpi_core.snapshot import Point
from tests.bot.charts.helpers import MRR, MRR_VALUES, snapshot


def _image(name: str) -> ChartImage:
    return ChartImage(png=name.encode(), alt_text=name, filename=f"{name}.png", width=1, height=1)


def test_key_changes_with_what_the_chart_shows() -> None:
    base = snapshot(MRR, MRR_VALUES, recorded_at=datetime(2026, 11, 2, tzinfo=UTC))
    key = chart_cache_key(base)

    assert chart_cache_key(snapshot(MRR, MRR_VALUES, recorded_at=base.recorded_at)) == key
    assert key[:6] == (
        "kpi",
        "mrr",
        (base.series[0].period, 12),
        base.series[-1].period,
        480_000,
        base.recorded_at,
    )
    changed = [
        chart_cache_key(base, theme="dark"),
        chart_cache_key(base, window="6m"),
        chart_cache_key(dataclasses.replace(base, recorded_at=datetime(2026, 11, 3, tzinfo=UTC))),
        chart_cache_key(
            dataclasses.replace(base, series=(*base.series[:-1], Point(base.series[-1].period, 481_000)))
        ),
        chart_cache_key(
            dataclasses.replace(base, series=(Point(base.series[0].period, 1.0), *base.series[1:]))
        ),
        chart_cache_key(dataclasses.replace(base, kpi=MRR.model_copy(update={"target": 600_000}))),
        chart_cache_key(dataclasses.replace(base, stale=True)),
    ]
    assert len({key, *changed}) == len(changed) + 1
    panel = Panel("Revenue", (base,))
    assert panels_cache_key([panel], title="A") == panels_cache_key([Panel("Revenue", (base,))], title="A")
    assert panels_cache_key([panel], title="A") != panels_cache_key([panel], title="A", theme="dark")


def test_lru_evicts_the_least_recently_used() -> None:
    cache = ChartCache(max_entries=2)
    cache.get_or_render("a", lambda: _image("a"))
    cache.get_or_render("b", lambda: _image("b"))
    assert cache.get("a") is not None  # a is now the most recent
    cache.get_or_render("c", lambda: _image("c"))

    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert len(cache) == 2
    stats = cache.stats()
    assert (stats.misses, stats.entries, stats.bytes) == (3, 2, 2)
    with pytest.raises(ValueError, match="max_entries must be at least 1"):
        ChartCache(max_entries=0)


def test_concurrent_requests_for_one_key_render_once() -> None:
    cache = ChartCache()
    release = threading.Event()
    calls: list[int] = []

    def slow_render() -> ChartImage:
        calls.append(1)
        release.wait(timeout=30)
        return _image("mrr")

    with ThreadPoolExecutor(max_workers=6) as pool:
        first = pool.submit(cache.get_or_render, "k", slow_render)
        others = [pool.submit(cache.get_or_render, "k", slow_render) for _ in range(5)]
        assert cache.wait_for_waiters(5, timeout=30), "the other five wait for the render in flight"
        release.set()
        images = [first.result(timeout=30)] + [f.result(timeout=30) for f in others]

    assert len(calls) == 1
    assert all(image is images[0] for image in images)
    assert cache.stats().hits == 5 and cache.stats().waiting == 0


def test_a_failed_render_reaches_every_waiter_and_is_not_cached() -> None:
    cache = ChartCache()
    release = threading.Event()

    def failing() -> ChartImage:
        release.wait(timeout=30)
        raise RuntimeError("render failed")

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(cache.get_or_render, "k", failing)
        second = pool.submit(cache.get_or_render, "k", failing)
        assert cache.wait_for_waiters(1, timeout=30)
        release.set()
        for future in (first, second):
            with pytest.raises(RuntimeError, match="render failed"):
                future.result(timeout=30)

    assert cache.get("k") is None
    assert cache.get_or_render("k", lambda: _image("ok")).alt_text == "ok"
