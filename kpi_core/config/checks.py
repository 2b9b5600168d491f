"""Checks across the KPIs of `kpis.yml` that no single model can make: formulas that name unknown
KPIs or loop, sql sources naming an undefined database, names and aliases used twice, thresholds
that contradict the direction, dashboard entries naming unknown KPIs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from kpi_core.catalog import normalize_name
from kpi_core.config.env import EnvReferenceError, expand_env
from kpi_core.config.friendly import suggest
from kpi_core.config.issues import ConfigIssue, issue_at
from kpi_core.config.models import DashboardConfig, FormulaSource, KpiDefinition, SqlSource
from kpi_core.config.yamldoc import Key, YamlDocument
from kpi_core.formula import find_cycles


def check_catalog(
    doc: YamlDocument,
    *,
    kpis: Mapping[str, KpiDefinition],
    named: Mapping[str, KpiDefinition] | None = None,
    all_keys: Collection[str],
    databases: Mapping[str, str] | None,
    dashboard: DashboardConfig | None,
    env: Mapping[str, str],
) -> list[ConfigIssue]:
    """Every cross-KPI problem of `kpis.yml`.

    `kpis` holds the definitions that validated; `named` those plus stand-ins (key and name) for
    the ones that did not; `all_keys` every key written (a formula naming a KPI whose definition has
    its own error is not reported twice). `databases`/`dashboard` are None when that part did not
    validate.
    """
    issues = _check_formulas(doc, kpis, all_keys)
    issues += _check_terms(doc, kpis if named is None else named)
    issues += _check_thresholds(doc, kpis)
    if databases is not None:
        issues += _check_databases(doc, databases, env)
        issues += _check_sql_sources(doc, kpis, databases)
    if dashboard is not None:
        issues += _check_dashboard(doc, dashboard, all_keys)
    return issues


def _kpi_issue(doc: YamlDocument, kpi: KpiDefinition, path: Sequence[Key], message: str) -> ConfigIssue:
    raw = doc.get(("kpis", kpi.key))
    return issue_at(doc, ("kpis", kpi.key, *KpiDefinition.yaml_path(tuple(path), raw)), message)


def _check_formulas(
    doc: YamlDocument, kpis: Mapping[str, KpiDefinition], all_keys: Collection[str]
) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    graph: dict[str, list[str]] = {}
    for kpi in kpis.values():
        if not isinstance(kpi.source, FormulaSource):
            continue
        names = sorted(kpi.source.parsed.names)
        for name in names:
            if name not in all_keys:
                issues.append(
                    _kpi_issue(
                        doc,
                        kpi,
                        ("source", "formula"),
                        f"unknown KPI {name!r} in formula{suggest(name, sorted(all_keys))}",
                    )
                )
        graph[kpi.key] = [name for name in names if name in kpis]
    for cycle in find_cycles(graph):
        issues.append(_kpi_issue(doc, kpis[cycle[0]], ("source", "formula"), _cycle_message(cycle)))
    return issues


def _cycle_message(cycle: list[str]) -> str:
    if len(cycle) == 2:
        return f"formula cycle: {cycle[0]} uses itself ({cycle[0]} -> {cycle[0]})"
    return "formula cycle: " + " -> ".join(cycle)


def _check_terms(doc: YamlDocument, kpis: Mapping[str, KpiDefinition]) -> list[ConfigIssue]:
    """A name or alias may lead to one KPI only: `/kpi revenue` must not be ambiguous.

    Compared the way kpi_core.catalog looks names up (case, spaces and punctuation ignored).
    """
    issues: list[ConfigIssue] = []
    owner: dict[str, KpiDefinition] = {}
    for kpi in kpis.values():
        written: list[tuple[str, tuple[Key, ...], str]] = [
            ("key", (), kpi.key),
            ("name", ("name",), kpi.name),
        ]
        written += [("alias", ("aliases", i), alias) for i, alias in enumerate(kpi.aliases)]
        for what, path, text in written:
            term = normalize_name(text)  # as /kpi looks names up
            if not term:
                issues.append(_kpi_issue(doc, kpi, path, f"the {what} is empty"))
                continue
            first = owner.setdefault(term, kpi)
            if first.key != kpi.key:
                line = doc.line_of(("kpis", first.key))
                at = f" (line {line})" if line else ""
                issues.append(
                    _kpi_issue(doc, kpi, path, f"{what} {text!r} is already used by KPI {first.key!r}{at}")
                )
    return issues


def _check_thresholds(doc: YamlDocument, kpis: Mapping[str, KpiDefinition]) -> list[ConfigIssue]:
    issues = []
    for kpi in kpis.values():
        problem = kpi.thresholds.consistency_problem(kpi.direction)
        if problem:
            issues.append(_kpi_issue(doc, kpi, ("thresholds", "critical"), problem))
        issues += _targets_beyond_thresholds(doc, kpi)
    return issues


def _targets_beyond_thresholds(doc: YamlDocument, kpi: KpiDefinition) -> list[ConfigIssue]:
    """A target must be on the good side of the critical threshold: meeting it cannot be critical.

    A target inside the warning band is allowed: a KPI can be past its warning threshold and still
    ahead of its target (an early, modest milestone of a progression, or a deliberately tight warning).
    """
    line = kpi.thresholds.critical
    if line is None:
        return []
    level = "critical"
    higher = kpi.direction == "higher"
    targets: list[tuple[tuple[Key, ...], float]] = []
    if kpi.target is not None:
        targets.append((("target",), kpi.target))
    targets += [(("target_progression", i), value) for i, (_, value) in enumerate(kpi.target_progression)]
    issues = []
    for path, target in targets:
        if (target <= line) if higher else (target >= line):
            side = "above" if higher else "below"
            issues.append(
                _kpi_issue(
                    doc,
                    kpi,
                    path,
                    f"the target {target:g} must be {side} the {level} threshold {line:g} "
                    f"(this KPI is {'higher' if higher else 'lower'}-is-better: meeting the target "
                    f"would also raise a {level} alert)",
                )
            )
    return issues


def _check_databases(
    doc: YamlDocument, databases: Mapping[str, str], env: Mapping[str, str]
) -> list[ConfigIssue]:
    issues = []
    for name, url in databases.items():
        try:
            make_url(expand_env(url, env))
        except EnvReferenceError as error:
            issues.append(issue_at(doc, ("databases", name), str(error)))
        except ArgumentError:
            issues.append(
                issue_at(
                    doc, ("databases", name), f"{url!r} is not a database URL (like sqlite:///data/x.db)"
                )
            )
    return issues


def _check_sql_sources(
    doc: YamlDocument, kpis: Mapping[str, KpiDefinition], databases: Mapping[str, str]
) -> list[ConfigIssue]:
    issues = []
    for kpi in kpis.values():
        source = kpi.source
        if isinstance(source, SqlSource) and source.database not in databases:
            defined = ", ".join(databases) or "none"
            hint = suggest(source.database, list(databases))
            issues.append(
                _kpi_issue(
                    doc,
                    kpi,
                    ("source", "database"),
                    f"database {source.database!r} is not defined under `databases:`{hint}"
                    f" (defined: {defined})",
                )
            )
    return issues


def _check_dashboard(
    doc: YamlDocument, dashboard: DashboardConfig, all_keys: Collection[str]
) -> list[ConfigIssue]:
    entries: list[tuple[tuple[Key, ...], str]] = []
    entries += [(("dashboard", "headline", i), key) for i, key in enumerate(dashboard.headline)]
    entries += [(("dashboard", "quick_stats", i), key) for i, key in enumerate(dashboard.quick_stats)]
    for c, chart in enumerate(dashboard.charts):
        entries += [(("dashboard", "charts", c, "kpis", i), key) for i, key in enumerate(chart.kpis)]
    known = sorted(all_keys)
    return [
        issue_at(doc, path, f"unknown KPI {key!r}{suggest(key, known)}")
        for path, key in entries
        if key not in all_keys
    ]
