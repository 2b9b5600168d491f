"""The pydantic models of `kpis.yml`: what a KPI is.

Percent KPIs are stored and written in percentage points (`3.2` means 3.2 %), because that is how
people read and type them; formulas that need a fraction divide by 100 themselves.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Direction = Literal["higher", "lower"]
Grain = Literal["daily", "weekly", "monthly", "quarterly"]
Tier = Literal["north_star", "input", "output", "health"]

PLAIN_UNITS = ("percent", "count", "ratio", "days", "hours", "minutes", "seconds", "score")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Thresholds(_Frozen):
    """Seed 000's `KPIThreshold`: the warning and critical values, read with the KPI's direction."""

    warning: float | None = None
    critical: float | None = None


class SqlSource(_Frozen):
    """A query run through SQLAlchemy: one number, or (period, value) rows."""

    kind: Literal["sql"] = "sql"
    sql: str
    database: str = "warehouse"


class FormulaSource(_Frozen):
    """Computed from other KPIs at the same period, e.g. `mrr * 12`."""

    kind: Literal["formula"] = "formula"
    formula: str


class PushSource(_Frozen):
    """Values recorded from outside: `kpibot record`, `kpibot import`."""

    kind: Literal["push"] = "push"


Source = Annotated[SqlSource | FormulaSource | PushSource, Field(discriminator="kind")]


class KpiDefinition(_Frozen):
    """One KPI as configured. `key` is filled in from the mapping key of `kpis:`."""

    key: str = Field(pattern=KEY_PATTERN)
    name: str
    aliases: tuple[str, ...] = ()
    category: str = "general"
    tier: Tier = "output"
    unit: str = "count"
    direction: Direction = "higher"
    grain: Grain = "monthly"
    target: float | None = None
    # Seed 001's dated progression, "Month 6: 50,000 / Month 12: 200,000", sorted by date.
    target_progression: tuple[tuple[date, float], ...] = ()
    thresholds: Thresholds = Thresholds()
    owners: tuple[str, ...] = ()
    definition: str = ""
    why: str = ""
    actions: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    scale: float | None = None  # a score's maximum, e.g. 5 for "4.7/5"
    decimals: int | None = None  # override the formatter's default precision
    source: Source = PushSource()

    @field_validator("unit")
    @classmethod
    def _check_unit(cls, value: str) -> str:
        if value in PLAIN_UNITS or _CURRENCY.match(value):
            return value
        raise ValueError(
            f"{value!r} is not a unit: use an ISO currency code (USD, EUR, ...) or one of "
            + ", ".join(PLAIN_UNITS)
        )

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        """Accept the spellings of the seeds: `owner`, `threshold_warning`, a dated `target` mapping."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "owner" in data:
            owner = data.pop("owner")
            data["owners"] = [owner] if isinstance(owner, str) else owner
        for short in ("warning", "critical"):
            legacy = data.pop(f"threshold_{short}", None)
            if legacy is not None:
                thresholds = dict(data.get("thresholds") or {})
                thresholds.setdefault(short, legacy)
                data["thresholds"] = thresholds
        target = data.get("target")
        if isinstance(target, dict):
            data["target_progression"] = sorted(target.items())
            data["target"] = None
        source = data.get("source")
        if source is None or source == "push":
            data["source"] = {"kind": "push"}
        elif isinstance(source, dict) and "kind" not in source:
            if "sql" in source:
                data["source"] = {"kind": "sql", **source}
            elif "formula" in source:
                data["source"] = {"kind": "formula", **source}
        return data

    def target_at(self, on: date) -> float | None:
        """The target in force on a date: the next milestone of a progression, else the fixed target."""
        for milestone, value in self.target_progression:
            if on <= milestone:
                return value
        if self.target_progression and self.target is None:
            return self.target_progression[-1][1]
        return self.target


class KpiCatalogConfig(_Frozen):
    """The whole of `kpis.yml`."""

    databases: dict[str, str] = {}
    kpis: dict[str, KpiDefinition] = {}
