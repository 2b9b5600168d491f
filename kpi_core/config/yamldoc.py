"""YAML documents that remember where every key is, so config errors can say `kpis.yml:14`.

>>> doc = YamlDocument.parse("kpis:\\n  mrr:\\n    unit: USD\\n", name="kpis.yml")
>>> doc.data
{'kpis': {'mrr': {'unit': 'USD'}}}
>>> doc.line_of(("kpis", "mrr", "unit"))
3
>>> format_path(("alerts", 2, "severity"))
'alerts[2].severity'
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

Key = str | int
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")
_DUPLICATE = re.compile(r'found duplicate key "(?P<key>[^"]*)"')


class YamlSyntaxError(ValueError):
    """The text is not YAML. `line` is 1-based when the parser knows it."""

    def __init__(self, message: str, *, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: `data` as plain Python (dict, list, str, int, float, bool, date, None)."""

    name: str
    data: Any
    root: Any = field(repr=False, compare=False)

    @classmethod
    def parse(cls, text: str, *, name: str) -> YamlDocument:
        """Parse YAML text; raises YamlSyntaxError with the line of the problem."""
        yaml = YAML(typ="rt")
        yaml.allow_duplicate_keys = False
        try:
            root = yaml.load(text)
        except DuplicateKeyError as error:
            found = _DUPLICATE.search(str(error.problem))
            key = f" {found['key']!r}" if found else ""
            raise YamlSyntaxError(
                f"duplicate key{key}: each key may appear once", line=_mark_line(error)
            ) from None
        except MarkedYAMLError as error:
            problem = error.problem or "not valid YAML"
            context = f" ({error.context})" if error.context else ""
            raise YamlSyntaxError(f"YAML syntax error: {problem}{context}", line=_mark_line(error)) from None
        except YAMLError as error:
            raise YamlSyntaxError(f"YAML error: {error}", line=None) from None
        return cls(name=name, data=to_plain(root), root=root)

    @classmethod
    def load(cls, path: Path) -> YamlDocument:
        """Read and parse a file; its `name` is the file name (as messages show it)."""
        return cls.parse(path.read_text(encoding="utf-8"), name=path.name)

    def line_of(self, path: Sequence[Key]) -> int | None:
        """The 1-based line of the key (or list item) at `path`, else of its nearest existing parent."""
        node = self.root
        line = _own_line(node)
        for key in path:
            if isinstance(node, CommentedMap) and _contains(node, key):
                line = _key_line(node, key) or line
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
                with contextlib.suppress(KeyError, TypeError):
                    line = node.lc.item(key)[0] + 1
                node = node[key]
            else:
                break
        return line

    def get(self, path: Sequence[Key], default: Any = None) -> Any:
        """The plain value at `path`, or `default` when some step is missing."""
        node = self.data
        for key in path:
            found = (isinstance(node, dict) and key in node) or (
                isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
            )
            if not found:
                return default
            node = node[key]
        return node


def _mark_line(error: MarkedYAMLError) -> int | None:
    mark = error.problem_mark or error.context_mark
    return mark.line + 1 if mark is not None else None


def _contains(node: CommentedMap, key: Key) -> bool:
    try:
        return key in node
    except TypeError:  # an unhashable key
        return False


def _key_line(node: CommentedMap, key: Key) -> int | None:
    try:
        return int(node.lc.key(key)[0]) + 1
    except (KeyError, TypeError, AttributeError):
        return None  # a key merged in with `<<:` has no position of its own


def _own_line(node: Any) -> int | None:
    lc = getattr(node, "lc", None)
    return lc.line + 1 if lc is not None and lc.line is not None else None


def to_plain(node: Any) -> Any:
    """ruamel's round-trip types (CommentedMap, ScalarFloat, ...) as plain Python values."""
    if isinstance(node, dict):
        return {to_plain(key): to_plain(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [to_plain(item) for item in node]
    if isinstance(node, TaggedScalar):
        return node.value
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return bool(node) if type(node).__name__ == "ScalarBoolean" else int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.datetime):
        return dt.datetime.fromisoformat(node.isoformat())
    return node


def format_path(path: Sequence[Key]) -> str:
    """A key path as people write it: `kpis.mrr.thresholds.warning`, `alerts[2].severity`."""
    text = ""
    for key in path:
        if isinstance(key, int) and not isinstance(key, bool):
            text += f"[{key}]"
        else:
            shown = str(key)
            if not _PLAIN_KEY.match(shown):
                shown = f'"{shown}"'
            text += f".{shown}" if text else shown
    return text
