"""Insight lines for cohort tables, computed from the numbers (the way an analyst would write them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kpi_core.cohorts.model import CohortRow, CohortTargets
from kpi_core.format import format_value

TREND_COHORTS = 4  # how many of the newest cohorts a trend line looks at
FLAT_POINTS = 1.0  # a move smaller than this (percentage points) "holds"


def pct(value: float) -> str:
    return format_value(value, "percent", decimals=0)


def _complete(rows: Sequence[CohortRow], index: int) -> list[CohortRow]:
    return [row for row in rows if row.cells[index] is not None]


def retention_insights(
    rows: Sequence[CohortRow], *, months: tuple[int, ...], targets: Mapping[int, float]
) -> tuple[str, ...]:
    lines: list[str] = []
    for month in [m for m in months if m > 0]:
        recent = _complete(rows, months.index(month))[-TREND_COHORTS:]
        if len(recent) < 2:
            continue
        index = months.index(month)
        first, last = recent[0].cells[index], recent[-1].cells[index]
        assert first is not None and last is not None
        span = f"over the last {len(recent)} cohorts ({recent[0].label} to {recent[-1].label})"
        if last - first >= FLAT_POINTS:
            lines.append(f"Month {month} retention improved from {pct(first)} to {pct(last)} {span}")
        elif first - last >= FLAT_POINTS:
            lines.append(f"Month {month} retention fell from {pct(first)} to {pct(last)} {span}")
        else:
            lines.append(f"Month {month} retention held at {pct(last)} {span}")
    if targets:
        wanted = ", ".join(f"{pct(t)} Month {m}" for m, t in sorted(targets.items()))
        latest = []
        for month in sorted(targets):
            done = _complete(rows, months.index(month))
            if done:
                value = done[-1].cells[months.index(month)]
                assert value is not None
                mark = "met" if value >= targets[month] else "below"
                shown = pct(value) if mark == "met" or round(value) < targets[month] else f"{value:.1f}%"
                latest.append(f"Month {month} {shown} ({done[-1].label}, {mark})")
        tail = f"; newest: {', '.join(latest)}" if latest else ""
        lines.append(f"Target: {wanted}{tail}")
    return tuple(lines)


def revenue_insights(
    rows: Sequence[CohortRow], *, months: tuple[int, ...], targets: CohortTargets, currency: str
) -> tuple[str, ...]:
    def money(value: float) -> str:
        return format_value(value, currency, decimals=0)

    lines: list[str] = []
    later = [m for m in months if m > 3]
    if 3 in months and later:
        for row in rows:
            ends = [m for m in later if row.cells[months.index(m)] is not None]
            start = row.cells[months.index(3)]
            if start and ends:
                end = row.cells[months.index(ends[-1])]
                assert end is not None
                growth = 100.0 * (end - start) / start
                verb = "Expansion" if growth >= 0 else "Contraction"
                lines.append(
                    f"{verb} after Month 3: {row.label} went from {money(start)} to {money(end)} "
                    f"per customer by Month {ends[-1]} ({growth:+.0f}%)"
                )
                break
    starts = _complete(rows, months.index(0))[-(TREND_COHORTS + 1) :] if 0 in months else []
    if len(starts) >= 2:
        first, last = starts[0].cells[months.index(0)], starts[-1].cells[months.index(0)]
        assert first is not None and last is not None
        verb = "higher" if last > first else "lower"
        lines.append(
            f"Newer cohorts start {verb}: Month 0 revenue per customer {money(first)} ({starts[0].label}) "
            f"to {money(last)} ({starts[-1].label})"
        )
    lines.append(_nrr_line(rows, targets))
    return tuple(lines)


def _nrr_line(rows: Sequence[CohortRow], targets: CohortTargets) -> str:
    head = f"Target NRR: {pct(targets.nrr)} by Month {targets.nrr_month}"
    full = [row for row in rows if row.nrr is not None and row.nrr_month == targets.nrr_month]
    if full:
        met = [row for row in full if row.nrr is not None and row.nrr >= targets.nrr]
        newest = full[-1]
        assert newest.nrr is not None
        return f"{head}; {len(met)} of {len(full)} cohorts met it (newest, {newest.label}: {pct(newest.nrr)})"
    young = [row for row in rows if row.nrr is not None]
    if young:
        oldest = young[0]
        assert oldest.nrr is not None
        return f"{head}; no cohort has reached Month {targets.nrr_month} yet ({oldest.label}: " + (
            f"{pct(oldest.nrr)} after Month {oldest.nrr_month})"
        )
    return f"{head}; no cohort has a complete month after Month 0 yet"


def adoption_insights(
    rows: Sequence[CohortRow], *, weeks: tuple[int, ...], targets: Mapping[int, float]
) -> tuple[str, ...]:
    def known(row: CohortRow) -> list[tuple[int, float]]:
        return [(w, c) for w, c in zip(weeks, row.cells, strict=True) if c is not None]

    lines: list[str] = []
    rated = [(row, known(row)) for row in rows if known(row)]
    if not rated:
        return ()
    quick = [(row, cells[0]) for row, cells in rated if cells[0][1] >= 50.0]
    if quick:
        names = ", ".join(f"{row.label} ({pct(first[1])})" for row, first in quick)
        lines.append(f"Adopted quickly, by Week {rated[0][1][0][0]}: {names}")
    growing = max(rated, key=lambda item: item[1][-1][1] - item[1][0][1])
    row, cells = growing
    if len(cells) >= 2 and cells[-1][1] > cells[0][1]:
        lines.append(
            f"Steadiest growth: {row.label}, from {pct(cells[0][1])} in Week {cells[0][0]} "
            f"to {pct(cells[-1][1])} by Week {cells[-1][0]}"
        )
    least = min(rated, key=lambda item: item[1][-1][1])
    lines.append(f"Least adopted: {least[0].label}, {pct(least[1][-1][1])} by Week {least[1][-1][0]}")
    for week, target in sorted(targets.items()):
        index = weeks.index(week)
        below = [r.label for r in rows if r.cells[index] is not None and (r.cells[index] or 0) < target]
        if below:
            lines.append(f"Below the Week {week} target of {pct(target)}: {', '.join(below)}")
    return tuple(lines)
