"""Compiled alert rules: `alerts.yml` entries joined with the KPI catalog into frozen `AlertRule`s.

Compiling resolves KPI names and aliases, converts the condition's unit into the KPI's unit
(`5 seconds` against a KPI in minutes), turns threshold spans into periods of the KPI's grain, and
expands `thresholds_from_kpis` into one seed 000 levels rule per KPI. Problems are collected with
their key path, so `check_references` can report all of them at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from kpi_core.alerts.config import (
    SEVERITY_RANK,
    AlertRuleConfig,
    AlertsConfig,
    Mode,
    NoDataPolicy,
    Path,
    Severity,
)
from kpi_core.alerts.phrases import (
    Aggregate,
    EvaluationSpec,
    Op,
    PhraseError,
    Span,
    parse_condition,
    parse_threshold,
    parse_value,
)
from kpi_core.alerts.units import convert_value
from kpi_core.anomaly.detect import SENSITIVITY
from kpi_core.catalog import Catalog
from kpi_core.config.models import Direction, Grain, KpiCatalogConfig, KpiDefinition, Thresholds

RuleKind = Literal["compare", "levels", "milestone", "anomaly"]
# Periods an anomaly rule reads: the detector's seasonal window, its level spans and its warm-up.
ANOMALY_LOOKBACK = {"daily": 480, "weekly": 200, "monthly": 72, "quarterly": 36}
_PERIOD_DAYS = {"daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92}  # a period's longest length


@dataclass(frozen=True)
class AlertRule:
    """One rule, ready to evaluate against its KPI's series. Spans are in periods of the KPI's grain."""

    key: str
    name: str
    kpi: KpiDefinition
    kind: RuleKind
    severity: Severity  # for levels rules: the highest level it can reach
    op: Op = ">"
    threshold: float | None = None
    use_target: bool = False
    levels: Thresholds = field(default_factory=Thresholds)
    aggregate: Aggregate = "last"
    window: int = 1
    for_periods: int = 1
    resolve_at: float | None = None
    step: float | None = None
    mode: Mode = "state"
    recipients: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    category: str = "general"
    cooldown: timedelta = timedelta(days=2)
    no_data: NoDataPolicy = field(default_factory=NoDataPolicy)
    condition_text: str = ""
    threshold_text: str = ""
    notes: tuple[str, ...] = ()
    running_period: bool = False  # also judge a flow's running period to date (see AlertRuleConfig)
    sensitivity: float = SENSITIVITY["medium"]  # anomaly rules: k in expected ± k · scale
    side: Literal["both", "above", "below"] = "both"  # anomaly rules: which side of the range counts

    @property
    def grain(self) -> Grain:
        return self.kpi.grain

    @property
    def direction(self) -> Direction:
        return self.kpi.direction

    @property
    def lookback(self) -> int:
        """How many periods of history one evaluation reads (window, `for`, and slack for gaps)."""
        if self.kind == "anomaly":
            return ANOMALY_LOOKBACK[self.grain] + self.for_periods
        return self.window + self.for_periods + 2


class RuleProblem(ValueError):
    """A rule that does not fit the catalog; `path` is the key path in alerts.yml."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def rule_key(name: str) -> str:
    """A rule's stable key from its name: "Churn Rate Spike" -> "churn-rate-spike"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "rule"


def compile_rules(config: AlertsConfig, catalog: KpiCatalogConfig) -> list[AlertRule]:
    """Every enabled rule of `config`, plus the `thresholds_from_kpis` rules. Raises RuleProblem."""
    rules, problems = compile_all(config, catalog)
    if problems:
        raise problems[0]
    return rules


def compile_all(config: AlertsConfig, catalog: KpiCatalogConfig) -> tuple[list[AlertRule], list[RuleProblem]]:
    lookup = Catalog(catalog.kpis)
    rules: list[AlertRule] = []
    problems: list[RuleProblem] = []
    for index, rule_config in enumerate(config.alerts):
        if not rule_config.enabled:
            continue
        try:
            rules.append(_compile_rule(rule_config, ("alerts", index), lookup, config))
        except RuleProblem as problem:
            problems.append(problem)
    rules += _threshold_rules(config, lookup)
    return rules, problems


def _compile_rule(cfg: AlertRuleConfig, path: Path, lookup: Catalog, config: AlertsConfig) -> AlertRule:
    condition = parse_condition(cfg.condition) if cfg.condition is not None else None
    kpi_path = (*path, "condition") if condition else (*path, "kpi")
    ref = condition.kpi if condition else str(cfg.kpi)
    kpi = lookup.find(ref)
    if kpi is None:
        raise RuleProblem(kpi_path, unknown_kpi(ref, lookup))
    if (condition and condition.anomaly) or (condition is None and cfg.anomaly is not None):
        return _anomaly_rule(cfg, kpi, condition.anomaly if condition else None, config)
    spec = parse_threshold(cfg.threshold) if cfg.threshold is not None else _structured_spec(cfg)
    threshold_path = (*path, "threshold") if cfg.threshold is not None else path
    window, window_note = spec.window.periods(kpi.grain) if spec.window else (1, None)
    for_periods, for_note = spec.for_.periods(kpi.grain) if spec.for_ else (1, None)
    notes = tuple(note for note in (window_note, for_note) if note)
    step = spec.step or cfg.every
    milestone = bool(condition and condition.milestone)
    kind: RuleKind = "compare"
    threshold: float | None = None
    use_target = bool(condition and condition.target) or str(cfg.value).strip().lower() == "target"
    if milestone or (cfg.every and condition is None):
        kind = "milestone"
        if step is None:
            raise RuleProblem(
                threshold_path, "a milestone rule needs a step: threshold 'Every 50 customers' or `every: 50`"
            )
    elif step is not None:
        raise RuleProblem(
            threshold_path, f"{cfg.threshold or 'every'!r} fits only a '<kpi> reaches milestone' condition"
        )
    elif cfg.warning is not None or cfg.critical is not None:
        kind = "levels"
    elif use_target:
        if kpi.target is None and not kpi.target_progression:
            raise RuleProblem(
                kpi_path, f"{kpi.key} has no target in kpis.yml, so '> target' cannot be checked"
            )
    else:
        value, unit = (condition.value, condition.unit) if condition else _value(cfg.value, (*path, "value"))
        threshold = _convert(value, unit, kpi, kpi_path if condition else (*path, "value"))
    op: Op = condition.op if condition else (cfg.op or ">")
    resolve_at = _resolve_at(cfg, op, threshold, kpi, path)
    levels = Thresholds(warning=cfg.warning, critical=cfg.critical)
    severity = cfg.severity
    if kind == "levels":
        severity = "critical" if cfg.critical is not None else "warning"
    return AlertRule(
        key=cfg.key or rule_key(cfg.name),
        name=cfg.name,
        kpi=kpi,
        kind=kind,
        severity=severity,
        op=op,
        threshold=threshold,
        use_target=use_target,
        levels=levels,
        aggregate=spec.aggregate,
        window=window,
        for_periods=for_periods,
        resolve_at=resolve_at,
        step=step,
        mode=cfg.mode or ("event" if kind == "milestone" or (condition and condition.edge) else "state"),
        **_routing_fields(cfg, kpi, config),
        condition_text=cfg.condition or f"{kpi.key} {_structured_text(cfg)}",
        threshold_text=cfg.threshold or "",
        notes=notes,
        running_period=cfg.running_period,
    )


def _structured_spec(cfg: AlertRuleConfig) -> EvaluationSpec:
    aggregate = cfg.aggregate or ("avg" if cfg.window else "last")
    return EvaluationSpec(aggregate=aggregate, window=cfg.window, for_=cfg.for_, step=cfg.every)


def _structured_text(cfg: AlertRuleConfig) -> str:
    if cfg.every:
        return f"every {cfg.every:g}"
    if cfg.op is not None:
        return f"{cfg.op} {cfg.value}"
    return f"warning {cfg.warning} / critical {cfg.critical}"


def _value(raw: float | str | None, path: Path) -> tuple[float, str | None]:
    if isinstance(raw, int | float):
        return float(raw), None
    try:
        return parse_value(str(raw))
    except PhraseError as error:
        raise RuleProblem(path, str(error)) from None


def _convert(value: float | None, unit: str | None, kpi: KpiDefinition, path: Path) -> float:
    try:
        return convert_value(float(value or 0.0), unit, kpi.unit)
    except PhraseError as error:
        raise RuleProblem(path, f"{error} ({kpi.key})") from None


def _resolve_at(
    cfg: AlertRuleConfig, op: Op, threshold: float | None, kpi: KpiDefinition, path: Path
) -> float | None:
    if cfg.resolve_at is None:
        return None
    value, unit = _value(cfg.resolve_at, (*path, "resolve_at"))
    resolve_at = _convert(value, unit, kpi, (*path, "resolve_at"))
    if threshold is not None and (
        (op in (">", ">=") and resolve_at > threshold) or (op in ("<", "<=") and resolve_at < threshold)
    ):
        side = "at or below" if op in (">", ">=") else "at or above"
        raise RuleProblem((*path, "resolve_at"), f"resolve_at must be {side} the firing value {threshold:g}")
    return resolve_at


def _cooldown(value: Span | timedelta, grain: Grain) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(days=value.count * _PERIOD_DAYS[grain])


def _threshold_rules(config: AlertsConfig, lookup: Catalog) -> list[AlertRule]:
    options = config.thresholds_from_kpis
    if options is None:
        return []
    wanted = (
        {kpi.key for ref in options.kpis if (kpi := lookup.find(ref))} if options.kpis is not None else None
    )
    excluded = {kpi.key for ref in options.exclude if (kpi := lookup.find(ref))}
    spec = parse_threshold(options.threshold)
    rules: list[AlertRule] = []
    for kpi in lookup:
        levels = kpi.thresholds
        if (levels.warning is None and levels.critical is None) or kpi.key in excluded:
            continue
        if wanted is not None and kpi.key not in wanted:
            continue
        window, window_note = spec.window.periods(kpi.grain) if spec.window else (1, None)
        for_periods, for_note = spec.for_.periods(kpi.grain) if spec.for_ else (1, None)
        shown = ", ".join(
            f"{name} {value:g}"
            for name, value in (("warning", levels.warning), ("critical", levels.critical))
            if value is not None
        )
        rules.append(
            AlertRule(
                key=f"thresholds.{kpi.key}",
                name=f"{kpi.name} thresholds",
                kpi=kpi,
                kind="levels",
                severity="critical" if levels.critical is not None else "warning",
                levels=levels,
                aggregate=spec.aggregate,
                window=window,
                for_periods=for_periods,
                recipients=options.recipients,
                actions=kpi.actions,
                labels=tuple(sorted(options.labels.items())),
                category=kpi.category,
                cooldown=_cooldown(config.cooldown, kpi.grain),
                no_data=config.no_data,
                condition_text=f"{kpi.key} thresholds ({shown}, {kpi.direction} is better)",
                threshold_text=options.threshold or "",
                notes=tuple(note for note in (window_note, for_note) if note),
            )
        )
    return rules


def unknown_kpi(ref: str, lookup: Catalog) -> str:
    """The message for an unknown KPI, with up to three suggestions."""
    suggestions = lookup.suggest(ref)
    hint = f" (did you mean {' or '.join(suggestions)}?)" if suggestions else ""
    return f"unknown KPI {ref!r}{hint}"


def max_severity(a: Severity, b: Severity) -> Severity:
    """The more severe of two severities."""
    return a if SEVERITY_RANK[a] >= SEVERITY_RANK[b] else b


def _routing_fields(cfg: AlertRuleConfig, kpi: KpiDefinition, config: AlertsConfig) -> dict[str, Any]:
    """Who is told and how often, read the same way for every kind of rule."""
    return {
        "recipients": cfg.recipients,
        "actions": cfg.actions,
        "labels": tuple(sorted(cfg.labels.items())),
        "category": cfg.category or kpi.category,
        "cooldown": _cooldown(cfg.cooldown or config.cooldown, kpi.grain),
        "no_data": cfg.no_data or config.no_data,
    }


def _anomaly_rule(
    cfg: AlertRuleConfig, kpi: KpiDefinition, side: str | None, config: AlertsConfig
) -> AlertRule:
    """`<kpi> is anomalous` / `is anomalously low`, or `kpi:` with `anomaly: {sensitivity, direction}`."""
    options = cfg.anomaly
    spec = parse_threshold(cfg.threshold) if cfg.threshold is not None else _structured_spec(cfg)
    for_periods, for_note = spec.for_.periods(kpi.grain) if spec.for_ else (1, None)
    chosen = side if side not in (None, "both") else (options.direction if options else "both")
    return AlertRule(
        key=cfg.key or rule_key(cfg.name),
        name=cfg.name,
        kpi=kpi,
        kind="anomaly",
        severity=cfg.severity,
        for_periods=for_periods,
        sensitivity=SENSITIVITY[options.sensitivity if options else "medium"],
        side=chosen,  # type: ignore[arg-type]
        mode=cfg.mode or "state",
        **_routing_fields(cfg, kpi, config),
        condition_text=cfg.condition or f"{kpi.key} is anomalous",
        threshold_text=cfg.threshold or "",
        notes=(for_note,) if for_note else (),
    )
