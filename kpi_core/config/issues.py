"""Config issues with file, line and key path, and the one exception that carries all of them.

Other YAML models reuse this: parse with `YamlDocument`, then `validate_model(Model, doc)` gives the
model (or None) and the issues, already friendly and line-numbered.

>>> doc = YamlDocument.parse("kpis:\\n  mrr:\\n    unit: dollars\\n", name="kpis.yml")
>>> print(issue_at(doc, ("kpis", "mrr", "unit"), "not a unit"))
kpis.yml:3 kpis.mrr.unit: not a unit
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kpi_core.config.friendly import friendly_message, merge_branch_messages, resolve_loc
from kpi_core.config.yamldoc import Key, YamlDocument, format_path

M = TypeVar("M", bound=BaseModel)
FILE_ORDER = ("kpis.yml", "alerts.yml", "digests.yml")


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in one config file. `line` is 1-based (None when the file as a whole is wrong)."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def sort_key(self) -> tuple[int, str, int, str, str]:
        rank = FILE_ORDER.index(self.file) if self.file in FILE_ORDER else len(FILE_ORDER)
        return (rank, self.file, self.line or 0, self.path, self.message)


class ConfigError(Exception):
    """The config is invalid. `issues` lists every problem found, sorted by file then line."""

    def __init__(self, issues: Iterable[ConfigIssue]) -> None:
        self.issues = sorted(dict.fromkeys(issues), key=ConfigIssue.sort_key)
        super().__init__("\n".join(str(issue) for issue in self.issues))


def issue_at(doc: YamlDocument, path: Sequence[Key], message: str) -> ConfigIssue:
    """An issue at a key path of `doc`, with the line of that key (or of its nearest parent)."""
    return ConfigIssue(file=doc.name, line=doc.line_of(path), path=format_path(path), message=message)


def validation_issues(
    error: ValidationError,
    *,
    doc: YamlDocument,
    model: Any = None,
    prefix: Sequence[Key] = (),
    raw: Any = None,
) -> list[ConfigIssue]:
    """A pydantic ValidationError as friendly, line-numbered issues.

    `model` is the type that was validated (for did-you-mean and union handling), `prefix` the key
    path of the validated data inside `doc`. A model may define `yaml_path(path, raw)` (classmethod)
    to map paths of fields its before-validators renamed back to the keys written in YAML.
    """
    rewrite: Callable[..., Sequence[Key]] | None = getattr(model, "yaml_path", None)
    grouped: dict[tuple[Key, ...], tuple[list[str], bool]] = {}
    for details in error.errors():
        resolved = resolve_loc(model, details["loc"])
        last = resolved.path[-1] if resolved.path else None
        message = friendly_message(details, parent=resolved.parent, key=last)
        path = tuple(resolved.path)
        if rewrite is not None:
            path = tuple(rewrite(path, raw if raw is not None else doc.get(prefix)))
        messages, via_union = grouped.setdefault(path, ([], resolved.via_union))
        messages.append(message)
        grouped[path] = (messages, via_union and resolved.via_union)
    issues: list[ConfigIssue] = []
    for path, (messages, via_union) in grouped.items():
        texts = [merge_branch_messages(messages)] if via_union else list(dict.fromkeys(messages))
        issues.extend(issue_at(doc, (*prefix, *path), text) for text in texts)
    return issues


def validate_model(
    model: type[M], doc: YamlDocument, *, data: Any = None, prefix: Sequence[Key] = ()
) -> tuple[M | None, list[ConfigIssue]]:
    """Validate `data` (default: the document at `prefix`) as `model`: (instance, []) or (None, issues)."""
    if data is None:
        data = doc.get(prefix, {})
    if data is None:
        data = {}
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        return None, validation_issues(error, doc=doc, model=model, prefix=prefix, raw=data)
