"""Anomaly detection on synthetic KPIs with known anomalies: precision, recall, false alerts per clean year.

    python benchmarks/bench_anomaly.py [--series 12] [--years 4] [--seed 7] [--sensitivity 3.5]

Each series is a daily KPI with a trend, a weekly pattern (quieter weekends), a yearly swing and noise;
spikes, dips and level shifts of 4 to 8 noise standard deviations are injected at known days of its
last `years - 1` years (the first year is history only). The same series without injections measures
false alerts. An alert opens on an anomalous day and resolves after 3 normal days in a row (the alert
lifecycle's hysteresis), so it is counted once; it is true when it opens on a spike or dip day (±1) or
within the first 3 days of a level shift.
Targets (issue 13): precision >= 0.9, recall >= 0.8, <= 2 false alerts per year of clean data.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from datetime import date

import numpy as np

from kpi_core.anomaly.detect import detect_anomalies

START = date(2022, 1, 3)


@dataclass(frozen=True)
class Event:
    kind: str  # spike | dip | shift
    day: int


def synthetic(rng: np.random.Generator, days: int) -> tuple[np.ndarray, float]:
    t = np.arange(days)
    level = rng.uniform(200, 20_000)
    sigma = level * rng.uniform(0.02, 0.05)
    growth = level * rng.uniform(-0.1, 0.6) / 365 * t
    weekday = (t + START.weekday()) % 7
    weekly = np.where(weekday >= 5, -rng.uniform(0.1, 0.35), rng.uniform(-0.03, 0.03, 7)[weekday]) * level
    yearly = level * rng.uniform(0.05, 0.2) * np.sin(2 * np.pi * (t / 365.25 + rng.uniform()))
    return level + growth + weekly + yearly + rng.normal(0, sigma, days), sigma


def inject(
    rng: np.random.Generator, y: np.ndarray, sigma: float, first: int
) -> tuple[np.ndarray, list[Event]]:
    out = y.copy()
    events: list[Event] = []
    day = first + int(rng.integers(20, 60))
    while day < len(y) - 30:
        kind = str(rng.choice(["spike", "dip", "shift"], p=[0.4, 0.4, 0.2]))
        size = rng.uniform(4, 8) * sigma
        if kind == "spike":
            out[day] += size
        elif kind == "dip":
            out[day] -= size
        else:
            out[day:] += size * rng.choice([-1, 1])
        events.append(Event(kind, day))
        day += int(rng.integers(30, 90))
    return out, events


def runs(flags: np.ndarray, resolve_after: int = 3) -> list[int]:
    """Days an alert opens: an anomalous day with no anomaly in the `resolve_after` days before it.

    That is the lifecycle's hysteresis: an open alert resolves after `resolve_after` normal days in a row,
    so a level shift whose days straddle the range's edge stays one alert.
    """
    days = np.flatnonzero(flags)
    return [int(d) for i, d in enumerate(days) if i == 0 or d - days[i - 1] > resolve_after]


def score(onsets: list[int], events: list[Event]) -> tuple[int, int]:
    """(true alerts, detected events)."""
    true_alerts, detected = 0, set()
    for onset in onsets:
        for i, event in enumerate(events):
            window = (event.day - 1, event.day + 1) if event.kind != "shift" else (event.day, event.day + 3)
            if window[0] <= onset <= window[1]:
                true_alerts += 1
                detected.add(i)
                break
    return true_alerts, len(detected)


def flags_of(y: np.ndarray, first: int, sensitivity: float) -> np.ndarray:
    ranges = detect_anomalies(values=y.tolist(), start=START, grain="daily", sensitivity=sensitivity)
    flags = np.zeros(len(y), dtype=bool)
    offset = len(y) - len(ranges)
    flags[offset:] = [r.anomalous for r in ranges]
    flags[:first] = False
    return flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=12)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sensitivity", type=float, default=3.5)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    days, first = 365 * args.years, 365
    alerts = true_alerts = events_total = detected = false_clean = 0
    timings: list[float] = []
    kinds: dict[str, list[int]] = {"spike": [0, 0], "dip": [0, 0], "shift": [0, 0]}
    for _ in range(args.series):
        clean, sigma = synthetic(rng, days)
        dirty, events = inject(rng, clean, sigma, first)
        started = time.perf_counter()
        onsets = runs(flags_of(dirty, first, args.sensitivity))
        timings.append(time.perf_counter() - started)
        good, found = score(onsets, events)
        alerts, true_alerts = alerts + len(onsets), true_alerts + good
        events_total, detected = events_total + len(events), detected + found
        for event in events:
            kinds[event.kind][0] += 1
            kinds[event.kind][1] += int(score(onsets, [event])[1])
        false_clean += len(runs(flags_of(clean, first, args.sensitivity)))
    clean_years = args.series * (days - first) / 365
    print(f"series: {args.series} daily KPIs x {args.years} years, sensitivity {args.sensitivity}")
    print(f"events injected: {events_total}; alerts raised: {alerts}")
    print(f"precision: {true_alerts / max(alerts, 1):.3f}  (target >= 0.9)")
    print(f"recall:    {detected / max(events_total, 1):.3f}  (target >= 0.8)")
    for kind, (total, found) in kinds.items():
        print(f"  recall {kind:<5}: {found}/{total}")
    print(f"false alerts per clean year: {false_clean / clean_years:.2f}  (target <= 2)")
    print(f"detection time per series ({days} days, each judged): median {statistics.median(timings):.2f} s")


if __name__ == "__main__":
    main()
