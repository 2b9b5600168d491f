"""Alert evaluation and delivery at scale.

    python benchmarks/bench_alerts.py                    # SQLite in a temp dir
    python benchmarks/bench_alerts.py --postgres         # also on a throwaway PostgreSQL (tests/pg.py)
    python benchmarks/bench_alerts.py --only storm --runs 3
    python benchmarks/bench_alerts.py --postgres --only storm-tick --runs 5

- tick: one evaluation tick (`evaluate_alerts`) of 1,000 rules over 200 daily KPIs with 3 years of data,
  steady state (the incidents of the first tick exist; nothing changes), median and p95 of --runs;
  and how it grows with the rules (100 / 300 / 1,000) and the history (1, 2, 3 years, loaded one
  year at a time into the same database).
- storm: 300 rules fire at once (300 incidents, each for #kpi-alerts and its owner's DM: 600
  notifications). The evaluation tick, then delivery through the local Slack emulator with its rate
  limits on, time simulated by a ManualClock (the sender's pacing moves it): how many Slack calls, how
  many 429s, and how long until everything is delivered; with storm grouping and without.
- storm-tick: the storm's evaluation tick alone (300 incidents, their events and 600 outbox rows
  written), --runs times, each on a fresh database: median and p95.

Rules are five per KPI, in every form alerts.yml accepts: a seed 001 condition, "3 consecutive days",
"7 day rolling average", a structured rule with a 14-day average held 2 days, and seed 000 levels.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from slack_sdk import WebClient  # noqa: E402

from bot.alerts import grouping  # noqa: E402
from bot.alerts.jobs import SlackAlertJobs  # noqa: E402
from bot.alerts.pacing import manual_pacer  # noqa: E402
from kpi_core.alerts.evaluator import evaluate_alerts  # noqa: E402
from kpi_core.alerts.rules import compile_rules  # noqa: E402
from kpi_core.alerts.store import IncidentStore  # noqa: E402
from kpi_core.clock import ManualClock  # noqa: E402
from kpi_core.config.loader import AppConfig, load_config  # noqa: E402
from kpi_core.runtime import Runtime  # noqa: E402
from kpi_core.settings import Settings  # noqa: E402
from kpi_core.sources import store_for  # noqa: E402
from kpi_core.storage.db import Database  # noqa: E402
from kpi_core.storage.migrate import upgrade  # noqa: E402
from kpibot_demo.stack import BOT_TOKEN, SIGNING_SECRET  # noqa: E402
from slack_sandbox.emulator import SlackEmulator  # noqa: E402

NOW = datetime(2026, 11, 20, 14, tzinfo=UTC)
KPIS = 200
OWNERS = [f"owner{n}@northwind.example" for n in range(10)]


def value(n: int, day: date) -> float:
    """A deterministic daily series per KPI: 800 + n plus a 97-day saw tooth of up to 336."""
    return 800.0 + n + (day.toordinal() % 97) * 3.5


def kpis() -> dict[str, Any]:
    return {
        f"kpi_{n:03d}": {
            "name": f"Metric {n}",
            "category": f"group_{n % 8}",
            "grain": "daily",
            "unit": "count",
            "direction": "higher",
            "owner": OWNERS[n % len(OWNERS)],
        }
        for n in range(KPIS)
    }


def rules(count: int, *, storm: int = 0) -> list[dict[str, Any]]:
    """`count` rules, five forms in turn over the 200 KPIs; the first `storm` of them fire at NOW."""
    out: list[dict[str, Any]] = []
    for r in range(count):
        n, form = r % KPIS, (r // KPIS) % 5
        key = f"kpi_{n:03d}"
        today = value(n, NOW.date())
        if r < storm:
            out.append(
                {"name": f"Storm {r}", "condition": f"{key} > {today - 1:.1f}", "severity": "critical"}
            )
        elif form == 0:  # one KPI in ten is above its line now: 2% of the 1,000 rules are firing
            line = today - 1 if n % 10 == 0 else 800 + n + 340
            out.append({"name": f"High {r}", "condition": f"{key} > {line:.1f}", "severity": "critical"})
        elif form == 1:
            out.append(
                {
                    "name": f"Low {r}",
                    "condition": f"{key} < {800 + n + 10}",
                    "threshold": "3 consecutive days",
                }
            )
        elif form == 2:
            out.append(
                {
                    "name": f"Avg {r}",
                    "condition": f"{key} > {800 + n + 300}",
                    "threshold": "7 day rolling average",
                }
            )
        elif form == 3:
            out.append(
                {
                    "name": f"Structured {r}",
                    "kpi": key,
                    "op": "<",
                    "value": 800 + n + 20,
                    "aggregate": "avg",
                    "window": "14 days",
                    "for": "2 days",
                    "severity": "warning",
                }
            )
        else:
            out.append({"name": f"Levels {r}", "kpi": key, "warning": 800 + n + 15, "critical": 800 + n + 5})
    return out


ROUTING = {
    "routes": [
        {
            "match": {"severity": "critical"},
            "channels": ["#kpi-alerts"],
            "mentions": ["@here"],
            "owner_dms": True,
            "repeat_interval": "4h",
        },
        {"match": {"severity": "warning"}, "channels": ["#kpi-alerts"], "repeat_interval": "24h"},
        {"match": {"severity": "info"}, "digest_only": True},
    ]
}


def write_config(folder: Path, alert_rules: list[dict[str, Any]]) -> AppConfig:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kpis.yml").write_text(json.dumps({"kpis": kpis()}))
    body = {"fallback_channel": "#kpi-ops", "alerts": alert_rules, "routing": ROUTING}
    (folder / "alerts.yml").write_text(json.dumps(body))
    return load_config(folder, env={})


def load_year(config: AppConfig, db: Database, year: int) -> float:
    """Record the `year`-th most recent year of data for every KPI; returns seconds."""
    end = NOW.date() - timedelta(days=365 * (year - 1))
    days = [end - timedelta(days=d) for d in range(365 + (1 if year == 3 else 0))]
    store = store_for(config, db)
    started = time.perf_counter()
    for n, key in enumerate(kpis()):
        store.record_many([(key, day, value(n, day)) for day in days], source="import", now=NOW)
    return time.perf_counter() - started


def measure(work: Callable[[], object], runs: int) -> list[float]:
    work()  # warm-up (and, for a tick, the first tick: incidents open)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(name: str, timings: list[float], note: str = "") -> None:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    print(f"{name:<28} median {median:8.1f} ms   p95 {p95:8.1f} ms   n={len(ordered)}   {note}")


@contextmanager
def databases(postgres: bool, folder: Path) -> Iterator[list[tuple[str, Callable[[str], str]]]]:
    """(label, name -> fresh database URL) for SQLite and, with --postgres, a throwaway PostgreSQL."""
    found: list[tuple[str, Callable[[str], str]]] = [("sqlite", lambda name: f"sqlite:///{folder / name}.db")]
    if not postgres:
        yield found
        return
    from tests.pg import create_database, postgres_server

    with postgres_server() as admin:
        if admin is None:
            raise SystemExit("--postgres: no PostgreSQL binaries on this machine")
        found.append(("postgresql", lambda _name: create_database(admin)))
        yield found


def fresh(url: str) -> Database:
    db = Database.from_url(url)
    upgrade(db.engine)
    return db


def bench_tick(label: str, make_url: Callable[[str], str], folder: Path, runs: int) -> None:
    config = write_config(folder / f"tick-{label}", rules(1000))
    compiled_at = time.perf_counter()
    compiled = compile_rules(config.alerts, config.catalog)
    compile_ms = (time.perf_counter() - compiled_at) * 1000
    db = fresh(make_url("tick"))
    store, source = IncidentStore(db), store_for(config, db)

    def tick(subset: int) -> Callable[[], object]:
        chosen = compiled[:subset]
        return lambda: evaluate_alerts(config, source, store, now=NOW, rules=chosen)

    for year in (1, 2, 3):
        seconds = load_year(config, db, year)
        print(f"[{label}] loaded year {year}: {KPIS * 365:,} observations in {seconds:.1f} s")
        report(
            f"{label} tick 1000r {year}y",
            measure(tick(1000), runs),
            f"{KPIS} KPIs, {year} year(s) of daily data",
        )
    for subset in (100, 300):
        report(f"{label} tick {subset}r 3y", measure(tick(subset), runs), f"{subset} rules")
    last = evaluate_alerts(config, source, store, now=NOW, rules=compiled)
    print(
        f"[{label}] compile 1000 rules: {compile_ms:.0f} ms; states at NOW: {dict(last.states)}; "
        f"open incidents: {last.open_incidents}"
    )
    db.engine.dispose()


def bench_storm(
    label: str, make_url: Callable[[str], str], folder: Path, *, group: bool, pace: bool = True
) -> None:
    name = f"storm-{label}-{'grouped' if group else 'single'}{'' if pace else '-unpaced'}"
    config_dir = folder / name
    write_config(config_dir, rules(300, storm=300))
    # yesterday the storm rules were fine; today every one of them is above its line
    clock = ManualClock(NOW)
    emulator = SlackEmulator.with_workspace(
        channels=["kpi-alerts", "kpi-ops"],
        users=[{"name": o.split("@")[0], "email": o} for o in OWNERS],
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        clock=clock,
        rate_limits=True,
    ).start()
    settings = Settings(
        SLACK_API_URL=emulator.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        DATABASE_URL=make_url(name),
        KPIBOT_CONFIG=config_dir,
    )
    runtime = Runtime.create(settings, clock=clock)
    config = runtime.config
    store_for(config, runtime.db).record_many(
        [
            (key, NOW.date() - timedelta(days=d), value(n, NOW.date() - timedelta(days=d)))
            for n, key in enumerate(kpis())
            for d in range(10)
        ],
        source="import",
        now=NOW,
    )
    # unpaced: no waiting between posts, so the emulator answers 429 and the outbox honours Retry-After
    pacer = manual_pacer(clock, limits=None if pace else {})
    jobs = SlackAlertJobs(runtime, client=WebClient(base_url=emulator.api_url, token=BOT_TOKEN), pacer=pacer)
    saved = grouping.GROUP_MIN
    grouping.GROUP_MIN = saved if group else 10**9
    try:
        started = time.perf_counter()
        evaluated = jobs.evaluate(clock.now())
        tick_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        delivery = jobs.deliver()
        while any(r.status in ("pending", "sending") for r in jobs.store.outbox()):  # 429s: wait them out
            clock.advance(seconds=1)
            more = jobs.deliver()
            delivery.sent += more.sent
        wall = time.perf_counter() - started
    finally:
        grouping.GROUP_MIN = saved
    simulated = (clock.now() - NOW).total_seconds()
    calls = Counter(c.method for c in emulator.calls)
    limited = sum(1 for c in emulator.calls if c.status == 429)
    statuses = Counter(r.status for r in jobs.store.outbox())
    messages = sum(len(emulator.messages(c.id)) for c in emulator.channels())
    print(
        f"{name:<28} evaluate {tick_ms:7.0f} ms ({evaluated.events.get('fired', 0)} fired, "
        f"{evaluated.enqueued} notifications) | delivered {statuses.get('sent', 0)} "
        f"in {simulated:.0f} s simulated ({wall:.1f} s wall) | Slack calls {sum(calls.values())}: "
        + ", ".join(f"{m} {n}" for m, n in sorted(calls.items()))
        + f" | 429s {limited} | messages in Slack {messages}, failed rows {statuses.get('failed', 0)}"
    )
    runtime.close()
    emulator.stop()


def bench_storm_tick(label: str, make_url: Callable[[str], str], folder: Path, runs: int) -> None:
    """The evaluation tick of a 300-rule storm alone (incidents, events and outbox rows written), `runs`
    times, each on a fresh database: median and p95."""
    timings = []
    fired = enqueued = 0
    for run in range(runs):
        name = f"storm-tick-{label}-{run}"
        config_dir = folder / name
        write_config(config_dir, rules(300, storm=300))
        clock = ManualClock(NOW)
        settings = Settings(
            SLACK_API_URL="http://127.0.0.1:9/api/",  # never called: the tick only writes the outbox
            SLACK_BOT_TOKEN=BOT_TOKEN,
            DATABASE_URL=make_url(name),
            KPIBOT_CONFIG=config_dir,
        )
        runtime = Runtime.create(settings, clock=clock)
        store_for(runtime.config, runtime.db).record_many(
            [
                (key, NOW.date() - timedelta(days=d), value(n, NOW.date() - timedelta(days=d)))
                for n, key in enumerate(kpis())
                for d in range(10)
            ],
            source="import",
            now=NOW,
        )
        jobs = SlackAlertJobs(runtime, client=WebClient(base_url=settings.slack_api_url, token=BOT_TOKEN))
        started = time.perf_counter()
        evaluated = jobs.evaluate(clock.now())
        timings.append((time.perf_counter() - started) * 1000)
        fired, enqueued = evaluated.events.get("fired", 0), evaluated.enqueued
        runtime.close()
    report(f"storm-tick-{label}", timings, f"300 rules firing: {fired} fired, {enqueued} outbox rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", default="tick,storm")
    parser.add_argument("--postgres", action="store_true", help="also run on a throwaway PostgreSQL server")
    args = parser.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as tmp, databases(args.postgres, Path(tmp)) as targets:
        for label, make_url in targets:
            if "tick" in only:
                bench_tick(label, make_url, Path(tmp), args.runs)
            if "storm-tick" in only:
                bench_storm_tick(label, make_url, Path(tmp), args.runs)
            if "storm" in only:
                bench_storm(label, make_url, Path(tmp), group=False, pace=False)
                for group in (False, True):
                    bench_storm(label, make_url, Path(tmp), group=group)


if __name__ == "__main__":
    main()
