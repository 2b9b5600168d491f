"""The pydantic models of `kpis.yml`: what a KPI is.

Percent KPIs are stored and written in percentage points (`3.2` means 3.2 %), because that is how
people read and type them; formulas that need a fraction divide by 100 themselves.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from kpi_core.config.analytics import CohortsConfig, CustomersConfig, HealthConfig
from kpi_core.formula import Formula, parse_formula
from kpi_core.stages import StageConfig

Direction = Literal["higher", "lower"]
Grain = Literal["daily", "weekly", "monthly", "quarterly"]
Tier = Literal["north_star", "input", "output", "health"]
# level: a balance at a point in time (MRR, customers); sum and rate: flows over the period (signups, a
# conversion rate). A flow's headline is its last complete period; see docs/vocabulary.md.
Measure = Literal["level", "sum", "rate"]

PLAIN_UNITS = ("percent", "count", "ratio", "days", "hours", "minutes", "seconds", "score")
UNIT_SYNONYMS = {"%": "percent", "pct": "percent", "percentage": "percent", "number": "count"}
# ISO 4217 codes in use (plus a few recently retired ones still seen in data).
_ISO_4217 = """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN
    NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE
    SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV
    WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL"""
CURRENCIES = frozenset(_ISO_4217.split())
# Default bounds of a recorded value per unit (currencies have none: a net figure can be negative).
UNIT_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "percent": (0.0, 100.0),
    "count": (0.0, None),
    "ratio": (0.0, None),
    "days": (0.0, None),
    "hours": (0.0, None),
    "minutes": (0.0, None),
    "seconds": (0.0, None),
}
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
KEY_RULE = "a KPI key is lowercase letters, digits and underscores, starting with a letter"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_USER_MENTION = re.compile(r"^<@(?P<id>[A-Za-z0-9]+)(?:\|[^<>]*)?>$")  # Slack's own syntax, any id


def _check_owner(owner: str) -> str:
    if mention := _USER_MENTION.match(owner.strip()):
        return mention["id"]
    if not (_EMAIL.match(owner) or _SLACK_USER_ID.match(owner)):
        raise ValueError(f"{owner!r} is not an email address or a Slack user id (like U024BE7LH)")
    return owner


# Checked one by one, so an error points at the owner (`owner[1]`) and its line.
Owner = Annotated[str, AfterValidator(_check_owner)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Thresholds(_Frozen):
    """Seed 000's `KPIThreshold`: the warning and critical values, read with the KPI's direction."""

    warning: float | None = None
    critical: float | None = None

    def consistency_problem(self, direction: Direction) -> str | None:
        """Why this pair cannot work with `direction` (critical must be the worse value), or None."""
        if self.warning is None or self.critical is None:
            return None
        if direction == "higher" and self.critical > self.warning:
            return (
                f"for a higher-is-better KPI the critical threshold must be at or below the warning "
                f"threshold (critical {self.critical:g} > warning {self.warning:g})"
            )
        if direction == "lower" and self.critical < self.warning:
            return (
                f"for a lower-is-better KPI the critical threshold must be at or above the warning "
                f"threshold (critical {self.critical:g} < warning {self.warning:g})"
            )
        return None


class SqlSource(_Frozen):
    """A query run through SQLAlchemy: one number, or (period, value) rows."""

    kind: Literal["sql"] = "sql"
    sql: str
    database: str = "warehouse"


class FormulaSource(_Frozen):
    """Computed from other KPIs at the same period, e.g. `mrr * 12`."""

    kind: Literal["formula"] = "formula"
    formula: str

    @field_validator("formula")
    @classmethod
    def _check_formula(cls, value: str) -> str:
        return parse_formula(value).text  # FormulaError is a ValueError: pydantic reports it

    @cached_property
    def parsed(self) -> Formula:
        """The checked formula, parsed once."""
        return parse_formula(self.formula)


class PushSource(_Frozen):
    """Values recorded from outside: `kpibot record`, `kpibot import`."""

    kind: Literal["push"] = "push"


Source = Annotated[SqlSource | FormulaSource | PushSource, Field(discriminator="kind")]
_SOURCE_KEYS = ("sql", "database", "formula", "kind")


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
    owners: tuple[Owner, ...] = ()
    definition: str = ""
    why: str = ""
    actions: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    scale: float | None = Field(default=None, gt=0)  # a score's maximum, e.g. 5 for "4.7/5"
    decimals: int | None = Field(default=None, ge=0, le=6)  # override the formatter's default precision
    # The values that can be recorded (`kpibot record`, `kpibot import`); None: the unit's default.
    minimum: float | None = Field(default=None, alias="min")
    maximum: float | None = Field(default=None, alias="max")
    source: Source = PushSource()
    measure: Measure | None = None  # None: `measured_as` picks one from the unit and the source

    # Spellings accepted in YAML besides the field names (offered by "did you mean" too).
    yaml_keys: ClassVar[tuple[str, ...]] = ("owner", "threshold_warning", "threshold_critical")
    yaml_hidden: ClassVar[tuple[str, ...]] = ("key", "target_progression")

    @classmethod
    def yaml_path(cls, path: tuple[str | int, ...], raw: Any) -> tuple[str | int, ...]:
        """Map an error path back to the key written in YAML (`owner`, `threshold_warning`, `target`)."""
        if not path or not isinstance(raw, dict):
            return path
        head, rest = path[0], path[1:]
        if head == "key":  # the key is the mapping key of `kpis:`, not written inside
            return ()
        if head in ("owners", "aliases", "actions", "risks"):
            written = "owner" if head == "owners" and "owner" in raw else head
            return (written,) if isinstance(raw.get(written), str) else (written, *rest)
        if head == "thresholds" and rest and f"threshold_{rest[0]}" in raw:
            pair = raw.get("thresholds")
            if not (isinstance(pair, dict) and rest[0] in pair):
                return (f"threshold_{rest[0]}", *rest[1:])
        target = raw.get("target")
        if head == "target_progression" and isinstance(target, dict) and rest and isinstance(rest[0], int):
            keys = list(target)
            return ("target", keys[rest[0]]) if rest[0] < len(keys) else ("target",)
        return path

    @field_validator("unit", mode="before")
    @classmethod
    def _check_unit(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        written = value.strip()
        if written.upper() in CURRENCIES:
            return written.upper()
        plain = UNIT_SYNONYMS.get(written.lower(), written.lower())
        if plain in PLAIN_UNITS:
            return plain
        close = difflib.get_close_matches(value.lower(), PLAIN_UNITS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"{value!r} is not a unit{hint}: use an ISO currency code (USD, EUR, ...) or one of "
            + ", ".join(PLAIN_UNITS)
        )

    @field_validator("target_progression")
    @classmethod
    def _sort_progression(cls, value: tuple[tuple[date, float], ...]) -> tuple[tuple[date, float], ...]:
        return tuple(sorted(value))

    @field_validator("source", mode="before")
    @classmethod
    def _source_kind(cls, value: Any) -> Any:
        """`push`, `{sql: ..., database: ...}` or `{formula: ...}`: the kind is implied by the keys."""
        if value is None or value == "push":
            return {"kind": "push"}
        if isinstance(value, PushSource | SqlSource | FormulaSource):
            return value
        if not isinstance(value, dict):
            raise ValueError(
                f"a source is push, {{sql: ..., database: ...}} or {{formula: ...}}, got {value!r}"
            )
        if "kind" in value:
            return value
        if "sql" in value:
            return {"kind": "sql", **value}
        if "formula" in value:
            return {"kind": "formula", **value}
        unknown = ", ".join(repr(key) for key in value) or "nothing"
        close = [m for key in value for m in difflib.get_close_matches(str(key), _SOURCE_KEYS, n=1)]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"a source needs `sql:` or `formula:`, got {unknown}{hint}; leave it out for pushed values"
        )

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        """Accept the spellings of the seeds: `owner`, `threshold_warning`, a dated `target` mapping."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "owner" in data:
            data["owners"] = data.pop("owner")
        for many in ("owners", "aliases", "actions", "risks"):
            if isinstance(data.get(many), str):
                data[many] = [data[many]]
        for short in ("warning", "critical"):
            legacy = data.pop(f"threshold_{short}", None)
            thresholds = data.get("thresholds")
            if legacy is not None and (thresholds is None or isinstance(thresholds, dict)):
                data["thresholds"] = {short: legacy, **(thresholds or {})}
        target = data.get("target")
        if isinstance(target, dict):
            data["target_progression"] = list(target.items())  # sorted by its validator
            data["target"] = None
        if "source" in data and data["source"] is None:
            data.pop("source")
        return data

    @property
    def measured_as(self) -> Measure:
        """The configured measure, else: counts and money are sums, other units rates, formulas rates
        (the catalog makes a formula over levels only a level). Never a level by default: a flow taken
        for a level would show a part-period as a whole one."""
        if self.measure is not None:
            return self.measure
        if self.source.kind != "formula" and (self.unit == "count" or self.unit in CURRENCIES):
            return "sum"
        return "rate"

    @property
    def is_flow(self) -> bool:
        return self.measured_as != "level"

    @model_validator(mode="after")
    def _check_bounds(self) -> KpiDefinition:
        low, high = self.bounds()
        if low is not None and high is not None and low >= high:
            raise ValueError(f"min ({low:g}) must be below max ({high:g})")
        return self

    def bounds(self) -> tuple[float | None, float | None]:
        """The lowest and highest value that can be recorded: `min`/`max` when set, else the unit's
        default (a percentage 0-100, a score 0 to its scale, counts and durations at least 0)."""
        low, high = UNIT_BOUNDS.get(self.unit, (None, None))
        if self.unit == "score":
            low, high = (0.0, self.scale) if self.scale is not None else (None, None)
        return (
            self.minimum if self.minimum is not None else low,
            self.maximum if self.maximum is not None else high,
        )

    def target_at(self, on: date) -> float | None:
        """The target in force on a date: the next milestone of a progression, else the fixed target."""
        for milestone, value in self.target_progression:
            if on <= milestone:
                return value
        if self.target_progression and self.target is None:
            return self.target_progression[-1][1]
        return self.target


