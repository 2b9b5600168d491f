"""Charts drawn in worker processes are the same charts, and a dead worker never loses an image."""

from __future__ import annotations

import multiprocessing
import os
from functools import partial

from bot.charts import ChartCache, chart_cache_key, render_kpi_chart
from bot.charts.image import ChartImage
from bot.charts.pool import RenderPool
from kpi_core.snapshot import KpiSnapshot
from tests.bot.charts.helpers import CHURN, CHURN_VALUES, snapshot


def churn() -> KpiSnapshot:
    return snapshot(CHURN, CHURN_VALUES)


def _crash_in_a_worker() -> ChartImage:
    if multiprocessing.parent_process() is not None:
        os._exit(3)  # a worker dying mid-render (out of memory, a segfault, ...)
    return render_kpi_chart(churn())


def test_a_pool_draws_the_same_png_as_the_request_thread() -> None:
    one = churn()
    pool = RenderPool(processes=1).start()
    try:
        cache = ChartCache(pool=pool)
        pooled = cache.get_or_render(chart_cache_key(one), partial(render_kpi_chart, one))
    finally:
        pool.close()
    assert pooled.png == render_kpi_chart(one).png


def test_a_dead_worker_falls_back_to_drawing_in_process() -> None:
    pool = RenderPool(processes=1)
    try:
        assert pool.render(partial(_crash_in_a_worker)).png.startswith(b"\x89PNG")
        assert pool.render(partial(render_kpi_chart, churn())).png.startswith(b"\x89PNG")
    finally:
        pool.close()


def test_without_processes_or_with_a_lambda_it_draws_in_the_calling_thread() -> None:
    one = churn()
    assert RenderPool(0).render(lambda: render_kpi_chart(one)).png.startswith(b"\x89PNG")


def test_workers_exit_when_the_bot_process_is_killed() -> None:
    """A bot killed with SIGKILL (or crashed) must not leave chart workers behind."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    code = (
        "from functools import partial\n"
        "from bot.charts import render_kpi_chart\n"
        "from bot.charts.pool import RenderPool\n"
        "from tests.bot.charts.test_pool import churn\n"
        "pool = RenderPool(2).start()\n"
        "pool.render(partial(render_kpi_chart, churn()))\n"
        "print('ready', flush=True)\n"
        "import time; time.sleep(60)\n"
    )
    repo = Path(__file__).resolve().parents[3]
    bot = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=repo
    )
    assert bot.stdout is not None and bot.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 15
    while len(workers := _workers(bot.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # the forkserver forks the second worker on its own schedule
    assert len(workers) == 2
    os.kill(bot.pid, signal.SIGKILL)
    bot.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.2)  # waiting on other processes, not on our own clock
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def _children(pid: int | str) -> list[str]:
    import subprocess

    return subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()


def _workers(bot_pid: int) -> list[str]:
    """The render workers: children of the bot's forkserver (itself a child of the bot)."""
    from pathlib import Path

    servers = [p for p in _children(bot_pid) if "forkserver" in Path(f"/proc/{p}/cmdline").read_text()]
    assert len(servers) == 1, servers
    return _children(servers[0])


def test_workers_import_only_chart_code() -> None:
    """A worker is forked from a server that imported the chart code alone: no CLI, database or Slack SDK."""
    pool = RenderPool(processes=1)
    try:
        loaded = pool._pool().submit(_loaded_modules).result()
    finally:
        pool.close()
    assert "matplotlib" in loaded and "bot.charts.kpi_chart" in loaded
    assert not [m for m in loaded if m.split(".")[0] in ("sqlalchemy", "slack_sdk", "slack_bolt", "click")]


def _loaded_modules() -> list[str]:
    import sys

    return sorted(sys.modules)
