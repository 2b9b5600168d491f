"""Load the config directory (`kpis.yml`, `alerts.yml`, `digests.yml`) or report every problem at once.

    config = load_config("config")        # raises ConfigError listing issues as "file:line path: message"
    config.kpi("mrr").unit                 # 'USD'
    config.database_url("warehouse")       # ${VAR} / ${VAR:-default} expanded

`alerts.yml` and `digests.yml` are optional: a missing file is an empty one. Invalid config never runs.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kpi_core.alerts.config import AlertsConfig
from kpi_core.config.analytics_checks import check_analytics
from kpi_core.config.checks import check_catalog
from kpi_core.config.env import EnvReferenceError, expand_env
from kpi_core.config.friendly import known_keys
from kpi_core.config.issues import ConfigError, ConfigIssue, issue_at, validate_model, validation_issues
from kpi_core.config.models import KEY_PATTERN, KpiCatalogConfig, KpiDefinition
from kpi_core.config.partial import validate_partially
from kpi_core.config.yamldoc import YamlDocument, YamlSyntaxError, format_path
from kpi_core.digests.config import DigestsConfig

__all__ = [
    "AppConfig",
    "ConfigDocuments",
    "ConfigError",
    "ConfigIssue",
    "EnvReferenceError",
    "UnknownDatabaseError",
    "check_documents",
    "format_path",
    "issue_at",
    "load_config",
    "validate_model",
    "validation_issues",
]


class UnknownDatabaseError(LookupError):
    """A database name that `databases:` does not define."""


@dataclass(frozen=True)
class AppConfig:
    """The validated configuration of one directory."""

    directory: Path
    catalog: KpiCatalogConfig
    alerts: AlertsConfig
    digests: DigestsConfig
    env: Mapping[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def kpis(self) -> dict[str, KpiDefinition]:
        """Every KPI by key, in file order."""
        return self.catalog.kpis

    def kpi(self, key: str) -> KpiDefinition:
        """The KPI with this exact key (KeyError otherwise; use kpi_core.catalog for names/aliases)."""
        try:
            return self.catalog.kpis[key]
        except KeyError:
            raise KeyError(f"no KPI with key {key!r}") from None

    def database_url(self, name: str) -> str:
        """The SQLAlchemy URL of a named database, `${VAR}` / `${VAR:-default}` expanded."""
        try:
            url = self.catalog.databases[name]
        except KeyError:
            defined = ", ".join(self.catalog.databases) or "none"
            raise UnknownDatabaseError(f"no database {name!r} in kpis.yml (defined: {defined})") from None
        return expand_env(url, os.environ if self.env is None else self.env)

    def summary(self) -> str:
        """`N KPIs, M alert rules, K digests`."""
        rules = _count(self.alerts, "alerts", "rules")
        digests = _count(self.digests, "digests")
        counts = (_plural(len(self.kpis), "KPI"), _plural(rules, "alert rule"), _plural(digests, "digest"))
        return ", ".join(counts)


def _count(model: Any, *names: str) -> int:
    for name in names:
        value = getattr(model, name, None)
        if value is not None and hasattr(value, "__len__"):
            return len(value)
    return 0


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def load_config(directory: Path | str, *, env: Mapping[str, str] | None = None) -> AppConfig:
    """Load and check every file of `directory`; raises ConfigError with all issues, sorted."""
    directory = Path(directory)
    env = dict(os.environ) if env is None else dict(env)
    if not directory.is_dir():
        message = "no such config directory (choose one with --config DIR or KPIBOT_CONFIG)"
        raise ConfigError([ConfigIssue(str(directory), None, "", message)])
    issues: list[ConfigIssue] = []
    documents = ConfigDocuments(
        kpis=_read(directory, "kpis.yml", issues, required=True),
        alerts=_read(directory, "alerts.yml", issues, required=False),
        digests=_read(directory, "digests.yml", issues, required=False),
    )
    return check_documents(documents, directory=directory, env=env, issues=issues)


@dataclass(frozen=True)
class ConfigDocuments:
    """The parsed files of a config directory (None: missing, or unreadable and already reported)."""

    kpis: YamlDocument | None
    alerts: YamlDocument | None = None
    digests: YamlDocument | None = None


def check_documents(
    documents: ConfigDocuments,
    *,
    directory: Path,
    env: Mapping[str, str],
    issues: Sequence[ConfigIssue] = (),
) -> AppConfig:
    """Validate parsed files and check them against each other; raises ConfigError with every issue.

    `issues` are those found while reading (a missing kpis.yml, a YAML syntax error).
    """
    found = list(issues)
    catalog = KpiCatalogConfig()
    if documents.kpis is not None:
        catalog, catalog_issues = _load_catalog(documents.kpis, env)
        found += catalog_issues
    alerts = _load_optional(
        AlertsConfig, documents.alerts, found, catalog, checked=documents.kpis is not None
    )
    digests = _load_optional(
        DigestsConfig, documents.digests, found, catalog, checked=documents.kpis is not None
    )
    if found or alerts is None or digests is None:
        raise ConfigError(found)
    return AppConfig(directory=directory, catalog=catalog, alerts=alerts, digests=digests, env=dict(env))


def _read(directory: Path, name: str, issues: list[ConfigIssue], *, required: bool) -> YamlDocument | None:
    path = directory / name
    if not path.exists():
        alternative = path.with_suffix(".yaml")
        if alternative.exists():
            path = alternative
        elif required:
            issues.append(ConfigIssue(name, None, "", f"not found in {directory} (kpibot needs a kpis.yml)"))
            return None
        else:
            return None
    if path.is_dir():
        issues.append(ConfigIssue(path.name, None, "", f"{path} is a directory, not a file"))
        return None
    try:
        return YamlDocument.load(path)
    except YamlSyntaxError as error:
        issues.append(ConfigIssue(path.name, error.line, "", error.message))
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        message = f"not a text file: byte 0x{error.object[error.start]:02x} is not UTF-8"
        issues.append(ConfigIssue(path.name, line, "", message))
    except OSError as error:
        issues.append(ConfigIssue(path.name, None, "", f"cannot read the file: {error.strerror or error}"))
    return None


def _load_optional(
    model: Any,
    doc: YamlDocument | None,
    issues: list[ConfigIssue],
    catalog: KpiCatalogConfig,
    *,
    checked: bool,
) -> Any:
    """alerts.yml or digests.yml: validated as far as it goes, and what validated checked against the
    catalog (`checked`: kpis.yml was read), so an unknown KPI is reported with the file's other errors."""
    if doc is None:
        return model.model_validate({})
    if doc.data is not None and not isinstance(doc.data, dict):
        issues.append(issue_at(doc, (), "expected a mapping at the top of the file"))
        return None
    partial = validate_partially(model, doc, data=doc.data or {})
    issues += partial.issues
    if partial.rest is not None and checked:
        references = partial.rest.check_references(catalog)
        issues += [issue_at(doc, partial.file_path(path), message) for path, message in references]
    return partial.model


