"""A world for the crash tests: the local Slack in this process, a database with data, a config with a
digest (chart + thread overflow) and a storm of alert rules, and `kpibot` child processes that can be
killed with SIGKILL at any step (crash_child.py).

    world = CrashWorld.create(tmp_path, database_url, zygote=Zygote())
    world.run("digest", "send", "daily", plan=Plan(step=1, phase="before"))   # returns -9
    world.run("digest", "send", "daily", later=True)                          # the restart
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kpi_core.alerts.store import IncidentStore
from kpi_core.clock import ManualClock
from kpi_core.runtime import Runtime
from kpi_core.settings import Settings
from kpi_core.storage.observations import ObservationStore
from kpibot_demo.stack import BOT_TOKEN, SIGNING_SECRET
from slack_sandbox import SlackEmulator
from tests.bot.alerts.harness import CHANNELS, KPIS, ROUTE, RULE, USERS

REPO = Path(__file__).resolve().parents[3]
EXTRA_KPIS = 150  # enough table rows for the digest to overflow into its thread
LATER = timedelta(minutes=15)  # past every lease: the restart takes the interrupted work over
RULES = [
    {**RULE, "name": f"Churn above {level}", "condition": f"churn_rate > {level}%"}
    for level in ("4", "4.1", "4.2", "4.3", "4.4")
]


class Zygote:
    """The crash child in zygote mode (crash_child.py): forks one `kpibot` process per command."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.bot.e2e.crash_child", "--zygote"],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.codes: dict[int, int] = {}
        assert self._read() == {"ready": True}

    def _read(self, timeout: float = 120) -> dict[str, Any]:
        stdout = self.process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        line = stdout.readline() if ready else ""
        if not line:
            raise AssertionError("the crash zygote stopped answering")
        message: dict[str, Any] = json.loads(line)
        if "code" in message:
            self.codes[message["pid"]] = message["code"]
        return message

    def start(self, args: list[str], *, env: dict[str, str], plan: dict[str, Any], out: str) -> int:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps({"args": args, "env": env, "plan": plan, "out": out}) + "\n")
        stdin.flush()
        while True:
            message = self._read()
            if "code" not in message and "pid" in message:
                return int(message["pid"])

    def exited(self, pid: int) -> bool:
        ready, _, _ = select.select([self.process.stdout], [], [], 0)
        if ready:
            self._read()
        return pid in self.codes

    def wait(self, pid: int) -> int:
        while pid not in self.codes:
            self._read()
        return self.codes.pop(pid)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@dataclass(frozen=True)
class Plan:
    step: int = 0
    phase: str = "none"  # before | after (the child kills itself) | none


