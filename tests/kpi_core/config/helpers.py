"""Small config directories for the loader tests, and their issues as the CLI prints them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kpi_core.config.loader import ConfigError, load_config


def write_config(
    directory: Path, *, kpis: str | None = None, alerts: str | None = None, digests: str | None = None
) -> Path:
    """Write the given files (dedented) into `directory` and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in (("kpis.yml", kpis), ("alerts.yml", alerts), ("digests.yml", digests)):
        if text is not None:
            (directory / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return directory


def issues_of(directory: Path, *, env: dict[str, str] | None = None) -> list[str]:
    """Every issue of a config that must fail, as `file:line path: message` lines."""
    with pytest.raises(ConfigError) as raised:
        load_config(directory, env=env or {})
    assert str(raised.value) == "\n".join(str(issue) for issue in raised.value.issues)
    return [str(issue) for issue in raised.value.issues]
