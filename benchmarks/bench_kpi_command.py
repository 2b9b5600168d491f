"""`/kpi mrr` end to end over HTTP: the local Slack emulator here, the bot in its own process.

    python benchmarks/bench_kpi_command.py [--requests 100] [--concurrency 1,16] [--render-processes 2]

The bot runs as `kpibot serve` builds it (benchmarks/kpibot_process.py: HTTP mode, waitress, the demo
data) so that, as with Slack, the emulator and the load do not share the bot's interpreter. For each
concurrency level it sends signed slash commands exactly as Slack does and measures:
- ack: from sending the request to the bot's HTTP 200 (Slack's 3-second limit applies to this);
- final: from sending the request to the answer (the card with its chart) arriving at the emulator's
  response_url;
with a cold chart cache (emptied before every request, so every answer draws its chart) and a warm one,
plus a no-op Bolt command (`/noop`, ack only) in the same server as the floor. Prints p50/p95/p99 in ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.sandbox import SlackEmulator  # noqa: E402
from bot.sandbox.stack import BOT_TOKEN, SIGNING_SECRET  # noqa: E402
from kpi_core.clock import ManualClock  # noqa: E402
from kpi_core.demo.prepare import prepare_demo  # noqa: E402
from kpi_core.runtime import Runtime  # noqa: E402
from kpi_core.settings import Settings  # noqa: E402

NOW = datetime(2026, 11, 20, 14, tzinfo=UTC)
MAX_REQUESTS = 400


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summarize(name: str, values: list[float], floor: float | None = None) -> str:
    p50, p95, p99 = (percentile(values, q) * 1000 for q in (50, 95, 99))
    ratio = f"  ({p50 / (floor * 1000):.1f}x floor p50)" if floor else ""
    return f"{name:<34} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms  (n={len(values)}){ratio}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(folder: Path) -> dict[str, str]:
    env = {
        "KPIBOT_WAREHOUSE_URL": f"sqlite:///{folder / 'warehouse.db'}",
        "DATABASE_URL": f"sqlite:///{folder / 'kpibot.db'}",
        "KPIBOT_CONFIG": str(REPO / "config"),
    }
    os.environ.update(env)
    settings = Settings(DATABASE_URL=env["DATABASE_URL"], KPIBOT_CONFIG=REPO / "config")
    runtime = Runtime.create(settings, clock=ManualClock(NOW))
    prepare_demo(runtime, now=NOW)
    runtime.close()
    return env


class Bench:
    def __init__(self, emulator: SlackEmulator, bot_url: str) -> None:
        self.emulator = emulator
        self.bot_url = bot_url
        self.channel = emulator.channel("general").id
        self.next_user = 0
        self.lock = threading.Lock()
        self.answered: dict[str, threading.Event] = {}
        # Wake a request when its user's ephemeral answer arrives (cheaper than polling the emulator).
        emulator.subscribe(self._on_event)

    def _on_event(self, event: object) -> None:
        if getattr(event, "kind", "") == "ephemeral":
            waiting = self.answered.get(getattr(event, "user", "") or "")
            if waiting is not None:
                waiting.set()

    def clear_cache(self) -> None:
        request = urllib.request.Request(f"{self.bot_url}/bench/clear-cache", method="POST")
        urllib.request.urlopen(request, timeout=5).read()

    def user(self) -> str:
        """A different user for every request, so each one waits for its own answer."""
        with self.lock:
            self.next_user = (self.next_user + 1) % MAX_REQUESTS
            return self.emulator.user(f"user{self.next_user}").id

    def run(self, *, command: str, requests: int, concurrency: int, cold: bool) -> tuple[list, list]:
        acks: list[float] = []
        finals: list[float] = []

        def one(_: int) -> None:
            user = self.user()
            if cold:
                self.clear_cache()
            answered = self.answered[user] = threading.Event()
            start = time.perf_counter()
            text = "mrr" if command == "/kpi" else ""
            delivery = self.emulator.send_slash_command(
                text, user=user, channel=self.channel, command=command
            )
            ack = time.perf_counter() - start
            assert delivery.status == 200, delivery
            if command == "/kpi":
                assert answered.wait(timeout=60), "no answer within 60 s"
            final = time.perf_counter() - start
            with self.lock:
                acks.append(ack)
                finals.append(final)

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, range(requests)))
        return acks, finals


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--render-processes", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kpibot-bench-"))
    users = [{"name": f"user{i}", "email": f"user{i}@northwind.example"} for i in range(MAX_REQUESTS)]
    users.append({"name": "cfo", "email": "cfo@northwind.example"})
    emulator = SlackEmulator.with_workspace(
        channels=["general"], users=users, signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN
    ).start()
    process = None
    try:
        env = prepare(folder)
        port = free_port()
        env.update(
            SLACK_API_URL=emulator.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            KPIBOT_RENDER_PROCESSES=str(args.render_processes),
        )
        process = subprocess.Popen(
            [sys.executable, str(REPO / "benchmarks" / "kpibot_process.py"), str(port)],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        bot_url = f"http://127.0.0.1:{port}"
        emulator.request_url = f"{bot_url}/slack/events"
        bench = Bench(emulator, bot_url)
        bench.run(command="/kpi", requests=8, concurrency=2, cold=True)  # warm-up: imports, pool workers
        print(f"render processes: {args.render_processes}, cores: {os.cpu_count()}")
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            print(f"\n== concurrency {concurrency}, {args.requests} requests ==")
            floor, _ = bench.run(command="/noop", requests=args.requests, concurrency=concurrency, cold=False)
            floor_p50 = percentile(floor, 50)
            print(summarize("no-op command: ack (floor)", floor))
            for cold in (True, False):
                label = "cold" if cold else "warm"
                acks, finals = bench.run(
                    command="/kpi", requests=args.requests, concurrency=concurrency, cold=cold
                )
                print(summarize(f"/kpi mrr {label}: ack", acks, floor_p50))
                print(summarize(f"/kpi mrr {label}: final message", finals, floor_p50))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        emulator.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
