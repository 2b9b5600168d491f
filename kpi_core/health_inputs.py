"""From KPI snapshots to what the health score and the stage goals read.

The snapshot's `status` says whether a warning or critical threshold is crossed (its health) when the
KPI has thresholds, and its `progress` says how it stands against its target. Until the shared
vocabulary of goal standing (met, on pace, behind) lands in the snapshot, a KPI at or past its target
is "met" and one short of it is "behind" by its progress.
"""

from __future__ import annotations

from collections.abc import Iterable

from kpi_core.health import GoalStanding, HealthInput, HealthLevel
from kpi_core.snapshot import KpiSnapshot, Status
from kpi_core.stages import KpiValue

_HEALTH: dict[Status, HealthLevel] = {
    Status.ON_TRACK: "healthy",
    Status.AT_RISK: "warning",
    Status.OFF_TRACK: "critical",
}


def health_input(snapshot: KpiSnapshot) -> HealthInput:
    kpi = snapshot.kpi
    thresholds = kpi.thresholds
    health: HealthLevel | None = None
    if snapshot.value is not None and (thresholds.warning is not None or thresholds.critical is not None):
        health = _HEALTH.get(snapshot.status)
    goal: GoalStanding | None = None
    if snapshot.value is not None and snapshot.target is not None and snapshot.progress is not None:
        goal = "met" if snapshot.progress >= 1.0 else "behind"
    return HealthInput(kpi.key, kpi.name, kpi.category, kpi.tier, goal, health, snapshot.progress)


def health_inputs(snapshots: Iterable[KpiSnapshot]) -> list[HealthInput]:
    return [health_input(s) for s in snapshots]


def stage_values(snapshots: Iterable[KpiSnapshot]) -> dict[str, KpiValue]:
    return {s.kpi.key: KpiValue(s.kpi.name, s.kpi.unit, s.value) for s in snapshots}
