"""More random mutations of the shipped config than the suite runs, including text mutations of
kpis.yml (each one parses the 1,400-line file again, about 0.15 s, which is why the suite skips them).

    python benchmarks/bench_config_fuzz.py                    # 10,000 value + 1,000 text mutations
    python benchmarks/bench_config_fuzz.py --values 2000 --texts 200 --seed 7

Prints how many mutations ran, how many gave a config or issues, the median time per check, and
fails (exit 1) on the first mutation that raised anything but a ConfigError, printing it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.kpi_core.config.mutations import (
    FILES,
    HOSTILE_LINES,
    HOSTILE_SCALARS,
    key_paths,
    text_mutation_outcome,
    value_mutation_outcome,
)

VALUE_KINDS = ["replace", "replace", "replace", "drop", "rename", "wrap", "double"]
TEXT_KINDS = ["replace", "drop", "double", "indent", "insert", "cut"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=10_000)
    parser.add_argument("--texts", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    outcomes: dict[str, int] = {"ok": 0, "issues": 0}
    times: list[float] = []
    jobs = [("value", i) for i in range(args.values)] + [("text", i) for i in range(args.texts)]
    for kind, _ in jobs:
        if kind == "value":
            name = rng.choice(FILES)
            mutation = (
                name,
                rng.choice(key_paths(name)),
                rng.choice(VALUE_KINDS),
                rng.choice(HOSTILE_SCALARS),
            )
            run = lambda m=mutation: value_mutation_outcome(*m)  # noqa: E731
        else:
            payload = (
                rng.choice(HOSTILE_LINES)
                if rng.random() < 0.7
                else "".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(1, 12)))
            )
            mutation = (rng.choice(FILES), rng.randrange(0, 1_400), rng.choice(TEXT_KINDS), payload)
            run = lambda m=mutation: text_mutation_outcome(m[0], line=m[1], kind=m[2], payload=m[3])  # noqa: E731
        started = time.perf_counter()
        try:
            result = run()
        except Exception as error:  # the bug this benchmark looks for
            print(f"CRASH on {kind} mutation {mutation!r}: {type(error).__name__}: {error}")
            return 1
        times.append(time.perf_counter() - started)
        outcomes["ok" if result == "ok" else "issues"] += 1
    print(
        f"{len(times)} mutations ({args.values} value, {args.texts} text), seed {args.seed}: "
        f"{outcomes['ok']} valid, {outcomes['issues']} with issues, 0 crashes; "
        f"median {statistics.median(times) * 1000:.1f} ms per check"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
