"""The pydantic models of `alerts.yml`: rules (seed 001's blocks verbatim, or structured), routing, policies.

Validators raise ValueError with a plain message; the loader turns it into `alerts.yml:LINE path: message`.
Cross-file problems (unknown KPIs, units, targets) come from `AlertsConfig.check_references(catalog)`.

>>> AlertsConfig.model_validate({"alerts": [{"name": "Churn", "condition": "churn > 4%"}]}).alerts[0].severity
'warning'
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from kpi_core.alerts.common import (
    SEVERITIES,
    SEVERITY_RANK,
    Frozen,
    Path,
    Severity,
    WhoCanAct,
    as_tuple,
    parse_severity,
    phrase,
)
from kpi_core.alerts.destinations import parse_destination, parse_recipient
from kpi_core.alerts.phrases import (
    Aggregate,
    Op,
    Span,
    parse_condition,
    parse_span,
    parse_threshold,
    parse_value,
)
from kpi_core.alerts.route_config import QuietHours, RouteConfig, RouteMatch
from kpi_core.alerts.units import parse_duration
from kpi_core.config.models import KpiCatalogConfig

__all__ = [
    "SEVERITIES",
    "SEVERITY_RANK",
    "AlertRuleConfig",
    "AlertsConfig",
    "NoDataPolicy",
    "Path",
    "QuietHours",
    "RouteConfig",
    "RouteMatch",
    "Severity",
    "ThresholdRulesConfig",
    "WhoCanAct",
    "parse_severity",
]

# Each item parsed on its own, so an error points at it: `recipients[1]`, with its own line.
Recipient = Annotated[str, BeforeValidator(lambda value: parse_recipient(str(value)))]
NoDataAction = Literal["mark", "alert", "resolve", "keep"]
Mode = Literal["state", "event"]


def check_threshold(value: Any) -> Any:
    """A `threshold:` phrase ("2 consecutive days"): parsed now so a bad one is a config error."""
    if value is not None:
        phrase(parse_threshold, str(value))
        return str(value)
    return value


ThresholdPhrase = Annotated[str | None, BeforeValidator(check_threshold)]


class NoDataPolicy(Frozen):
    """Missing or stale data. `mark` (default): open incidents show "no data", nothing new opens;
    `alert`: also open a no-data incident at `severity` (info by default, so it never pages);
    `resolve`: missing data resolves; `keep`: incidents stay as they are."""

    action: NoDataAction = "mark"
    severity: Severity = "info"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"action": data} if isinstance(data, str) else data

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: Any) -> Severity:
        return parse_severity(value)


class AnomalyConfig(Frozen):
    """`anomaly: {sensitivity: high, direction: below}`: outside the KPI's learned normal range."""

    sensitivity: Literal["low", "medium", "high"] = "medium"
    direction: Literal["both", "above", "below"] = "both"


