"""Exactly-once under Slack faults: a 300-incident storm delivered through the local Slack emulator while a
seeded fault schedule fails 0%, 20% or 50% of the calls (429 bursts, 5xx streaks, timeouts, answers after
the client gave up, connection resets; half of the 5xx/timeouts/late/resets took effect in Slack).

    python benchmarks/bench_faults.py                     # 300 incidents at 0, 20, 50%, 3 seeds each
    python benchmarks/bench_faults.py --incidents 100 --rates 0.5 --runs 5 --postgres --replicas 2

Each run: 300 rules fire at once (each incident for #exec-alerts and both owners' DMs: 900 notifications,
shared storm messages), a third are acknowledged during the faults, the faults stop and the bot drains.
Reported per fault rate, medians over the seeds: notifications delivered, doubled and lost (checked against
what the emulator holds, tests/bot/alerts/invariants.py), Slack calls, faults injected, and the drain time
(wall clock from the end of the faults until every outbox row was finished) and the whole run's time.
The client times out after --timeout (0.5 s) and slow answers take 1.5 times that, so the storm stays
short; much less and reading a DM's history of 60 storm messages times out on a busy machine too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.bot.alerts.storm import storm_bot  # noqa: E402


def run_once(
    folder: Path, url: str, *, incidents: int, rate: float, seed: int, replicas: int, timeout: float
) -> dict[str, float]:
    started = time.perf_counter()
    with storm_bot(folder, url, replicas=replicas, incidents=incidents, timeout=timeout) as bot:
        result = bot.run(seed=seed, rate=rate, max_rounds=2000)
    census = result.census
    return {
        "delivered": census.sent,
        "doubled": len(census.doubled),
        "lost": len(census.lost) + len(census.problems) + census.failed,
        "calls": result.slack_calls,
        "faults": result.faults,
        "drain_s": result.drain_seconds,
        "total_s": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=300)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.0, 0.2, 0.5])
    parser.add_argument("--runs", type=int, default=3, help="seeds per fault rate")
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=0.5, help="the client's timeout, seconds")
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL (tests/pg.py)")
    args = parser.parse_args()
    print(
        f"{args.incidents} incidents x 3 destinations, {args.replicas} replica(s), {args.runs} seeds per rate"
    )
    print(
        f"{'faults':>7} {'delivered':>9} {'doubled':>7} {'lost':>5} {'calls':>6} {'injected':>8} "
        f"{'drain s':>8} {'run s':>7}"
    )
    with tempfile.TemporaryDirectory() as tmp, _database(args.postgres) as make_url:
        for rate in args.rates:
            rows = []
            for seed in range(args.runs):
                folder = Path(tmp) / f"r{rate}-{seed}"
                rows.append(
                    run_once(
                        folder,
                        make_url(folder),
                        incidents=args.incidents,
                        rate=rate,
                        seed=seed,
                        replicas=args.replicas,
                        timeout=args.timeout,
                    )
                )
            med = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
            worst = {key: max(row[key] for row in rows) for key in ("doubled", "lost")}
            print(
                f"{rate:>6.0%} {med['delivered']:>9.0f} {worst['doubled']:>7} {worst['lost']:>5} "
                f"{med['calls']:>6.0f} {med['faults']:>8.0f} {med['drain_s']:>8.2f} {med['total_s']:>7.2f}"
            )
    print("delivered, calls, injected, drain s, run s: medians; doubled, lost: the worst seed")


class _database:
    """A factory of fresh database URLs: SQLite files, or new databases on a throwaway PostgreSQL."""

    def __init__(self, postgres: bool) -> None:
        self.postgres, self.server = postgres, None

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not self.postgres:
            return lambda folder: f"sqlite:///{folder.mkdir(parents=True) or folder / 'kpibot.db'}"
        from tests.pg import create_database, postgres_server

        self.server = postgres_server()
        admin = self.server.__enter__()
        if admin is None:
            raise SystemExit("no PostgreSQL binaries on this machine")
        return lambda _folder: create_database(admin)

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.__exit__(*exc)


if __name__ == "__main__":
    main()