class ChartPanelConfig(_Frozen):
    """One panel of a composed chart: a title, the KPIs drawn in it, and how."""

    title: str
    kpis: tuple[str, ...]
    kind: Literal["line", "bar"] = "line"
    window: str | None = None

    @field_validator("window")
    @classmethod
    def _check_window(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from kpi_core.windows import parse_window  # windows imports this module

        return parse_window(value).spec  # WindowError is a ValueError: pydantic reports it


class DashboardConfig(_Frozen):
    """Seed 000's executive dashboard: headline cards, a composed trend chart, quick stats."""

    headline: tuple[str, ...] = ()
    charts: tuple[ChartPanelConfig, ...] = ()
    quick_stats: tuple[str, ...] = ()


class RoleDashboardConfig(DashboardConfig):
    """A dashboard for one role (`dashboards: {sales: ...}`): a title, who it is for, and its KPIs."""

    title: str
    audience: str = ""


class KpiCatalogConfig(_Frozen):
    """The whole of `kpis.yml`."""

    databases: dict[str, str] = {}
    kpis: dict[str, KpiDefinition] = {}
    dashboard: DashboardConfig = DashboardConfig()
    # The analytics sections (kpi_core/config/analytics.py); each is optional.
    dashboards: dict[str, RoleDashboardConfig] = {}
    cohorts: CohortsConfig | None = None
    customers: CustomersConfig | None = None
    health: HealthConfig = HealthConfig()
    stages: tuple[StageConfig, ...] = ()

    @model_validator(mode="after")
    def _formula_levels(self) -> KpiCatalogConfig:
        """A formula over levels only (`mrr * 12`) is a level itself, unless its `measure` says otherwise."""
        changed = True
        while changed:  # formulas over formulas: until nothing changes (each KPI changes at most once)
            changed = False
            for key, kpi in self.kpis.items():
                source = kpi.source
                if kpi.measure is None and isinstance(source, FormulaSource):
                    inputs = [self.kpis.get(name) for name in source.parsed.names]
                    if inputs and all(i is not None and i.measured_as == "level" for i in inputs):
                        self.kpis[key] = kpi.model_copy(update={"measure": "level"})
                        changed = True
        return self
