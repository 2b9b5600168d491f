"""Random mutations of the shipped config, for the property test and its benchmark.

Two kinds:
- *value* mutations edit the parsed data of one file at a random key path (replace a value with a
  hostile one, drop a key, rename it, wrap it in a list...). They skip parsing, so thousands run in
  seconds; the document keeps the original parse tree, so issues still get lines.
- *text* mutations edit the YAML text of one file (replace, drop, duplicate, re-indent a line, insert
  bytes, cut the file short) and parse it again, as `kpibot validate` does.

Either way the outcome must be an `AppConfig` or a `ConfigError` whose issues are well formed, never
any other exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from kpi_core.config.loader import AppConfig, ConfigDocuments, ConfigError, check_documents
from kpi_core.config.yamldoc import Key, YamlDocument, YamlSyntaxError
from tests.conftest import DEMO_CONFIG

FILES = ("kpis.yml", "alerts.yml", "digests.yml")
ENV = {"KPIBOT_WAREHOUSE_URL": "sqlite:///warehouse.db"}

# Values people (and attackers) write where something else was expected.
HOSTILE_SCALARS: list[Any] = [
    None, True, False, 0, -1, -5.0, 1e308, 10**400, float("inf"), float("-inf"), float("nan"),
    "", " ", "abc", "2026-02-30", "2026-13-01", "12:99", "1e999", ".nan", "50,000", "4%", "-3 %",
    "<!channel>", "<@U0CEO>", "<!subteam^S123|team>", "#KPI Monthly!", "U0CEO", "ceo@", "a" * 300,
    "${UNSET_VARIABLE}", "${", "mrr * (", "__import__('os')", "owner", "critical", "monthly",
    dt.date(2026, 2, 28), dt.datetime(2026, 2, 28, 9, 0), "\u202e\u0000", "🙂",
]  # fmt: skip
HOSTILE_LINES = [
    "  target: {2026-02-30: 550000}",
    "  target: 1e999",
    "    threshold_warning: .nan",
    "- name: 2026-02-30",
    "&a [*a, *a]",
    "<<: *nowhere",
    "? [a, b]\n: c",
    "key: !!int abc",
    "key: !!bool maybe",
    "\x00\x01\x02",
    "\t- tab",
    "[" * 60,
    "    channel: '#KPI Monthly!'",
    "  mrr: {name: Again}",
    "kpis:",
]

# One value of each kind that breaks parsers: tried most often, since most bugs are per kind.
CORE_HOSTILE: list[Any] = [
    None, True, -1, 0, 1e308, 10**400, float("inf"), float("-inf"), float("nan"), "", "abc",
    "2026-02-30", dt.date(2026, 2, 28), [1], {"a": 1},
]  # fmt: skip
scalars = st.one_of(
    st.sampled_from(HOSTILE_SCALARS),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.dates(),
)
hostile_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=10), st.sampled_from(["name", "kpi", "sql", "channel"])),
            children,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@cache
def shipped_documents() -> dict[str, YamlDocument]:
    """The shipped config, parsed once per process."""
    return {name: YamlDocument.load(DEMO_CONFIG / name) for name in FILES}


@cache
def shipped_texts() -> dict[str, str]:
    return {name: (DEMO_CONFIG / name).read_text(encoding="utf-8") for name in FILES}


@cache
def key_names(name: str) -> dict[Key, list[tuple[Key, ...]]]:
    """The paths of a shipped file by their last key (list positions as "[]"): a rare key such as
    `escalate_after` is picked as often as a common one such as `name`."""
    by_name: dict[Key, list[tuple[Key, ...]]] = {}
    for path in key_paths(name):
        last: Key = "[]" if path and isinstance(path[-1], int) else (path[-1] if path else "")
        by_name.setdefault(last, []).append(path)
    return by_name


@cache
def key_paths(name: str) -> list[tuple[Key, ...]]:
    """Every key path of a shipped file (the root too), for picking where to mutate."""
    return [(), *_walk(shipped_documents()[name].data, ())]


def _walk(node: Any, path: tuple[Key, ...]) -> Iterator[tuple[Key, ...]]:
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield (*path, key)
        yield from _walk(child, (*path, key))


def replace_at(node: Any, path: tuple[Key, ...], edit: Any) -> Any:
    """`node` with the value at `path` passed through `edit` (a copy along the path only)."""
    if not path:
        return edit(node)
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {key: replace_at(value, rest, edit) if key == head else value for key, value in node.items()}
    return [replace_at(value, rest, edit) if i == head else value for i, value in enumerate(node)]


DROP = object()


def mutate_value(data: Any, path: tuple[Key, ...], kind: str, value: Any) -> Any:
    """One value mutation: `replace`, `drop`, `rename` (the last key to `value`), `wrap` or `double`."""
    if kind == "replace" or not path:
        return replace_at(data, path, lambda _: value)
    parent, last = path[:-1], path[-1]

    def edit_parent(container: Any) -> Any:
        if isinstance(container, dict):
            out = dict(container)
            if kind == "drop":
                out.pop(last, None)
            elif kind == "rename":
                out[str(value)[:20] if not isinstance(value, int | str) else value] = out.pop(last)
            elif kind == "wrap":
                out[last] = [out[last]]
            else:
                out[last] = {"nested": out[last], "again": out[last]}
            return out
        items = list(container)
        if kind == "drop":
            del items[last]
        elif kind in ("wrap", "rename"):
            items[last] = [items[last]]
        else:
            items.insert(last, items[last])
        return items

    return replace_at(data, parent, edit_parent)


def mutate_text(text: str, *, line: int, kind: str, payload: str) -> str:
    """One text mutation at a line: `replace`, `drop`, `double`, `indent`, `insert`, `cut`."""
    lines = text.split("\n")
    at = line % max(len(lines), 1)
    if kind == "replace":
        lines[at] = payload
    elif kind == "drop":
        del lines[at]
    elif kind == "double":
        lines.insert(at, lines[at])
    elif kind == "indent":
        lines[at] = " " + lines[at]
    elif kind == "insert":
        column = len(payload) % (len(lines[at]) + 1)
        lines[at] = lines[at][:column] + payload + lines[at][column:]
    else:
        return "\n".join(lines[:at]) + payload
    return "\n".join(lines)


def outcome(documents: dict[str, YamlDocument | None], *, read_issues: list[Any] | None = None) -> str:
    """Check the documents; "ok" or "N issues". Any exception but ConfigError propagates (the bug)."""
    try:
        config = check_documents(
            ConfigDocuments(
                kpis=documents.get("kpis.yml"),
                alerts=documents.get("alerts.yml"),
                digests=documents.get("digests.yml"),
            ),
            directory=DEMO_CONFIG,
            env=ENV,
            issues=read_issues or [],
        )
    except ConfigError as error:
        assert error.issues, "a ConfigError without issues"
        for issue in error.issues:
            assert issue.file in FILES, issue
            assert issue.message.strip(), issue
            assert issue.line is None or issue.line >= 1, issue
            assert "Traceback" not in str(issue), issue
        return f"{len(error.issues)} issues"
    assert isinstance(config, AppConfig)
    return "ok"


def parse_or_issue(name: str, text: str) -> tuple[YamlDocument | None, list[Any]]:
    """Parse like the loader: a syntax error is one issue and no document."""
    from kpi_core.config.issues import ConfigIssue

    try:
        return YamlDocument.parse(text, name=name), []
    except YamlSyntaxError as error:
        return None, [ConfigIssue(name, error.line, "", error.message)]


def value_mutation_outcome(name: str, path: tuple[Key, ...], kind: str, value: Any) -> str:
    """Mutate one file's data and check the whole config."""
    documents: dict[str, YamlDocument | None] = dict(shipped_documents())
    original = shipped_documents()[name]
    data = mutate_value(original.data, path, kind, value)
    documents[name] = YamlDocument(name=name, data=data, root=original.root)
    return outcome(documents)


def text_mutation_outcome(name: str, *, line: int, kind: str, payload: str) -> str:
    """Mutate one file's text, parse it again and check the whole config."""
    documents: dict[str, YamlDocument | None] = dict(shipped_documents())
    documents[name], read_issues = parse_or_issue(
        name, mutate_text(shipped_texts()[name], line=line, kind=kind, payload=payload)
    )
    return outcome(documents, read_issues=read_issues)


VALUE_KINDS = st.sampled_from(["replace", "replace", "replace", "drop", "rename", "wrap", "double"])
TEXT_KINDS = st.sampled_from(["replace", "drop", "double", "indent", "insert", "cut"])
payloads = st.one_of(st.sampled_from(HOSTILE_LINES), st.text(max_size=30))


def check_no_crash_text(path: Path) -> str:
    """`kpibot validate` on a directory: for benchmarks that mutate files on disk."""
    from kpi_core.config.loader import load_config

    try:
        load_config(path, env=ENV)
    except ConfigError as error:
        return f"{len(error.issues)} issues"
    return "ok"