def _load_catalog(doc: YamlDocument, env: Mapping[str, str]) -> tuple[KpiCatalogConfig, list[ConfigIssue]]:
    """Validate each KPI on its own, so one bad KPI does not hide the problems of the others."""
    data = doc.data
    if not isinstance(data, dict) or "kpis" not in data:
        return KpiCatalogConfig(), [issue_at(doc, (), "expected a `kpis:` mapping of KPI key to definition")]
    top, issues = validate_model(KpiCatalogConfig, doc, data={k: v for k, v in data.items() if k != "kpis"})
    raw_kpis = data["kpis"] if data["kpis"] is not None else {}
    if not isinstance(raw_kpis, dict):
        issues.append(issue_at(doc, ("kpis",), "expected a mapping of KPI key to definition"))
        raw_kpis = {}
    valid: dict[str, KpiDefinition] = {}
    stand_ins: dict[str, KpiDefinition] = {}
    for raw_key, body in raw_kpis.items():
        key = str(raw_key)
        if _looks_like_a_category(body):
            inner = ", ".join(map(str, body))
            issues.append(
                issue_at(
                    doc,
                    ("kpis", raw_key),
                    f"this looks like a category of KPIs ({inner}): put each KPI directly under `kpis:` "
                    f"with `category: {key}`",
                )
            )
            continue
        data_for_model = {**body, "key": key} if isinstance(body, dict) else body
        kpi, kpi_issues = validate_model(KpiDefinition, doc, data=data_for_model, prefix=("kpis", raw_key))
        issues += kpi_issues
        if kpi is not None:
            valid[key] = kpi
        elif _is_key(key):
            # Keep the key known to the cross-file checks, so its own error is not echoed elsewhere.
            stand_ins[key] = _stand_in(key, body)
    ordered = [str(key) for key in raw_kpis]
    known = {key: valid.get(key) or stand_ins[key] for key in ordered if key in valid or key in stand_ins}
    issues += check_catalog(
        doc,
        kpis=valid,
        named=known,
        all_keys={str(key) for key in raw_kpis},
        databases=top.databases if top else None,
        dashboard=top.dashboard if top else None,
        env=env,
    )
    issues += check_analytics(doc, data, {str(key) for key in raw_kpis})
    if top is not None and not issues:
        return top.model_copy(update={"kpis": valid}), []
    partial = KpiCatalogConfig.model_construct(  # only for the cross-file checks of a config that fails
        databases=top.databases if top else {},
        kpis=known,
        dashboard=top.dashboard if top else KpiCatalogConfig().dashboard,
    )
    return partial, issues


def _stand_in(key: str, body: Any) -> KpiDefinition:
    """A KPI whose definition has errors, as far as the other files need it (name, tier, category)."""
    fields: dict[str, Any] = {"key": key, "name": key}
    if isinstance(body, dict):
        if isinstance(body.get("name"), str) and body["name"].strip():
            fields["name"] = body["name"]
        for name in ("category", "tier", "unit", "direction", "grain", "scale"):
            if name in body:  # each as validated on its own, so a good unit is not lost to a bad target
                with contextlib.suppress(ValidationError):
                    alone = KpiDefinition.model_validate({"key": key, "name": key, name: body[name]})
                    fields[name] = getattr(alone, name)
    return KpiDefinition.model_construct(**fields)


def _looks_like_a_category(body: Any) -> bool:
    """Seed 000 nests KPIs in categories (`kpis: {revenue: {mrr: {...}}}`)."""
    if not isinstance(body, dict) or not body or not all(isinstance(v, dict) for v in body.values()):
        return False
    return not set(map(str, body)) & set(known_keys(KpiDefinition))


def _is_key(text: str) -> bool:
    return re.fullmatch(KEY_PATTERN, text) is not None
