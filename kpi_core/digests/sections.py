"""Digest content sections as written in `digests.yml`: headline, table, chart, alerts, movers, north star,
cohorts.

Each is written either as a `- kind: headline` mapping or as a one-key shorthand (`- headline: [mrr, dau]`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from kpi_core.config.models import ChartPanelConfig, KpiDefinition

KeyPath = tuple[str | int, ...]
SECTION_KINDS = ("headline", "table", "chart", "alerts", "movers", "north_star", "cohorts")
CohortTableName = Literal["retention", "revenue", "adoption"]
_WINDOW = re.compile(r"^(\d+[dwmy]|ytd|all)$", re.IGNORECASE)


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    title: str | None = None
    # How the section was written, so reference errors point at the right YAML key (see yaml_path).
    _shorthand: Literal["list", "mapping"] | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _accept_shorthand(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        """`{headline: [a, b]}` -> `{kind: headline, kpis: [a, b]}`; `{movers: {count: 3}}` -> merged."""
        kind = cls.model_fields["kind"].default
        form: Literal["list", "mapping"] | None = None
        if data == kind:  # a bare `- north_star`: every default
            data, form = {"kind": kind}, "mapping"
        elif isinstance(data, dict) and "kind" not in data and set(data) == {kind}:
            body = data[kind]
            if body is None or body is True or body == "all":
                data, form = {"kind": kind}, "mapping"
            elif isinstance(body, dict):
                data, form = {"kind": kind, **body}, "mapping"
            else:
                data, form = {"kind": kind, cls._list_field(): body}, "list"
        model = handler(data)
        model._shorthand = form
        return model

    @classmethod
    def _list_field(cls) -> str:
        return "kpis"

    def written_path(self, field: str, *rest: str | int) -> KeyPath:
        """The key path of `field` as written in digests.yml, relative to the section."""
        kind = type(self).model_fields["kind"].default
        if self._shorthand == "list" and field == self._list_field():
            return (kind, *rest)
        if self._shorthand == "mapping":
            return (kind, field, *rest)
        return (field, *rest)


class HeadlineSection(_Section):
    """Headline KPI cards (seed 000's top row)."""

    kind: Literal["headline"] = "headline"
    kpis: tuple[str, ...] = Field(min_length=1)


class TableSection(_Section):
    """A KPI table grouped by category. Neither `categories` nor `kpis`: every KPI in the catalog."""

    kind: Literal["table"] = "table"
    categories: tuple[str, ...] = ()
    kpis: tuple[str, ...] = ()

    @classmethod
    def _list_field(cls) -> str:
        return "categories"

    @field_validator("categories", mode="before")
    @classmethod
    def _all(cls, value: Any) -> Any:
        return () if value in ("all", ["all"]) else value


class ChartPanel(ChartPanelConfig):
    """A chart panel (kpis.yml's dashboard panel), with its window checked where it is written."""

    @field_validator("window")
    @classmethod
    def _check_window(cls, value: str | None) -> str | None:
        return check_window(value)


class ChartSection(_Section):
    """One composed figure of up to six panels (seed 000: revenue trend, users, engagement, ...)."""

    kind: Literal["chart"] = "chart"
    panels: tuple[ChartPanel, ...]
    window: str | None = None  # default for panels without their own

    @classmethod
    def _list_field(cls) -> str:
        return "panels"

    @field_validator("window")
    @classmethod
    def _check_window(cls, value: str | None) -> str | None:
        return check_window(value)

    @field_validator("panels")
    @classmethod
    def _check_panels(cls, value: tuple[ChartPanel, ...]) -> tuple[ChartPanel, ...]:
        # Checked here, not with Field(min_length=...): pydantic would add a length error to any panel error.
        if not 1 <= len(value) <= 6:
            raise ValueError(f"a chart has 1 to 6 panels, not {len(value)}")
        return value

    def panel_window(self, panel: ChartPanelConfig) -> str | None:
        return panel.window or self.window


def check_window(value: str | None) -> str | None:
    if value is not None and not _WINDOW.match(value):
        raise ValueError(f"{value!r} is not a chart window: use 30d, 12w, 6m, 1y, ytd or all")
    return value


class AlertsSection(_Section):
    """The alerts that are open when the digest is built, most severe first."""

    kind: Literal["alerts"] = "alerts"
    severities: tuple[Literal["critical", "warning", "info"], ...] = ("critical", "warning")
    limit: int = Field(default=10, ge=1, le=50)

    @classmethod
    def _list_field(cls) -> str:
        return "severities"


class MoversSection(_Section):
    """Seed 003's red flags and recent wins: the biggest moves for the worse and for the better."""

    kind: Literal["movers"] = "movers"
    count: int = Field(default=3, ge=1, le=10)
    kpis: tuple[str, ...] = ()  # empty: every KPI in `categories`, or in the catalog
    categories: tuple[str, ...] = ()
    min_change: float = Field(default=1.0, ge=0)  # percent; smaller moves are noise, not news


class NorthStarSection(_Section):
    """The north star with its target progression (seed 001's MABV). Default: the catalog's north_star KPI."""

    kind: Literal["north_star"] = "north_star"
    kpi: str | None = None

    @classmethod
    def _list_field(cls) -> str:
        return "kpi"


class CohortsSection(_Section):
    """Seed 001's cohort table as a heatmap with its insight lines: `- cohorts: retention` (or revenue,
    adoption). Needs the matching cohort query in kpis.yml."""

    kind: Literal["cohorts"] = "cohorts"
    table: CohortTableName = "retention"

    @classmethod
    def _list_field(cls) -> str:
        return "table"


def _section_kind(data: Any) -> str | None:
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        if "kind" in data:
            return str(data["kind"])
        if len(data) == 1:
            return str(next(iter(data)))
    if isinstance(data, BaseModel):
        return str(getattr(data, "kind", None))
    return None


DigestSectionConfig = Annotated[
    Annotated[HeadlineSection, Tag("headline")]
    | Annotated[TableSection, Tag("table")]
    | Annotated[ChartSection, Tag("chart")]
    | Annotated[AlertsSection, Tag("alerts")]
    | Annotated[MoversSection, Tag("movers")]
    | Annotated[NorthStarSection, Tag("north_star")]
    | Annotated[CohortsSection, Tag("cohorts")],
    Discriminator(
        _section_kind,
        custom_error_type="section_kind",
        custom_error_message="unknown kind of section: a section is one of " + ", ".join(SECTION_KINDS),
    ),
]


def section_kpis(section: DigestSectionConfig, kpis: Mapping[str, KpiDefinition]) -> list[str]:
    """The KPI keys a section covers: its own list, its categories, or (table/movers with neither) all."""
    if isinstance(section, HeadlineSection):
        return list(section.kpis)
    if isinstance(section, TableSection | MoversSection):
        if not section.kpis and not section.categories:
            return list(kpis)
        # Categories in the order written, KPIs in catalog order within each.
        in_categories = [k for c in section.categories for k, kpi in kpis.items() if kpi.category == c]
        return list(dict.fromkeys([*section.kpis, *in_categories]))
    if isinstance(section, ChartSection):
        return list(dict.fromkeys(key for panel in section.panels for key in panel.kpis))
    if isinstance(section, NorthStarSection):
        key = section.kpi or north_star_key(kpis)
        return [key] if key else []
    return []


def north_star_key(kpis: Mapping[str, KpiDefinition]) -> str | None:
    """The catalog's north star: the first KPI with `tier: north_star`."""
    return next((key for key, kpi in kpis.items() if kpi.tier == "north_star"), None)


def section_references(section: DigestSectionConfig) -> Iterator[tuple[KeyPath, str]]:
    """(YAML key path inside the section, KPI key) for every KPI a section names explicitly."""
    if isinstance(section, ChartSection):
        for p, panel in enumerate(section.panels):
            yield from (
                (section.written_path("panels", p, "kpis", i), key) for i, key in enumerate(panel.kpis)
            )
    elif isinstance(section, NorthStarSection):
        if section.kpi:
            yield section.written_path("kpi"), section.kpi
    elif isinstance(section, HeadlineSection | TableSection | MoversSection):
        yield from ((section.written_path("kpis", i), key) for i, key in enumerate(section.kpis))


def shorthand_path(written: Any, rest: Sequence[str | int]) -> list[str | int]:
    """Map a path inside a validated section back to the keys of the section as written in YAML."""
    if not (isinstance(written, dict) and "kind" not in written and len(written) == 1):
        return list(rest)
    kind, body = next(iter(written.items()))
    model = _MODELS.get(kind)
    if model is None or isinstance(body, dict) or not rest or rest[0] != model._list_field():
        return [kind, *rest]
    return [kind, *rest[1:]]


_MODELS: dict[str, type[_Section]] = {
    model.model_fields["kind"].default: model
    for model in (
        HeadlineSection,
        TableSection,
        ChartSection,
        AlertsSection,
        MoversSection,
        NorthStarSection,
        CohortsSection,
    )
}
