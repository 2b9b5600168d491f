"""Pydantic errors in the words of the YAML file: the key path as written, and a plain message.

Pydantic's `loc` names model internals: union members (`'list[str]'`, a discriminator tag such as
`'sql'`), dict-key markers (`'[key]'`). `resolve_loc` walks the model's types beside the `loc` to
drop those and to learn which model holds the last key (for "did you mean" on unknown keys).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from kpi_core.config.models import KEY_PATTERN, KEY_RULE

Key = str | int
_BUILTIN_TAGS = {"str", "int", "float", "bool", "none", "date", "datetime", "time", "bytes", "decimal"}
_SEQUENCES = (list, tuple, set, frozenset, Sequence)
_EXPECTED: dict[str, str] = {
    **dict.fromkeys(("float_parsing", "float_type", "finite_number", "decimal_parsing"), "a number"),
    **dict.fromkeys(("int_parsing", "int_type", "int_from_float"), "a whole number"),
    **dict.fromkeys(("string_type", "string_unicode"), "text"),
    **dict.fromkeys(("bool_parsing", "bool_type"), "true or false"),
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type", "mapping_type"), "a mapping"),
    **dict.fromkeys(("list_type", "tuple_type", "set_type", "frozen_set_type", "iterable_type"), "a list"),
    **dict.fromkeys(
        ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"),
        "a date (YYYY-MM-DD)",
    ),
    **dict.fromkeys(("datetime_type", "datetime_parsing", "datetime_from_date_parsing"), "a date and time"),
    **dict.fromkeys(("time_type", "time_parsing"), "a time (HH:MM)"),
}
_NUMBER_WITH_COMMAS = re.compile(r"^\s*-?\d{1,3}(,\d{3})+(\.\d+)?\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def _date_problem(text: str) -> str:
    year, month, day = (int(part) for part in text.split("-"))
    try:
        dt.date(year, month, day)
    except ValueError as error:
        return str(error)
    return "write it as YYYY-MM-DD"


@dataclass(frozen=True)
class ResolvedLoc:
    """A pydantic `loc` as a YAML key path, with the type that holds its last key."""

    path: tuple[Key, ...]
    parent: Any  # the model (or container type) the last key belongs to; None when unknown
    via_union: bool  # one of several union branches failed: pydantic reports each branch


def resolve_loc(model: Any, loc: Sequence[Key]) -> ResolvedLoc:
    """Drop union-member and dict-key markers from `loc`, following the types of `model`."""
    tp: Any = model
    parent: Any = None
    path: list[Key] = []
    via_union = False
    for element in loc:
        tp = _strip(tp)
        if _is_union(tp):
            member = _union_member(tp, element)
            if member is not None or _looks_like_tag(element):
                tp, via_union = member, True
                continue
            tp = None
        if element == "[key]":
            continue
        parent = tp
        path.append(element)
        tp = _child(tp, element)
    return ResolvedLoc(tuple(path), parent, via_union)


def _strip(tp: Any) -> Any:
    """Remove `Annotated[...]` and `| None`."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
            continue
        if _is_union(tp):
            members = [arg for arg in get_args(tp) if arg is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _union_member(tp: Any, element: Key) -> Any:
    for member in (_strip(arg) for arg in get_args(tp)):
        if _is_model(member):
            if member.__name__ == element:
                return member
            for info in member.model_fields.values():
                annotation = _strip(info.annotation)
                if get_origin(annotation) is Literal and element in get_args(annotation):
                    return member
        elif element == (member.__name__ if isinstance(member, type) else str(member)):
            return member
    return None


def _looks_like_tag(element: Key) -> bool:
    if not isinstance(element, str) or not element:
        return False
    return (
        element in _BUILTIN_TAGS
        or "[" in element
        or element[0].isupper()
        or element.startswith(("function-", "lax-", "json-"))
        or "union" in element
    )


def _child(tp: Any, element: Key) -> Any:
    if _is_model(tp):
        for name, info in tp.model_fields.items():
            if element in (name, info.alias):
                return info.annotation
        return None
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in _SEQUENCES and args:
        if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
            return args[element] if isinstance(element, int) and 0 <= element < len(args) else None
        return args[0]
    return None


def known_keys(model: Any) -> list[str]:
    """The keys a YAML mapping for `model` may hold: field names (or aliases) and `yaml_keys`."""
    if not _is_model(model):
        return []
    hidden = set(getattr(model, "yaml_hidden", ()))
    keys = [info.alias or name for name, info in model.model_fields.items() if name not in hidden]
    return keys + [key for key in getattr(model, "yaml_keys", ()) if key not in keys]


def suggest(word: object, candidates: Sequence[str]) -> str:
    """` (did you mean 'x'?)` or nothing: difflib's closest candidate."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not close:
        close = [c for c in candidates if c.lower() == word.lower()]
    return f" (did you mean {close[0]!r}?)" if close else ""


def show(value: Any) -> str:
    """A value as the YAML author would recognise it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def friendly_message(error: ErrorDetails, *, parent: Any, key: Key | None) -> str:
    """One pydantic error as a plain sentence about the YAML value."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    value = error.get("input")
    if kind == "extra_forbidden":
        keys = known_keys(parent)
        hint = suggest(key, keys)
        if not hint and 0 < len(keys) <= 12:
            hint = " (expected one of: " + ", ".join(keys) + ")"
        return f"unknown key {show(key)}{hint}"
    if kind == "missing":
        return "missing: this key is required"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", ""))
        choices = re.findall(r"'([^']*)'", expected) or [expected]
        return f"{show(value)} is not one of {', '.join(choices)}{suggest(value, choices)}"
    if kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error") or error["msg"])
        return re.sub(r"^(Value error|Assertion failed), ", "", message)
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == KEY_PATTERN:
            return f"{show(value)} is not a valid key: {KEY_RULE}"
        return f"{show(value)} does not match the pattern {ctx.get('pattern')}"
    if kind == "union_tag_invalid":
        return f"{show(ctx.get('tag'))} is not one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return f"missing the key {ctx.get('discriminator')}"
    if kind == "finite_number":
        return f"expected a finite number, got {show(value)}"
    if kind.startswith("date") and isinstance(value, str) and _ISO_DATE.match(value):
        return f"{value!r} is not a calendar date ({_date_problem(value)})"
    if kind in _EXPECTED:
        hint = ""
        if kind.startswith("float") and isinstance(value, str) and _NUMBER_WITH_COMMAS.match(value):
            hint = f" (write numbers without commas: {value.replace(',', '').strip()})"
        return f"expected {_EXPECTED[kind]}, got {show(value)}{hint}"
    message = re.sub(r"^Input should", "should", error["msg"])
    if not isinstance(value, dict | list):
        message += f", got {show(value)}"
    return message


def merge_branch_messages(messages: Sequence[str]) -> str:
    """Union branches that each failed: "expected text, got 5" + "expected a list, got 5" -> one."""
    unique = list(dict.fromkeys(messages))
    if len(unique) == 1:
        return unique[0]
    parts = [re.match(r"^expected (.*), got (.*)$", message) for message in unique]
    if all(parts) and len({part[2] for part in parts if part}) == 1:
        wanted = [part[1] for part in parts if part]
        return f"expected {' or '.join(wanted)}, got {parts[0][2] if parts[0] else ''}"
    return "; or ".join(unique)
