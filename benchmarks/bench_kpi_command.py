"""`/kpi` end to end over HTTP: the local Slack emulator here, the bot in its own process, beside its floor.

    python benchmarks/bench_kpi_command.py [--runs 3] [--requests 100] [--concurrency 1,16]
                                           [--render-processes 2]

The bot runs as `kpibot serve` builds it (benchmarks/kpibot_process.py: HTTP mode, waitress, the demo
data) so that, as with Slack, the emulator and the load do not share the bot's interpreter. The floor is a
no-op Bolt app (benchmarks/noop_app.py: one ack-only `/noop` command, the same Bolt options, server and
signing) in a process of its own, measured in the same run. For each run and concurrency level it sends
signed slash commands exactly as Slack does and measures:
- ack: from sending the request to the HTTP 200 (Slack's 3-second limit applies to this);
- final: from sending the request to the answer (the card with its chart) arriving at the emulator's
  response_url;
for `/noop` (the floor), then `/kpi <kpi>` over 16 different KPIs with a cold chart cache (emptied before
every request: 16 different charts drawn at once at c=16) and a warm one. Every `/kpi` request comes from
a user who has not asked before, so every answer opens a DM and uploads its chart there. Prints p50/p95/p99
in ms per run, then the median of each figure over the runs, with its ratio to the floor's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
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

from kpi_core.clock import ManualClock  # noqa: E402
from kpi_core.config.loader import load_config  # noqa: E402
from kpi_core.runtime import Runtime  # noqa: E402
from kpi_core.settings import Settings  # noqa: E402
from kpibot_demo.data.prepare import prepare_demo  # noqa: E402
from kpibot_demo.stack import BOT_TOKEN, SIGNING_SECRET  # noqa: E402
from slack_sandbox import SlackEmulator  # noqa: E402

NOW = datetime(2026, 11, 20, 14, tzinfo=UTC)
KPIS = 16  # different KPIs asked in turn: 16 different charts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


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
    def __init__(self, emulator: SlackEmulator, *, bot_url: str, floor_url: str, kpis: list[str]) -> None:
        self.emulator = emulator
        self.bot_url = bot_url
        self.floor_url = f"{floor_url}/slack/events"
        self.kpis = kpis
        self.channel = emulator.channel("general").id
        self.next_user = 0
        self.next_kpi = 0
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
        """A different user for every request, so each one waits for its own answer (and has no DM yet)."""
        with self.lock:
            self.next_user += 1
            return self.emulator.user(f"user{self.next_user}").id

    def kpi(self) -> str:
        with self.lock:
            self.next_kpi += 1
            return self.kpis[self.next_kpi % len(self.kpis)]

    def run(self, *, command: str, requests: int, concurrency: int, cold: bool) -> tuple[list, list]:
        acks: list[float] = []
        finals: list[float] = []

        def one(_: int) -> None:
            user = self.user() if command == "/kpi" else self.emulator.user("cfo").id
            if cold:
                self.clear_cache()
            answered = self.answered[user] = threading.Event()
            text = self.kpi() if command == "/kpi" else ""
            url = self.floor_url if command == "/noop" else None
            start = time.perf_counter()
            delivery = self.emulator.send_slash_command(
                text, user=user, channel=self.channel, command=command, app_url=url
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


Figures = dict[str, tuple[float, float, float]]  # name -> (p50, p95, p99) in ms


def percentiles(values: list[float]) -> tuple[float, float, float]:
    return (percentile(values, 50) * 1000, percentile(values, 95) * 1000, percentile(values, 99) * 1000)


def line(name: str, figures: tuple[float, float, float], floor: tuple[float, float, float] | None) -> str:
    p50, p95, p99 = figures
    ratio = f"  ({p50 / floor[0]:.2f}x floor p50, {p99 / floor[2]:.2f}x floor p99)" if floor else ""
    return f"{name:<30} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms{ratio}"


def measure(bench: Bench, *, requests: int, concurrency: int) -> Figures:
    """One run at one concurrency: the floor, then /kpi cold, then /kpi warm."""
    out: Figures = {}
    floor, _ = bench.run(command="/noop", requests=requests, concurrency=concurrency, cold=False)
    out["no-op floor: ack"] = percentiles(floor)
    for cold in (True, False):
        label = "cold" if cold else "warm"
        if not cold:  # every KPI's chart drawn once, so the warm run only reads the cache
            bench.run(command="/kpi", requests=len(bench.kpis), concurrency=4, cold=False)
        acks, finals = bench.run(command="/kpi", requests=requests, concurrency=concurrency, cold=cold)
        out[f"/kpi {label}: ack"] = percentiles(acks)
        out[f"/kpi {label}: final message"] = percentiles(finals)
    return out


def report(figures: Figures) -> None:
    floor = figures["no-op floor: ack"]
    for name, values in figures.items():
        print(line(name, values, None if name.startswith("no-op") else floor))


def start_process(script: str, port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, str(REPO / "benchmarks" / script), str(port)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready", script
    return process


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--render-processes", type=int, default=2)
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="kpibot-bench-"))
    asking = args.runs * len(levels) * 2 * (args.requests + KPIS) + 16
    users = [{"name": f"user{i}", "email": f"user{i}@northwind.example"} for i in range(1, asking + 1)]
    users.append({"name": "cfo", "email": "cfo@northwind.example"})
    emulator = SlackEmulator.with_workspace(
        channels=["general"], users=users, signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN
    ).start()
    processes: list[subprocess.Popen[str]] = []
    try:
        env = prepare(folder)
        env.update(
            SLACK_API_URL=emulator.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            KPIBOT_RENDER_PROCESSES=str(args.render_processes),
        )
        bot_port, floor_port = free_port(), free_port()
        processes.append(start_process("kpibot_process.py", bot_port, env))
        processes.append(start_process("noop_app.py", floor_port, env))
        bot_url = f"http://127.0.0.1:{bot_port}"
        emulator.request_url = f"{bot_url}/slack/events"
        kpis = list(load_config(REPO / "config").kpis)[:KPIS]
        bench = Bench(emulator, bot_url=bot_url, floor_url=f"http://127.0.0.1:{floor_port}", kpis=kpis)
        bench.run(command="/kpi", requests=8, concurrency=2, cold=True)  # warm-up: imports, pool workers
        bench.run(command="/noop", requests=8, concurrency=2, cold=False)
        print(f"render processes: {args.render_processes}, cores: {os.cpu_count()}, KPIs: {', '.join(kpis)}")
        runs: dict[int, list[Figures]] = {level: [] for level in levels}
        for run in range(1, args.runs + 1):
            for level in levels:
                print(f"\n== run {run}, concurrency {level}, {args.requests} requests ==")
                runs[level].append(measure(bench, requests=args.requests, concurrency=level))
                report(runs[level][-1])
        for level in levels:
            print(f"\n== median of {args.runs} runs, concurrency {level} ==")
            report(
                {
                    name: tuple(statistics.median(r[name][i] for r in runs[level]) for i in range(3))  # type: ignore[misc]
                    for name in runs[level][0]
                }
            )
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        emulator.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
