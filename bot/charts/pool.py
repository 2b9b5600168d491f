"""Chart rendering in worker processes.

matplotlib holds the GIL while it draws (~60-80 ms of CPU per chart). In one process that time is taken
from the HTTP threads that must acknowledge Slack within 3 seconds, and a 2-core machine uses one core.
A small process pool draws on every core and keeps the web threads free. With `processes=0` charts are
drawn in the calling thread (tests, the demo, tiny deployments).

Workers come from a `forkserver` that imports only the chart code (WORKER_PRELOAD), never the command line
that started the bot: they share its pages copy-on-write, so each costs a few MiB instead of a whole
interpreter with the CLI, the database layer and Slack's SDK.

    pool = RenderPool(processes=2)
    image = pool.render(functools.partial(render_kpi_chart, snapshot))
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial

from bot.charts.image import ChartImage

log = logging.getLogger(__name__)

WORKER_PRELOAD = ["bot.charts.worker"]


def _warm_up() -> None:
    """Import matplotlib and the renderers once per worker, before the first request needs them."""
    import bot.charts.worker  # noqa: F401


def _start_worker() -> None:
    """Runs in each worker: exit when the bot process is gone (killed with SIGKILL, crashed), so a
    worker is never left orphaned."""
    parent = multiprocessing.parent_process()

    def watch() -> None:
        while parent is not None and parent.is_alive():
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="kpibot-parent-watch", daemon=True).start()


class RenderPool:
    """Runs picklable render calls (`functools.partial` of a module-level renderer) in worker processes."""

    def __init__(self, processes: int = 0) -> None:
        self.processes = max(0, processes)
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> RenderPool:
        """Start the workers now (they import matplotlib in the background) rather than on first use."""
        if self.processes:
            executor = self._pool()
            for _ in range(self.processes):
                executor.submit(_warm_up)
        return self

    def render(self, render: Callable[[], ChartImage]) -> ChartImage:
        """`render()`, in a worker when the pool has processes and the call can travel there."""
        if not self.processes or not isinstance(render, partial):
            return render()
        try:
            future: Future[ChartImage] = self._pool().submit(render)
            return future.result()
        except BrokenProcessPool:
            log.warning("chart worker died; drawing in-process and restarting the pool")
            with self._lock:
                self._executor = None
            return render()

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                # forkserver, not fork: the bot is multi-threaded and fork would copy held locks; the
                # server starts from a fresh interpreter that imports only WORKER_PRELOAD
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(WORKER_PRELOAD)
                self._executor = ProcessPoolExecutor(
                    self.processes, mp_context=context, initializer=_start_worker
                )
            return self._executor
