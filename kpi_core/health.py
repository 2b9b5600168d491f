"""One company health score, 0-100, from every KPI's goal standing and health, weighted by tier.

    score = health_score([HealthInput("mrr", "MRR", "revenue", "north_star", goal="behind", progress=0.8,
                                      health="healthy"), ...])
    score.score, score.band, score.categories, score.drags  # 71.4, Band.GOOD, (...), (three largest drags)

Each KPI earns points: its goal standing (met 100, on pace 85, behind up to 70 by its progress, 40
without one) and its health (healthy 100, warning 50, critical 0), averaged over whichever it has. A
KPI with neither is listed as unrated and left out. The overall score is the tier-weighted mean, and a
KPI's drag is the points the overall score loses to it (the drags add up to 100 - score).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

GoalStanding = Literal["met", "on_pace", "behind"]
HealthLevel = Literal["healthy", "warning", "critical"]


class Band(StrEnum):
    EXCELLENT = "EXCELLENT"
    GOOD = "GOOD"
    FAIR = "FAIR"
    POOR = "POOR"


BAND_FLOORS: tuple[tuple[float, Band], ...] = ((85.0, Band.EXCELLENT), (70.0, Band.GOOD), (50.0, Band.FAIR))


def band_for(score: float) -> Band:
    """EXCELLENT from 85, GOOD from 70, FAIR from 50, POOR below (the framework's "EXCELLENT (85/100)")."""
    for floor, band in BAND_FLOORS:
        if score >= floor:
            return band
    return Band.POOR


def _frozen(values: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class HealthWeights:
    tiers: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"north_star": 3.0, "input": 2.0, "output": 1.5, "health": 1.0})
    )
    goal_points: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"met": 100.0, "on_pace": 85.0, "behind": 70.0})
    )
    behind_without_progress: float = 40.0
    health_points: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"healthy": 100.0, "warning": 50.0, "critical": 0.0})
    )


@dataclass(frozen=True)
class HealthInput:
    """What the score needs to know about one KPI (adapt from the KPI's snapshot)."""

    key: str
    name: str
    category: str
    tier: str
    goal: GoalStanding | None = None
    health: HealthLevel | None = None
    progress: float | None = None  # 1.0 == at target, direction-aware


@dataclass(frozen=True)
class KpiPoints:
    key: str
    name: str
    category: str
    tier: str
    points: float  # 0..100
    weight: float
    drag: float  # points of the overall score lost to this KPI
    goal: GoalStanding | None
    health: HealthLevel | None


@dataclass(frozen=True)
class CategoryScore:
    category: str
    score: float
    band: Band
    kpis: int


@dataclass(frozen=True)
class HealthScore:
    score: float
    band: Band
    categories: tuple[CategoryScore, ...]
    drags: tuple[KpiPoints, ...]  # the largest drags, largest first (at most three)
    kpis: tuple[KpiPoints, ...]
    unrated: tuple[str, ...]  # names of KPIs with neither a goal standing nor a health


class NoRatedKpisError(ValueError):
    """No KPI has a goal standing or a health, so there is nothing to score."""


def kpi_points(item: HealthInput, weights: HealthWeights) -> float | None:
    parts: list[float] = []
    if item.goal is not None:
        if item.goal == "behind":
            if item.progress is None:
                parts.append(weights.behind_without_progress)
            else:
                parts.append(weights.goal_points["behind"] * min(1.0, max(0.0, item.progress)))
        else:
            parts.append(weights.goal_points[item.goal])
    if item.health is not None:
        parts.append(weights.health_points[item.health])
    return sum(parts) / len(parts) if parts else None


def health_score(
    items: Sequence[HealthInput], *, weights: HealthWeights | None = None, drags: int = 3
) -> HealthScore:
    """The overall score, per-category sub-scores and the largest drags."""
    weights = weights or HealthWeights()
    rated: list[tuple[HealthInput, float, float]] = []
    unrated: list[str] = []
    for item in items:
        points = kpi_points(item, weights)
        weight = weights.tiers.get(item.tier, 1.0)
        if points is None or weight <= 0:
            unrated.append(item.name)
        else:
            rated.append((item, points, weight))
    if not rated:
        raise NoRatedKpisError(
            "no KPI has a target or thresholds to judge it by, so there is no health score"
        )
    total = sum(weight for _, _, weight in rated)
    kpis = tuple(
        KpiPoints(
            item.key,
            item.name,
            item.category,
            item.tier,
            points,
            weight,
            weight * (100.0 - points) / total,
            item.goal,
            item.health,
        )
        for item, points, weight in rated
    )
    score = sum(k.points * k.weight for k in kpis) / total
    categories = []
    for category in dict.fromkeys(k.category for k in kpis):
        members = [k for k in kpis if k.category == category]
        sub = sum(k.points * k.weight for k in members) / sum(k.weight for k in members)
        categories.append(CategoryScore(category, sub, band_for(sub), len(members)))
    largest = sorted((k for k in kpis if k.drag > 0), key=lambda k: (-k.drag, k.key))[:drags]
    return HealthScore(score, band_for(score), tuple(categories), tuple(largest), kpis, tuple(unrated))
