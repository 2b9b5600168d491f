"""Product text speaks to its readers: no references to the internal spec documents ("seed 001") and
no config keys in sentences people read, in the shipped config's texts, in what `/kpi info` and the
alert refusals say, and in the replies of `kpibot alerts test`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import cli
from kpi_core.alerts.routing import check_permission
from kpi_core.config.loader import load_config
from tests.conftest import DEMO_CONFIG, REPO

INTERNAL = re.compile(r"\bseeds? ?0\d\d\b|who_can_act|channel_members|thresholds_from_kpis", re.IGNORECASE)
PEOPLE_FIELDS = ("name", "definition", "why", "actions", "risks", "description", "title")


def texts_people_read(node: Any, *, path: str = "") -> list[tuple[str, str]]:
    """Every string under a key people read (names, definitions, rule descriptions...)."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PEOPLE_FIELDS:
                items = value if isinstance(value, list | tuple) else [value]
                found += [(f"{path}.{key}", str(item)) for item in items if isinstance(item, str)]
            found += texts_people_read(value, path=f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += texts_people_read(item, path=f"{path}[{index}]")
    return found


def test_the_shipped_config_speaks_to_people() -> None:
    config = load_config(DEMO_CONFIG, env={})
    texts = texts_people_read(config.catalog.model_dump(mode="json"))
    texts += texts_people_read(config.alerts.model_dump(mode="json", by_alias=True))
    texts += texts_people_read(config.digests.model_dump(mode="json"))
    assert len(texts) > 100
    assert [(where, text) for where, text in texts if INTERNAL.search(text)] == []


def test_refusals_do_not_show_config_keys() -> None:
    for policy in ("channel_members", "owners"):
        permission = check_permission(
            policy, user_id="U1", allowed_users=set(), in_channel=False, channel="#exec-alerts"
        )
        assert not permission.allowed and not INTERNAL.search(permission.reason), permission.reason


def test_alerts_test_lists_every_rule_whole(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["--config", str(DEMO_CONFIG), "alerts", "test", "nosuch"],
        env={"DATABASE_URL": f"sqlite:///{tmp_path}/k.db"},
    )
    assert result.exit_code == 1
    config = load_config(DEMO_CONFIG, env={})
    listed = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert len(listed) > 15 and "thresholds.employee_satisfaction" in listed
    assert all(rule.key in listed for rule in config.alerts.alerts if rule.key)


READER_FACING = sorted(path for package in ("bot", "kpibot_demo") for path in (REPO / package).rglob("*.py"))


@pytest.mark.parametrize("path", READER_FACING, ids=lambda p: str(p.relative_to(REPO)))
def test_no_spec_documents_in_strings_of_the_bot(path: Path) -> None:
    """String literals outside docstrings and comments must not name the spec documents."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    bad = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and re.search(r"\bseeds? ?0\d\d\b", node.value, re.IGNORECASE)
    ]
    assert bad == []
