"""From KPI snapshots to what the health score and the stage goals read.

The snapshot already carries the shared vocabulary (kpi_core/standing.py): its `health` from the alert
thresholds and its `goal` standing (met, on pace, behind) from the target. This module only renames
them into the health score's small input type.
"""

from __future__ import annotations

from collections.abc import Iterable

from kpi_core.config.analytics import HealthConfig
from kpi_core.health import (
    GoalStanding,
    HealthInput,
    HealthLevel,
    HealthScore,
    HealthWeights,
    NoRatedKpisError,
    health_score,
)
from kpi_core.snapshot import KpiSnapshot
from kpi_core.stages import KpiValue
from kpi_core.standing import Goal, Health

_HEALTH: dict[Health, HealthLevel] = {
    Health.HEALTHY: "healthy",
    Health.WARNING: "warning",
    Health.CRITICAL: "critical",
}
_GOAL: dict[Goal, GoalStanding] = {Goal.MET: "met", Goal.ON_PACE: "on_pace", Goal.BEHIND: "behind"}


def health_input(snapshot: KpiSnapshot) -> HealthInput:
    kpi = snapshot.kpi
    health = _HEALTH.get(snapshot.health) if snapshot.value is not None else None
    standing = snapshot.goal if snapshot.value is not None else None
    goal = _GOAL[standing.goal] if standing is not None else None
    progress = standing.progress if standing is not None else None
    return HealthInput(kpi.key, kpi.name, kpi.category, kpi.tier, goal, health, progress)


def health_inputs(snapshots: Iterable[KpiSnapshot]) -> list[HealthInput]:
    return [health_input(s) for s in snapshots]


def company_health(
    snapshots: Iterable[KpiSnapshot], *, config: HealthConfig | None = None
) -> HealthScore | None:
    """The company health score over `snapshots`, with kpis.yml's tier weights; None when none is rated."""
    weights = HealthWeights(tiers={str(t): w for t, w in config.tiers.items()}) if config else None
    try:
        return health_score(health_inputs(snapshots), weights=weights)
    except NoRatedKpisError:
        return None


def stage_values(snapshots: Iterable[KpiSnapshot]) -> dict[str, KpiValue]:
    return {s.kpi.key: KpiValue(s.kpi.name, s.kpi.unit, s.value) for s in snapshots}
