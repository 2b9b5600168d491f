"""Checks of the analytics sections of `kpis.yml` against the rest of it: KPIs named by the role
dashboards and stage targets exist, sources name a defined database, stages are in a sensible order."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError

from kpi_core.config.friendly import suggest
from kpi_core.config.issues import ConfigIssue, issue_at
from kpi_core.config.models import KpiCatalogConfig
from kpi_core.config.yamldoc import Key, YamlDocument
from kpi_core.stages import check_stages

SECTIONS = ("databases", "dashboards", "cohorts", "customers", "stages")


def check_analytics(
    doc: YamlDocument, data: Mapping[str, Any], all_keys: Collection[str]
) -> list[ConfigIssue]:
    """Every cross-reference problem of the dashboards, cohorts, customers and stages sections.

    Each section is validated on its own, so a mistake in one (reported with its line by the model
    validation) does not hide the cross-reference problems of the others."""
    parts: dict[str, Any] = {}
    for name in SECTIONS:
        if name in data:
            try:
                parts[name] = getattr(KpiCatalogConfig.model_validate({name: data[name]}), name)
            except ValidationError:
                continue
    top = KpiCatalogConfig.model_construct(**{**KpiCatalogConfig().__dict__, **parts})
    check_databases = "databases" in parts or "databases" not in data
    known = sorted(all_keys)
    entries: list[tuple[tuple[Key, ...], str]] = []
    for name, board in top.dashboards.items():
        entries += [(("dashboards", name, "headline", i), key) for i, key in enumerate(board.headline)]
        entries += [(("dashboards", name, "quick_stats", i), key) for i, key in enumerate(board.quick_stats)]
        for c, chart in enumerate(board.charts):
            entries += [
                (("dashboards", name, "charts", c, "kpis", i), key) for i, key in enumerate(chart.kpis)
            ]
    for s, stage in enumerate(top.stages):
        for c, criterion in enumerate(stage.criteria):
            for t, target in enumerate(criterion.targets):
                if target.kpi is not None:
                    entries.append((("stages", s, "criteria", c, "targets", t, "kpi"), target.kpi))
    issues = [
        issue_at(doc, path, f"unknown KPI {key!r}{suggest(key, known)}")
        for path, key in entries
        if key not in all_keys
    ]
    sources: list[tuple[tuple[Key, ...], str]] = []
    if top.cohorts is not None:
        for part in ("activity", "adoption"):
            source = getattr(top.cohorts, part)
            if source is not None:
                sources.append((("cohorts", part, "database"), source.database))
    if top.customers is not None:
        sources.append((("customers", "database"), top.customers.database))
        if top.customers.value not in top.customers.features:
            message = f"the value column {top.customers.value!r} must be one of the features"
            issues.append(issue_at(doc, ("customers", "value"), message))
    for path, database in sources if check_databases else ():
        if database not in top.databases:
            defined = ", ".join(top.databases) or "none"
            hint = suggest(database, list(top.databases))
            issues.append(
                issue_at(
                    doc,
                    path,
                    f"database {database!r} is not defined under `databases:`{hint} (defined: {defined})",
                )
            )
    issues += [issue_at(doc, ("stages",), problem) for problem in check_stages(top.stages)]
    return issues