class AlertRuleConfig(Frozen):
    """One entry of `alerts:`.

    Seed 001's form: name, condition, threshold, recipients, severity, actions. Structured form: kpi,
    op, value (+ aggregate, window, for, resolve_at). Levels: kpi + warning/critical. Milestones: every.
    """

    name: str = Field(min_length=1)
    key: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    condition: str | None = None
    threshold: ThresholdPhrase = None
    kpi: str | None = None
    op: Op | None = None
    value: float | str | None = None
    warning: float | None = None
    critical: float | None = None
    aggregate: Aggregate | None = None
    window: Span | None = None
    for_: Span | None = Field(None, alias="for")
    resolve_at: float | str | None = None
    every: float | None = Field(None, gt=0)
    anomaly: AnomalyConfig | None = None
    recipients: tuple[Recipient, ...] = ()
    severity: Severity = "warning"
    actions: tuple[str, ...] = ()
    labels: dict[str, str] = Field(default_factory=dict)
    category: str | None = None
    mode: Mode | None = None
    no_data: NoDataPolicy | None = None
    cooldown: Span | timedelta | None = None
    enabled: bool = True
    description: str = ""
    # A flow KPI (weekly or coarser) is judged on complete periods; true also judges its running
    # period to date: an early warning (churn already past 4 % this month), named "to date" in messages.
    running_period: bool = False

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: Any) -> Severity:
        return parse_severity(value)

    @field_validator("condition")
    @classmethod
    def _condition(cls, value: str | None) -> str | None:
        if value is not None:
            phrase(parse_condition, value)
        return value

    @field_validator("op", mode="before")
    @classmethod
    def _op(cls, value: Any) -> Any:
        return "==" if value == "=" else value

    @field_validator("value", "resolve_at")
    @classmethod
    def _value(cls, value: float | str | None) -> float | str | None:
        if isinstance(value, str) and value.strip().lower() not in ("target",):
            phrase(parse_value, value)
        return value

    @field_validator("window", "for_", mode="before")
    @classmethod
    def _span(cls, value: Any) -> Any:
        return None if value is None else phrase(parse_span, value)

    @field_validator("cooldown", mode="before")
    @classmethod
    def _cooldown(cls, value: Any) -> Any:
        return parse_cooldown(value)

    @field_validator("recipients", mode="before")
    @classmethod
    def _recipients(cls, value: Any) -> Any:
        return as_tuple(value)

    @field_validator("actions", mode="before")
    @classmethod
    def _actions(cls, value: Any) -> Any:
        return as_tuple(value)

    @model_validator(mode="after")
    def _one_form(self) -> AlertRuleConfig:
        levels = self.warning is not None or self.critical is not None
        structured = self.op is not None or self.value is not None
        if self.condition is not None and (self.kpi or structured or levels or self.every):
            raise ValueError(
                "write either `condition` or `kpi` with `op`/`value` (or `warning`/`critical`), not both"
            )
        if self.condition is None:
            if not self.kpi:
                raise ValueError(
                    "a rule needs a `condition` (e.g. 'monthly_churn_rate > 4%'), or `kpi` with `op` and "
                    "`value`, or `kpi` with `warning`/`critical` thresholds, or `kpi` with `every`"
                )
            if structured and (self.op is None or self.value is None):
                raise ValueError("a structured rule needs both `op` and `value`")
            if structured and levels:
                raise ValueError("write either `op`/`value` or `warning`/`critical`, not both")
            if not (structured or levels or self.every or self.anomaly):
                raise ValueError(
                    f"rule {self.name!r} has a `kpi` but no `op`/`value`, `warning`/`critical` or `every`"
                )
        if self.threshold is not None and (self.aggregate or self.window or self.for_ or self.every):
            raise ValueError(
                "write either the `threshold` phrase or `aggregate`/`window`/`for`/`every`, not both"
            )
        return self


class ThresholdRulesConfig(Frozen):
    """`thresholds_from_kpis:` one levels rule per KPI with seed 000 warning/critical thresholds."""

    kpis: tuple[str, ...] | None = None  # None: every KPI that has thresholds
    exclude: tuple[str, ...] = ()
    threshold: ThresholdPhrase = None
    recipients: tuple[Recipient, ...] = ("owner",)
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("recipients", mode="before")
    @classmethod
    def _recipients(cls, value: Any) -> Any:
        return as_tuple(value)


def parse_cooldown(value: Any) -> Span | timedelta | None:
    """`2 periods` (of the KPI's grain) or a duration (`6h`, `2d`); a bare number is periods."""
    if value is None or isinstance(value, Span | timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return phrase(parse_span, value)
    text = str(value).strip().lower()
    if text.endswith(("period", "periods")):
        return phrase(parse_span, text)
    return phrase(parse_duration, text)


class AlertsConfig(Frozen):
    """The whole of `alerts.yml`."""

    alerts: tuple[AlertRuleConfig, ...] = ()
    routing: RouteConfig = RouteConfig.model_validate({})
    fallback_channel: str = "#kpi-ops"
    who_can_act: WhoCanAct = "channel_members"
    cooldown: Span | timedelta = Span(2, "period")
    no_data: NoDataPolicy = NoDataPolicy()
    thresholds_from_kpis: ThresholdRulesConfig | None = None

    @field_validator("alerts", mode="before")
    @classmethod
    def _no_alerts(cls, value: Any) -> Any:
        return () if value is None else value

    @field_validator("routing", mode="before")
    @classmethod
    def _routing(cls, value: Any) -> Any:
        if value is None:
            return {}
        return {"routes": value} if isinstance(value, list) else value

    @field_validator("fallback_channel", mode="before")
    @classmethod
    def _fallback(cls, value: Any) -> Any:
        return str(parse_destination(value)) if isinstance(value, str) else value

    @field_validator("cooldown", mode="before")
    @classmethod
    def _cooldown(cls, value: Any) -> Any:
        return parse_cooldown(value)

    @field_validator("thresholds_from_kpis", mode="before")
    @classmethod
    def _thresholds(cls, value: Any) -> Any:
        if value is True:
            return {}
        return None if value is False else value

    def check_references(self, catalog: KpiCatalogConfig) -> list[tuple[Path, str]]:
        """Cross-file problems as (key path, message): unknown KPIs (with did-you-mean), units, targets."""
        from kpi_core.alerts.references import reference_problems

        return reference_problems(self, catalog)
