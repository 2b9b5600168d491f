"""Success metrics by business stage: which stage the company is in and which criteria it meets.

The `stages:` section of `kpis.yml` lists the stages in order. Each has criteria per category, and
each criterion has targets: a KPI with a bound (`above`, `at_least`, `below`, `at_most`), or a text
that people judge ("Top 5 mid-market BI solution"). The current stage is the one marked
`current: true`, else the last one whose `starts_on` has come, else the first.

    report = evaluate_stage(current_stage(config, today=today), values=values, today=today)
    report.criteria[0].met  # True, False, or None (not measured yet)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

_BOUNDS = {"above": ">", "at_least": "≥", "below": "<", "at_most": "≤"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageTarget(_Frozen):
    """`{kpi: nps_score, above: 50}` or `{text: "Top 5 mid-market BI solution"}`."""

    kpi: str | None = None
    above: float | None = Field(default=None, allow_inf_nan=False)
    at_least: float | None = Field(default=None, allow_inf_nan=False)
    below: float | None = Field(default=None, allow_inf_nan=False)
    at_most: float | None = Field(default=None, allow_inf_nan=False)
    text: str | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> StageTarget:
        bounds = [name for name in _BOUNDS if getattr(self, name) is not None]
        if self.kpi is None:
            if bounds or not self.text:
                raise ValueError("a target names a KPI with one bound, or is a text that people judge")
        elif len(bounds) != 1:
            raise ValueError("a KPI target needs exactly one of above, at_least, below, at_most")
        return self

    @property
    def bound(self) -> tuple[str, float] | None:
        for name in _BOUNDS:
            value = getattr(self, name)
            if value is not None:
                return name, float(value)
        return None


class StageCriterion(_Frozen):
    category: str
    measures: str = ""
    success: str = ""
    targets: tuple[StageTarget, ...] = ()


class StageConfig(_Frozen):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    months: str = ""  # e.g. "1-12": the framework's description of when
    focus: str = ""
    starts_on: date | None = None
    current: bool = False
    criteria: tuple[StageCriterion, ...] = ()


def check_stages(stages: Sequence[StageConfig]) -> list[str]:
    """Problems across stages (duplicate keys, two current stages, start dates out of order)."""
    problems = []
    keys = [s.key for s in stages]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"stage {key!r} is defined twice")
    if sum(1 for s in stages if s.current) > 1:
        problems.append("only one stage can be current")
    dated = [s.starts_on for s in stages if s.starts_on is not None]
    if dated != sorted(dated):
        problems.append("stage start dates must be in stage order")
    return problems


def current_stage(stages: Sequence[StageConfig], *, today: date) -> StageConfig:
    """The stage marked current, else the last one that has started, else the first."""
    if not stages:
        raise ValueError("no stages are configured")
    marked = [s for s in stages if s.current]
    if marked:
        return marked[0]
    started = [s for s in stages if s.starts_on is not None and s.starts_on <= today]
    return started[-1] if started else stages[0]


@dataclass(frozen=True)
class KpiValue:
    name: str
    unit: str
    value: float | None  # the latest complete value; None when there is none


@dataclass(frozen=True)
class TargetCheck:
    text: str  # "NPS Score > 52"
    value: str | None  # "52" as measured, None when not measured
    met: bool | None  # None: not measured (no value, or judged by people)


@dataclass(frozen=True)
class CriterionCheck:
    category: str
    measures: str
    success: str
    targets: tuple[TargetCheck, ...]
    met: bool | None  # all met: True; any missed: False; otherwise None


@dataclass(frozen=True)
class StageReport:
    key: str
    name: str
    focus: str
    months: str
    position: int  # 1-based
    of: int
    criteria: tuple[CriterionCheck, ...]
    next_stage: str | None

    @property
    def met(self) -> int:
        return sum(1 for c in self.criteria if c.met is True)


def check_target(target: StageTarget, values: Mapping[str, KpiValue]) -> TargetCheck:
    from kpi_core.format import format_value  # format imports the config models, which import this

    if target.kpi is None or target.bound is None:
        return TargetCheck(target.text or "", None, None)
    name, limit = target.bound
    known = values.get(target.kpi)
    label = known.name if known else target.kpi
    unit = known.unit if known else "count"
    text = f"{label} {_BOUNDS[name]} {format_value(limit, unit)}"
    if known is None or known.value is None:
        return TargetCheck(text, None, None)
    value = known.value
    met = {
        "above": value > limit,
        "at_least": value >= limit,
        "below": value < limit,
        "at_most": value <= limit,
    }[name]
    return TargetCheck(text, format_value(value, unit), met)


def evaluate_stage(
    stages: Sequence[StageConfig], stage: StageConfig, *, values: Mapping[str, KpiValue]
) -> StageReport:
    """Each criterion of `stage` against the KPIs' latest values."""
    criteria = []
    for criterion in stage.criteria:
        checks = tuple(check_target(t, values) for t in criterion.targets)
        met: bool | None
        if any(c.met is False for c in checks):
            met = False
        elif all(c.met is True for c in checks):
            met = True
        else:
            met = None
        criteria.append(
            CriterionCheck(criterion.category, criterion.measures, criterion.success, checks, met)
        )
    position = [s.key for s in stages].index(stage.key)
    following = stages[position + 1].name if position + 1 < len(stages) else None
    return StageReport(
        stage.key,
        stage.name,
        stage.focus,
        stage.months,
        position + 1,
        len(stages),
        tuple(criteria),
        following,
    )
