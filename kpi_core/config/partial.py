"""Validate what can be validated: a file with some broken entries still has its other entries checked.

`alerts.yml` with a bad severity in one rule and an unknown KPI in another must report both at once.
`validate_partially` validates the whole file; when that fails, it drops the entries that failed (a
rule of `alerts:`, a digest of `digests:`, else a top-level key) and validates the rest, so the
cross-file checks (`check_references`) can run on what is left. Paths that the cross-file checks give
for the remaining list entries are mapped back to their positions in the file.

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from kpi_core.config.issues import ConfigIssue, validation_issues
from kpi_core.config.yamldoc import Key, YamlDocument

M = TypeVar("M", bound=BaseModel)
ENTRY_KEYS = ("alerts", "digests", "kpis")  # top-level keys whose entries are validated one by one
_ROUNDS = 4


@dataclass(frozen=True)
class Partial(Generic[M]):
    """The outcome: `model` when the whole file is valid, `rest` (what validated once the failing
    entries were dropped) either way when anything validated, and the issues of the file."""

    model: M | None
    rest: M | None
    issues: list[ConfigIssue]
    kept: dict[str, list[int]] = field(default_factory=dict)  # list key -> original index per position

    def file_path(self, path: Sequence[Key]) -> tuple[Key, ...]:
        """A path into `rest` as a path into the file (list positions shift when entries are dropped)."""
        if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int):
            positions = self.kept.get(path[0])
            if positions is not None and 0 <= path[1] < len(positions):
                return (path[0], positions[path[1]], *path[2:])
        return tuple(path)


def validate_partially(model: type[M], doc: YamlDocument, *, data: Any) -> Partial[M]:
    """Validate `data` (a mapping read from `doc`) as `model`; see the module docstring."""
    try:
        instance = model.model_validate(data)
    except ValidationError as error:
        issues = validation_issues(error, doc=doc, model=model, raw=data)
        rest, kept = _validate_rest(model, data, error)
        return Partial(model=None, rest=rest, issues=issues, kept=kept)
    return Partial(model=instance, rest=instance, issues=[])


def _validate_rest(
    model: type[M], data: dict[Any, Any], error: ValidationError
) -> tuple[M | None, dict[str, list[int]]]:
    kept: dict[str, list[int]] = {}
    for round_ in range(_ROUNDS):
        failing = [tuple(details["loc"]) for details in error.errors()]
        if any(not loc for loc in failing):
            return None, {}  # the file as a whole is wrong: nothing to check against the other files
        # First drop only the failing keys inside an entry (a rule keeps its condition when its
        # severity is wrong); an entry that still fails is dropped whole in the next round.
        data, kept = _drop(data, failing, kept, keys_of_entries=round_ == 0)
        try:
            return model.model_validate(data), kept
        except ValidationError as again:
            error = again
    return None, {}


def _drop(
    data: dict[Any, Any], failing: list[tuple[Any, ...]], kept: dict[str, list[int]], *, keys_of_entries: bool
) -> tuple[dict[Any, Any], dict[str, list[int]]]:
    """`data` without what failed; `kept` updated for dropped list items."""
    out = dict(data)
    kept = dict(kept)
    for top in {loc[0] for loc in failing}:
        entries = out.get(top)
        locs = [loc[1:] for loc in failing if loc[0] == top and len(loc) > 1]
        if top not in ENTRY_KEYS or not locs or not isinstance(entries, list | dict):
            out.pop(top, None)
            continue
        if keys_of_entries:
            out[top] = _drop_inner_keys(entries, locs)
            continue
        bad = {loc[0] for loc in locs}
        if isinstance(entries, list):
            positions = kept.get(top, list(range(len(entries))))
            kept[top] = [p for i, p in enumerate(positions) if i not in bad]
            out[top] = [entry for i, entry in enumerate(entries) if i not in bad]
        else:
            out[top] = {key: value for key, value in entries.items() if key not in bad}
    return out, kept


def _drop_inner_keys(entries: list[Any] | dict[Any, Any], locs: list[tuple[Any, ...]]) -> Any:
    """Each entry without its failing keys (an entry failing as a whole is left for the next round)."""
    copy: Any = list(entries) if isinstance(entries, list) else dict(entries)
    for loc in locs:
        if len(loc) < 2:
            continue
        try:
            entry = copy[loc[0]]
        except (IndexError, KeyError, TypeError):
            continue
        if isinstance(entry, dict):
            copy[loc[0]] = {key: value for key, value in entry.items() if key != loc[1]}
    return copy
