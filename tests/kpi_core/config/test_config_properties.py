"""Property: whatever is done to the shipped config, checking it gives a config or a clean,
line-numbered ConfigError, never another exception (what `kpibot validate` would print as a traceback).

2,000 value mutations and 200 text mutations run in the suite (about 40 s on 2 cores);
`benchmarks/bench_config_fuzz.py` runs many more, including text mutations of kpis.yml.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.kpi_core.config.mutations import (
    CORE_HOSTILE,
    FILES,
    TEXT_KINDS,
    VALUE_KINDS,
    hostile_values,
    key_names,
    payloads,
    text_mutation_outcome,
    value_mutation_outcome,
)

VALUE_EXAMPLES = 2_000
TEXT_EXAMPLES = 200
_SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}


@st.composite
def value_mutations(draw: st.DrawFn) -> tuple[str, tuple[Any, ...], str, Any]:
    name = draw(st.sampled_from(FILES))
    by_name = key_names(name)
    paths = by_name[draw(st.sampled_from(sorted(by_name, key=str)))]
    path = draw(st.sampled_from(paths))
    value = draw(st.one_of(st.sampled_from(CORE_HOSTILE), st.sampled_from(CORE_HOSTILE), hostile_values))
    return name, path, draw(VALUE_KINDS), value


@settings(max_examples=VALUE_EXAMPLES, **_SETTINGS)
@given(value_mutations())
def test_any_value_mutation_gives_a_config_or_clean_issues(mutation: tuple[str, Any, str, Any]) -> None:
    name, path, kind, value = mutation
    value_mutation_outcome(name, path, kind, value)


@settings(max_examples=TEXT_EXAMPLES, **_SETTINGS)
@given(
    name=st.sampled_from(["alerts.yml", "digests.yml"]),
    line=st.integers(min_value=0, max_value=200),
    kind=TEXT_KINDS,
    payload=payloads,
)
def test_any_text_mutation_gives_a_config_or_clean_issues(
    name: str, line: int, kind: str, payload: str
) -> None:
    text_mutation_outcome(name, line=line, kind=kind, payload=payload)


def test_the_unmutated_config_is_valid() -> None:
    assert value_mutation_outcome("kpis.yml", ("kpis",), "double", None) != "ok"  # a mutation bites
    assert text_mutation_outcome("alerts.yml", line=0, kind="insert", payload="") == "ok"
