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
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import ConstructorError, DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import Node
from ruamel.yaml.reader import ReaderError

Key = str | int
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")
_DUPLICATE = re.compile(r'found duplicate key "(?P<key>[^"]*)"')
MAX_DEPTH = 40  # no kpibot file nests deeper than about 8; deeper is a mistake (or an attack)
MAX_NODES = 200_000  # aliases can multiply a small file ("billion laughs"); far above any real config


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
        """Parse YAML text; raises YamlSyntaxError with the line of the problem (never anything else)."""
        yaml = YAML(typ="rt")
        yaml.Constructor = _Constructor
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
        except ReaderError as error:
            raise YamlSyntaxError(
                f"not a text file: character {_character(error.character)} is not allowed in YAML",
                line=text.count("\n", 0, max(error.position, 0)) + 1,
            ) from None
        except YAMLError as error:
            raise YamlSyntaxError(f"YAML error: {error}", line=None) from None
        except RecursionError:
            raise YamlSyntaxError(
                f"nested too deeply (kpibot reads at most {MAX_DEPTH} levels)", line=None
            ) from None
        return cls(name=name, data=_Plain().convert(root), root=root)

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


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, but a value it cannot build is a marked error, not a crash.

    A date that does not exist (`2026-02-30`) stays text, so the model reports it at its own key
    ("not a calendar date") with the other problems of the file.
    """

    def construct_yaml_timestamp(self, node: Node, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except (ValueError, OverflowError):
            return str(node.value)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (YAMLError, RecursionError):
            raise
        except (ValueError, TypeError, LookupError, ArithmeticError) as error:
            raise ConstructorError(
                None, None, f"cannot read the value {str(node.value)[:40]!r} ({error})", node.start_mark
            ) from None


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def _character(code: Any) -> str:
    return f"#x{code:04x}" if isinstance(code, int) else repr(code)


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
    """ruamel's round-trip types (CommentedMap, ScalarFloat, ...) as plain Python values.

    Raises YamlSyntaxError for structures no config has: nesting deeper than MAX_DEPTH, an alias
    that contains itself, or aliases that multiply into more than MAX_NODES values.
    """
    return _Plain().convert(node)


class _Plain:
    """One conversion: counts nodes and tracks the containers being converted (for alias loops)."""

    def __init__(self) -> None:
        self.nodes = 0
        self.open: set[int] = set()

    def convert(self, node: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlSyntaxError(
                f"more than {MAX_NODES:,} values once aliases are expanded: write the values out",
                line=_own_line(node),
            )
        if isinstance(node, dict | list | tuple | Set):
            return self._container(node, depth)
        return _scalar(node)

    def _container(self, node: Any, depth: int) -> Any:
        if depth >= MAX_DEPTH:
            raise YamlSyntaxError(
                f"nested too deeply (kpibot reads at most {MAX_DEPTH} levels)", line=_own_line(node)
            )
        if id(node) in self.open:
            raise YamlSyntaxError("an alias (*name) refers to a value that contains it", line=_own_line(node))
        self.open.add(id(node))
        try:
            if isinstance(node, dict):
                return {
                    _hashable(self.convert(key, depth + 1)): self.convert(value, depth + 1)
                    for key, value in node.items()
                }
            return [self.convert(item, depth + 1) for item in node]
        finally:
            self.open.discard(id(node))


def _hashable(key: Any) -> Any:
    """A mapping key as a dict key: a complex key (`? [a, b]`) becomes its text, reported as unknown."""
    if key is None or isinstance(key, str | int | float | dt.date):
        return key
    return _flow(key)


def _flow(value: Any) -> str:
    """A plain value as YAML flow text: `[a, b]`, `{a: 1}`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flow(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return str(value)


def _scalar(node: Any) -> Any:
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
    if isinstance(node, bytes):
        return node.decode("utf-8", errors="replace")
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
