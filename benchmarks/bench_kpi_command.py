"""`/kpi mrr` end to end over HTTP through the local Slack emulator.

    python benchmarks/bench_kpi_command.py [--requests 60] [--concurrency 1,16]

For each concurrency level and a cold and a warm chart cache it sends signed slash commands to the bot
(waitress on a real port), exactly as Slack does, and measures:
- ack: from sending the request to the bot's HTTP 200 (Slack's 3-second limit applies to this);
- final: from sending the request to the answer (the card with its chart) arriving at the emulator's
  response_url;
plus a no-op Bolt command (`/noop`, ack only) in the same server as the floor.
Prints p50/p95/p99 in milliseconds and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.charts import ChartCache  # noqa: E402
from bot.sandbox.stack import SandboxStack  # noqa: E402
from kpi_core.clock import ManualClock  # noqa: E402
from kpi_core.demo.prepare import prepare_demo  # noqa: E402
from kpi_core.runtime import Runtime  # noqa: E402
from kpi_core.settings import Settings  # noqa: E402

NOW = datetime(2026, 11, 20, 14, tzinfo=UTC)
MAX_REQUESTS = 400
USERS = [{"name": f"user{i}", "email": f"user{i}@northwind.example"} for i in range(MAX_REQUESTS)] + [
    {"name": "cfo", "email": "cfo@northwind.example"}
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarize(name: str, values: list[float], floor: float | None = None) -> str:
    p50, p95, p99 = (percentile(values, q) * 1000 for q in (50, 95, 99))
    ratio = f"  ({p50 / (floor * 1000):.1f}x floor p50)" if floor else ""
    return f"{name:<34} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms  (n={len(values)}){ratio}"


def prepare(folder: Path) -> str:
    import os

    os.environ["KPIBOT_WAREHOUSE_URL"] = f"sqlite:///{folder / 'warehouse.db'}"
    url = f"sqlite:///{folder / 'kpibot.db'}"
    runtime = Runtime.create(
        Settings(DATABASE_URL=url, KPIBOT_CONFIG=REPO / "config"), clock=ManualClock(NOW)
    )
    prepare_demo(runtime, now=NOW)
    runtime.close()
    return url


def run(stack: SandboxStack, *, command: str, text: str, requests: int, concurrency: int, cold: bool):
    emulator = stack.emulator
    channel = stack.channel("general")
    acks: list[float] = []
    finals: list[float] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        user = stack.user(f"user{i}")  # one user per request: each waits for its own answer
        if cold:
            with lock:
                stack.answers.charts = ChartCache()
        before = len(emulator.ephemerals(user))
        start = time.perf_counter()
        delivery = emulator.send_slash_command(text, user=user, channel=channel, command=command)
        ack = time.perf_counter() - start
        assert delivery.status == 200, delivery
        if command == "/kpi":
            emulator.wait_for(lambda: len(emulator.ephemerals(user)) > before or None, timeout=30)
            final = time.perf_counter() - start
        else:
            final = ack
        with lock:
            acks.append(ack)
            finals.append(final)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests)))
    return acks, finals


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--concurrency", default="1,16")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kpibot-bench-"))
    try:
        url = prepare(folder)
        with SandboxStack.start(
            config_dir=REPO / "config",
            database_url=url,
            clock=ManualClock(NOW),
            channels=["general"],
            users=USERS,
        ) as stack:
            stack.app.command("/noop")(lambda ack: ack())
            run(stack, command="/kpi", text="mrr", requests=4, concurrency=1, cold=False)  # warm-up
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                print(f"\n== concurrency {concurrency}, {args.requests} requests ==")
                floor, _ = run(
                    stack,
                    command="/noop",
                    text="",
                    requests=args.requests,
                    concurrency=concurrency,
                    cold=False,
                )
                floor_p50 = percentile(floor, 50)
                print(summarize("no-op command: ack (floor)", floor))
                for cold in (True, False):
                    label = "cold" if cold else "warm"
                    acks, finals = run(
                        stack,
                        command="/kpi",
                        text="mrr",
                        requests=args.requests,
                        concurrency=concurrency,
                        cold=cold,
                    )
                    print(summarize(f"/kpi mrr {label}: ack", acks, floor_p50))
                    print(summarize(f"/kpi mrr {label}: final message", finals, floor_p50))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
