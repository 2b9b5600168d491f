"""The sentences every surface uses for health, goal standing and a running period (plain text, no markup).

The card, `/kpi list`, the dashboard, the digests, `kpibot show` and the demo summary all call these, so
the same KPI reads the same way everywhere (the vocabulary is `kpi_core.standing`, docs/vocabulary.md).

>>> from kpi_core.config.models import KpiDefinition
>>> from kpi_core.standing import compute_goal
>>> kpi = KpiDefinition(key="s", name="Session", unit="minutes", target=12)
>>> goal_words(kpi, compute_goal(kpi, 9.6, on=date(2026, 12, 1)))
'🎯 behind target: 80% of ≥ 12 minutes'
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from kpi_core.config.models import Grain, KpiDefinition
from kpi_core.format import format_change, format_kpi_value, format_progress
from kpi_core.periods import shift_period
from kpi_core.snapshot import KpiSnapshot, PartialPeriod
from kpi_core.standing import (
    GOAL_SYMBOL,
    GOAL_WORD,
    HEALTH_SYMBOL,
    HEALTH_WORD,
    NO_TARGET,
    Goal,
    GoalStanding,
    Health,
)


def health_words(kpi: KpiDefinition, health: Health, *, detail: bool = True) -> str:
    """`🟢 healthy`, `🟠 warning (at or below 5 minutes)`, `no thresholds`, `⚪ no data`."""
    word = HEALTH_WORD[health]
    symbol = HEALTH_SYMBOL[health]
    text = f"{symbol} {word}" if symbol else word
    if detail and health in (Health.WARNING, Health.CRITICAL):
        level = kpi.thresholds.critical if health is Health.CRITICAL else kpi.thresholds.warning
        side = "at or below" if kpi.direction == "higher" else "at or above"
        text += f" ({side} {format_kpi_value(kpi, level)})"
    return text


def target_words(kpi: KpiDefinition, target: float) -> str:
    """`≥ $500K` or `≤ 2.5%`: the target with the side that meets it."""
    return f"{'≤' if kpi.direction == 'lower' else '≥'} {format_kpi_value(kpi, target)}"


def goal_words(kpi: KpiDefinition, goal: GoalStanding | None, *, short: bool = False) -> str:
    """Where a value stands against its target, in words behind the 🎯 marker.

    Fixed target: `🎯 behind target: 80% of ≥ 12 minutes`, `🎯 target met: 104% of ≥ $500K`.
    Dated progression: `🎯 behind target: 749K expected by 30 Nov, ≥ 800K by 31 Dec 2026`; `short`
    leaves the milestone out (lists and tables). No target (or no value): `no target`.
    """
    if goal is None:
        return NO_TARGET
    head = f"{GOAL_SYMBOL} {GOAL_WORD[goal.goal]}"
    aim = target_words(kpi, goal.target)
    if goal.expected is None or goal.goal is Goal.MET:
        due = f" by {goal.due:%-d %b %Y}" if goal.due is not None and not short else ""
        return f"{head}: {format_progress(goal.progress)} of {aim}{due}"
    expected = f"{format_kpi_value(kpi, goal.expected)} expected by {goal.on:%-d %b}"
    if short:
        return f"{head}: {expected}"
    due = f" by {goal.due:%-d %b %Y}" if goal.due is not None else ""
    return f"{head}: {expected}, {aim}{due}"


def period_name(start: date, grain: Grain) -> str:
    """How a period is called in a sentence: `December`, `week of 30 Nov`, `Q4`, `Wed 2 Dec`."""
    if grain == "daily":
        return start.strftime("%a %-d %b")
    if grain == "weekly":
        return start.strftime("week of %-d %b")
    if grain == "monthly":
        return start.strftime("%B")
    return f"Q{(start.month - 1) // 3 + 1}"


def in_progress_words(kpi: KpiDefinition, partial: PartialPeriod | None) -> str:
    """`December to date (2 of 31 days): 76,651 · 13% of November · on pace for 1.19M · ↑ 4% vs November
    pro rata`.

    "pro rata" compares with the period before at the same point (its value x days elapsed / its days).
    A rate is shown to date only. "" when there is no running period.
    """
    if partial is None:
        return ""
    name = period_name(partial.period, kpi.grain)
    if kpi.grain == "daily":
        head = f"{name} so far: {format_kpi_value(kpi, partial.value)}"
    else:
        days = f"{partial.elapsed_days} of {partial.total_days} days"
        head = f"{name[:1].upper()}{name[1:]} to date ({days}): {format_kpi_value(kpi, partial.value)}"
    parts = [head]
    before = period_name(shift_period(partial.period, kpi.grain, -1), kpi.grain)
    if partial.share is not None:
        parts.append(f"{format_progress(partial.share)} of {before}")
    if partial.projected is not None:
        parts.append(f"on pace for {format_kpi_value(kpi, partial.projected)}")
    if partial.like_for_like is not None:
        pro_rata = replace(partial.like_for_like, label=f"vs {before} pro rata")
        parts.append(format_change(pro_rata, kpi.unit))
    return " · ".join(parts)


def period_words(snapshot: KpiSnapshot) -> str:
    """`November (complete)` for a flow's headline, `current` for a level, "" without a value."""
    if snapshot.period is None:
        return ""
    if not snapshot.kpi.is_flow:
        return "current"
    return f"{period_name(snapshot.period, snapshot.kpi.grain)} (complete)"


def running_only_words(snapshot: KpiSnapshot) -> str:
    """`November to date: 4.6%` for a flow with no complete period yet, only a running one; else ""."""
    partial = snapshot.in_progress
    if snapshot.value is not None or partial is None:
        return ""
    name = period_name(partial.period, snapshot.kpi.grain)
    label = f"{name} so far" if snapshot.kpi.grain == "daily" else f"{name[:1].upper()}{name[1:]} to date"
    return f"{label}: {format_kpi_value(snapshot.kpi, partial.value)}"
