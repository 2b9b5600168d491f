"""How fast the command line starts, and how much memory an idle `kpibot serve` holds.

    python benchmarks/bench_startup.py [--runs 5] [--kpibot "python -m bot"] [--idle 20]

- `kpibot --help` and `kpibot validate` on the demo config (config/): wall time of each run, median of
  --runs, in fresh processes started the way a shell does;
- `kpibot serve` (HTTP mode, the scheduler on, default render workers) on the demo data, against the local
  Slack emulator: after /healthz answers and --idle seconds have passed, RSS and PSS of every process in
  its tree from /proc/PID/smaps_rollup (PSS shares each page among the processes that map it, so the
  tree's PSS is what the bot really costs), and the totals.

The tree under test comes from the PYTHONPATH this script runs with, so the same script measures an older
checkout too (PYTHONPATH=/path/to/old/tree python benchmarks/bench_startup.py).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "config"


def timed(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        out.append((time.perf_counter() - start) * 1000)
    return out


def tree(pid: int) -> list[int]:
    """`pid` and every descendant."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        children = Path(f"/proc/{current}/task/{current}/children")
        if children.exists():
            queue.extend(int(c) for c in children.read_text().split())
    return found


def rollup(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MiB from /proc/PID/smaps_rollup."""
    fields = {}
    for row in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = row.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return fields["Rss"], fields["Pss"]


def describe(pid: int) -> str:
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    text = " ".join(a.decode(errors="replace") for a in argv if a)
    return text[:90]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure_serve(kpibot: list[str], env: dict[str, str], idle: float) -> None:
    from datetime import UTC, datetime

    from kpi_core.clock import ManualClock
    from kpi_core.runtime import Runtime
    from kpi_core.settings import Settings
    from kpibot_demo.data.prepare import prepare_demo
    from kpibot_demo.stack import BOT_TOKEN, SIGNING_SECRET
    from slack_sandbox import SlackEmulator

    folder = Path(tempfile.mkdtemp(prefix="kpibot-startup-"))
    emulator = SlackEmulator.with_workspace(
        channels=["general"], users=[], signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN
    ).start()
    process = None
    try:
        now = datetime(2026, 11, 20, 14, tzinfo=UTC)
        serve_env = {
            **env,
            "KPIBOT_WAREHOUSE_URL": f"sqlite:///{folder / 'warehouse.db'}",
            "DATABASE_URL": f"sqlite:///{folder / 'kpibot.db'}",
            "KPIBOT_CONFIG": str(CONFIG),
            "SLACK_API_URL": emulator.api_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        }
        serve_env.pop("KPIBOT_RENDER_PROCESSES", None)  # the default
        os.environ.update({k: serve_env[k] for k in ("KPIBOT_WAREHOUSE_URL", "DATABASE_URL")})
        settings = Settings(DATABASE_URL=serve_env["DATABASE_URL"], KPIBOT_CONFIG=CONFIG)
        runtime = Runtime.create(settings, clock=ManualClock(now))
        prepare_demo(runtime, now=now)
        runtime.close()
        port = free_port()
        process = subprocess.Popen(
            [*kpibot, "serve", "--port", str(port), "--host", "127.0.0.1"],
            env=serve_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("kpibot serve did not start") from None
                time.sleep(0.2)
        time.sleep(idle)
        total_rss = total_pss = 0.0
        print(f"\nkpibot serve, idle {idle:.0f} s after /healthz answered:")
        for pid in tree(process.pid):
            rss, pss = rollup(pid)
            total_rss += rss
            total_pss += pss
            print(f"  pid {pid:<7} RSS {rss:7.1f} MiB  PSS {pss:7.1f} MiB  {describe(pid)}")
        print(f"  whole tree: RSS {total_rss:.1f} MiB, PSS {total_pss:.1f} MiB")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=20)
        emulator.stop()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--kpibot", default="kpibot", help="how to start kpibot (default: the console script)"
    )
    parser.add_argument("--idle", type=float, default=20.0, help="seconds to wait before reading memory")
    parser.add_argument("--only", default="cli,serve")
    args = parser.parse_args()
    kpibot = shlex.split(args.kpibot)
    env = dict(os.environ)
    load = os.getloadavg()[0]
    print(f"PYTHONPATH={env.get('PYTHONPATH', '')}  load average {load:.2f} on {os.cpu_count()} cores")
    if "cli" in args.only:
        for name, argv in (
            ("--help", ["--help"]),
            ("validate (demo config)", ["validate", "--config", str(CONFIG)]),
        ):
            times = timed([*kpibot, *argv], args.runs, env)
            shown = " ".join(f"{t:.0f}" for t in times)
            print(f"kpibot {name:<24} median {statistics.median(times):6.0f} ms   runs: {shown}")
    if "serve" in args.only:
        measure_serve(kpibot, env, args.idle)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
