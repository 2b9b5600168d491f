"""YAML with line numbers: lookups by key path, plain values, syntax errors with their line."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from kpi_core.config.yamldoc import YamlDocument, YamlSyntaxError, format_path

TEXT = textwrap.dedent(
    """\
    # a comment
    defaults: &defaults
      grain: monthly
    kpis:
      mrr: {name: MRR, source: {formula: "a * 2"}}
      arr:
        <<: *defaults
        name: ARR
        target: {2026-06-30: 5, 2026-12-31: 7.5}
    alerts:
      - name: one
      - name: two
        severity: urgent
    """
)


@pytest.fixture
def doc() -> YamlDocument:
    return YamlDocument.parse(TEXT, name="kpis.yml")


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ((), 2),  # the first line with content
        (("kpis",), 4),
        (("kpis", "mrr", "source", "formula"), 5),
        (("kpis", "arr", "name"), 8),
        (("kpis", "arr", "target", dt.date(2026, 12, 31)), 9),
        (("alerts", 1), 12),
        (("alerts", 1, "severity"), 13),
        (("kpis", "arr", "grain"), 6),  # merged in with `<<:`: the nearest key that has a line
        (("kpis", "arr", "missing", "deeper"), 6),
        (("alerts", 9, "name"), 10),
    ],
)
def test_line_of_a_key_path(doc: YamlDocument, path: tuple[str | int, ...], line: int) -> None:
    assert doc.line_of(path) == line


def test_data_is_plain_python(doc: YamlDocument) -> None:
    arr = doc.data["kpis"]["arr"]
    assert arr == {
        "name": "ARR",
        "target": {dt.date(2026, 6, 30): 5, dt.date(2026, 12, 31): 7.5},
        "grain": "monthly",
    }
    assert type(arr["target"]) is dict
    assert [type(v) for v in arr["target"].values()] == [int, float]
    assert type(doc.data["alerts"]) is list
    assert doc.get(("alerts", 1, "severity")) == "urgent"
    assert doc.get(("alerts", 5), "none") == "none"


def test_yaml_1_2_scalars() -> None:
    data = YamlDocument.parse("a: yes\nb: true\nc: 1_000\nd: 2026-01-01 10:00:00\ne: ~\n", name="x.yml").data
    assert data["a"] == "yes"
    assert data["b"] is True
    assert data["d"] == dt.datetime(2026, 1, 1, 10, 0)
    assert data["e"] is None


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\nb:\n  c: 1\n  c: 2\n", 4, "duplicate key 'c': each key may appear once"),
        (
            "a: [1,\n",
            2,
            "YAML syntax error: expected the node content, but found '<stream end>' "
            "(while parsing a flow node)",
        ),
        ("a:\n  b: c: d\n", 2, "YAML syntax error: mapping values are not allowed here"),
        (
            "a: 1\n\tb: 2\n",
            2,
            "YAML syntax error: found character '\\t' that cannot start any token "
            "(while scanning for the next token)",
        ),
        ("a: *nowhere\n", 1, "YAML syntax error: found undefined alias 'nowhere'"),
    ],
)
def test_syntax_errors_carry_their_line(text: str, line: int, message: str) -> None:
    with pytest.raises(YamlSyntaxError) as raised:
        YamlDocument.parse(text, name="x.yml")
    assert (raised.value.line, raised.value.message) == (line, message)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (("kpis", "mrr", "thresholds", "warning"), "kpis.mrr.thresholds.warning"),
        (("alerts", 2, "severity"), "alerts[2].severity"),
        (("matrix", 0, 1), "matrix[0][1]"),
        (("kpis", "users", "target", dt.date(2026, 6, 30)), "kpis.users.target.2026-06-30"),
        (("kpis", "Month 12"), 'kpis."Month 12"'),
        ((), ""),
    ],
)
def test_format_path(path: tuple[object, ...], text: str) -> None:
    assert format_path(path) == text  # type: ignore[arg-type]