@dataclass
class CrashWorld:
    folder: Path
    database_url: str
    emulator: SlackEmulator
    now: datetime
    zygote: Zygote
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, folder: Path, database_url: str, *, zygote: Zygote) -> CrashWorld:
        now = datetime.now(UTC).replace(microsecond=0)
        config = write_crash_config(folder / "config", fire=now - timedelta(hours=2))
        emulator = SlackEmulator.with_workspace(
            channels=[*CHANNELS, "kpi-daily"], users=USERS, signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN
        ).start()
        settings = Settings(DATABASE_URL=database_url, KPIBOT_CONFIG=config)
        runtime = Runtime.create(settings, clock=ManualClock(now))
        store = ObservationStore(runtime.db)
        for days in range(1, 15):  # two weeks of history for the chart
            day = (now - timedelta(days=days)).date()
            store.record("churn_rate", day, 2.0 + days / 10, source="push", now=now)
            store.record("uptime", day, 99.9, source="push", now=now)
        for n in range(EXTRA_KPIS):
            store.record(f"m{n:03d}", (now - timedelta(days=1)).date(), 100.0 + n, source="push", now=now)
        runtime.close()
        env = {
            "SLACK_API_URL": emulator.api_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "DATABASE_URL": database_url,
            "KPIBOT_CONFIG": str(config),
            "KPIBOT_RENDER_PROCESSES": "0",
        }
        return cls(folder, database_url, emulator, now, zygote, env)

    def start(self, *args: str, plan: Plan = Plan(), later: bool = False) -> int:
        """Start `kpibot ARGS` as its own process (forked by the zygote); its pid."""
        moment = self.now + LATER if later else self.now
        spec = {
            "step": plan.step,
            "phase": plan.phase,
            "now": moment.isoformat(),
            "log": str(self.folder / "steps.log"),
        }
        out = str(self.folder / "kpibot.out")
        return self.zygote.start(list(args), env=self.env, plan=spec, out=out)

    def run(
        self,
        *args: str,
        plan: Plan = Plan(),
        later: bool = False,
        replicas: int = 1,
        allowed: tuple[int, ...] = (0, -9),
    ) -> list[int]:
        """Run the command (`replicas` copies at once) to its end or its planned death; the exit codes."""
        pids = [self.start(*args, plan=plan, later=later) for _ in range(replicas)]
        codes = [self.zygote.wait(pid) for pid in pids]
        if any(code not in allowed for code in codes):
            output = (self.folder / "kpibot.out").read_text()
            raise AssertionError(f"kpibot {' '.join(args)} exited {codes}:\n{output[-3000:]}")
        return codes

    def kill_during(self, *args: str, method: str, earlier: int) -> int:
        """Kill the command while its call to `method` (after `earlier` of them) is in flight: the emulator
        does what was asked and holds the answer; the process dies waiting for it."""
        before = len([c for c in self.emulator.calls_to(method) if c.fault])
        self.emulator.inject_fault(method, "late", hold=60, processed=True, after=earlier)
        pid = self.start(*args)
        deadline = time.monotonic() + 60
        while len([c for c in self.emulator.calls_to(method) if c.fault]) == before:
            if self.zygote.exited(pid) or time.monotonic() > deadline:
                output = (self.folder / "kpibot.out").read_text()
                raise AssertionError(f"never reached {method} #{earlier + 1}:\n{output[-3000:]}")
            time.sleep(0.02)  # waiting for another process, not for time to pass
        os.kill(pid, signal.SIGKILL)
        code = self.zygote.wait(pid)
        self.emulator.clear_faults()
        return code

    def steps(self) -> list[str]:
        log = self.folder / "steps.log"
        return log.read_text().split() if log.exists() else []

    def forget_steps(self) -> None:
        (self.folder / "steps.log").unlink(missing_ok=True)

    def store(self) -> tuple[IncidentStore, Runtime]:
        runtime = Runtime.create(
            Settings(DATABASE_URL=self.database_url, KPIBOT_CONFIG=self.folder / "config"),
            clock=ManualClock(self.now),
        )
        return IncidentStore(runtime.db), runtime

    def stop(self) -> None:
        self.emulator.stop()


def write_crash_config(folder: Path, *, fire: datetime) -> Path:
    """kpis.yml, alerts.yml and digests.yml. The digest fires daily at `fire`'s time of day: two hours
    before the test's now, so the restart (LATER) reports the same period even around midnight."""
    folder.mkdir(parents=True, exist_ok=True)
    extra: dict[str, Any] = {
        f"m{n:03d}": {
            "name": f"Metric {n:03d} with a long descriptive name",
            "category": f"group_{n % 60}",
            "unit": "count",
            "grain": "daily",
        }
        for n in range(EXTRA_KPIS)
    }
    (folder / "kpis.yml").write_text(json.dumps({"kpis": {**KPIS, **extra}}, indent=1))
    route = {**ROUTE, "escalate_after": None, "escalation": None}
    alerts = {"fallback_channel": "#kpi-ops", "alerts": RULES, "routing": {"routes": [route]}}
    (folder / "alerts.yml").write_text(json.dumps(alerts, indent=1))
    digest = {
        "title": "Daily metrics",
        "schedule": f"daily at {fire:%H:%M}",
        "timezone": "UTC",
        "channel": "#kpi-daily",
        "sections": [
            {"headline": ["churn_rate", "uptime"]},
            {
                "chart": {
                    "title": "Last 14 days",
                    "window": "14d",
                    "panels": [{"title": "Churn", "kpis": ["churn_rate"]}],
                }
            },
            {"table": {"title": "Everything", "kpis": ["churn_rate", "uptime", *extra]}},
        ],
    }
    (folder / "digests.yml").write_text(json.dumps({"digests": {"daily": digest}}, indent=1))
    return folder
