"""The generic helper other YAML models reuse: pydantic errors as friendly, line-numbered issues."""

from __future__ import annotations

import textwrap
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kpi_core.config.issues import validate_model
from kpi_core.config.yamldoc import YamlDocument


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Email(_Strict):
    kind: Literal["email"]
    address: str


class Channel(_Strict):
    kind: Literal["channel"]
    channel: str
    mention: bool = False


class Rule(_Strict):
    name: str
    severity: Literal["critical", "warning", "info"] = "warning"
    recipients: str | list[str] = []
    notify: Annotated[Email | Channel, Field(discriminator="kind")] | None = None
    limits: dict[str, int] = {}
    starts: date | None = None
    every: int = 1

    @field_validator("name")
    @classmethod
    def _no_shouting(cls, value: str) -> str:
        if value.isupper():
            raise ValueError(f"{value!r} is shouting: write it in sentence case")
        return value


class Rules(_Strict):
    alerts: list[Rule] = []


def issues(text: str) -> list[str]:
    doc = YamlDocument.parse(textwrap.dedent(text).lstrip("\n"), name="alerts.yml")
    model, found = validate_model(Rules, doc)
    assert (model is None) == bool(found)
    return [str(issue) for issue in found]


def test_literal_unknown_key_and_validator_messages() -> None:
    assert issues(
        """
        alerts:
          - name: Churn spike
            severity: critcal
            recipents: [a@example.com]
          - name: URGENT
        """
    ) == [
        "alerts.yml:3 alerts[0].severity: 'critcal' is not one of critical, warning, info "
        "(did you mean 'critical'?)",
        "alerts.yml:4 alerts[0].recipents: unknown key 'recipents' (did you mean 'recipients'?)",
        "alerts.yml:5 alerts[1].name: 'URGENT' is shouting: write it in sentence case",
    ]


def test_union_branches_become_one_message() -> None:
    assert issues("alerts:\n  - name: a\n    recipients: 5\n") == [
        "alerts.yml:3 alerts[0].recipients: expected text or a list, got 5"
    ]


def test_discriminated_union_paths_follow_the_yaml() -> None:
    assert issues(
        """
        alerts:
          - name: a
            notify: {kind: channel, chanel: "#kpis", mention: maybe}
          - name: b
            notify: {kind: pager}
        """
    ) == [
        "alerts.yml:3 alerts[0].notify.channel: missing: this key is required",
        "alerts.yml:3 alerts[0].notify.mention: expected true or false, got 'maybe'",
        "alerts.yml:3 alerts[0].notify.chanel: unknown key 'chanel' (did you mean 'channel'?)",
        "alerts.yml:5 alerts[1].notify: 'pager' is not one of 'email', 'channel'",
    ]


def test_type_messages() -> None:
    assert issues(
        """
        alerts:
          - name: 12
            limits: {daily: many, 3: 4}
            starts: next week
            every: 2.5
          - just text
        """
    ) == [
        "alerts.yml:2 alerts[0].name: expected text, got 12",
        "alerts.yml:3 alerts[0].limits.daily: expected a whole number, got 'many'",
        "alerts.yml:3 alerts[0].limits[3]: expected text, got 3",
        "alerts.yml:4 alerts[0].starts: expected a date (YYYY-MM-DD), got 'next week'",
        "alerts.yml:5 alerts[0].every: expected a whole number, got 2.5",
        "alerts.yml:6 alerts[1]: expected a mapping, got 'just text'",
    ]


def test_an_empty_file_is_an_empty_mapping() -> None:
    assert issues("") == []
