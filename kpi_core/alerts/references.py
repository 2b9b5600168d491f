"""`AlertsConfig.check_references(catalog)`: everything in alerts.yml that must agree with kpis.yml.

Unknown KPIs (with "did you mean"), units that cannot be compared, `> target` without a target,
duplicate rule keys, routing matches on unknown KPIs or categories. Each problem comes with its key
path, which the loader turns into `alerts.yml:LINE`.
"""

from __future__ import annotations

from kpi_core.alerts.common import Path
from kpi_core.alerts.config import AlertsConfig
from kpi_core.alerts.route_config import RouteConfig
from kpi_core.alerts.rules import compile_all, rule_key, unknown_kpi
from kpi_core.catalog import Catalog
from kpi_core.config.models import KpiCatalogConfig


def reference_problems(config: AlertsConfig, catalog: KpiCatalogConfig) -> list[tuple[Path, str]]:
    """Rules, routing matches and `thresholds_from_kpis` lists checked against the catalog."""
    _, problems = compile_all(config, catalog)
    out = [(problem.path, problem.message) for problem in problems]
    lookup = Catalog(catalog.kpis)
    seen: dict[str, str] = {}
    for index, rule in enumerate(config.alerts):
        key = rule.key or rule_key(rule.name)
        if key in seen:
            message = (
                f"two rules share the key {key!r} ({seen[key]!r} and {rule.name!r}): rename one or set `key`"
            )
            out.append((("alerts", index, "name"), message))
        seen[key] = rule.name
    out += _route_problems(config.routing, ("routing",), lookup)
    generated = config.thresholds_from_kpis
    if generated is not None:
        for name in ("kpis", "exclude"):
            for position, ref in enumerate(getattr(generated, name) or ()):
                if lookup.find(ref) is None:
                    out.append((("thresholds_from_kpis", name, position), unknown_kpi(ref, lookup)))
    return out


def _route_problems(route: RouteConfig, path: Path, lookup: Catalog) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    for ref in route.match.kpi or ():
        if lookup.find(ref) is None:
            out.append(((*path, "match", "kpi"), unknown_kpi(ref, lookup)))
    categories = list(lookup.categories())
    for ref in route.match.category or ():
        if lookup.find_category(ref) is None:
            known = ", ".join(categories) or "none"
            out.append(
                ((*path, "match", "category"), f"unknown category {ref!r} (categories in kpis.yml: {known})")
            )
    for index, child in enumerate(route.routes):
        out += _route_problems(child, (*path, "routes", index), lookup)
    return out
