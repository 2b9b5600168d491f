"""The `routing:` models of `alerts.yml`: an ordered route tree, as in Alertmanager."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, field_validator

from kpi_core.alerts.common import Frozen, Severity, WhoCanAct, as_tuple, parse_severity, phrase
from kpi_core.alerts.destinations import parse_destination
from kpi_core.alerts.units import parse_duration


class QuietHours(Frozen):
    """Non-critical notifications wait until `end` (local time in `timezone`); critical ones go through."""

    start: time
    end: time
    timezone: str = "UTC"

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 20:00 as 1200
            raise ValueError(f'write the time in quotes, e.g. "20:00" (got {value})')
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
            raise ValueError(
                f"{value!r} is not an IANA timezone (e.g. Europe/Paris, America/New_York)"
            ) from None
        return value


class RouteMatch(Frozen):
    """All given keys must match; each takes one value or a list."""

    severity: tuple[Severity, ...] | None = None
    category: tuple[str, ...] | None = None
    kpi: tuple[str, ...] | None = None
    rule: tuple[str, ...] | None = None
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: Any) -> Any:
        value = as_tuple(value)
        return tuple(dict.fromkeys(map(parse_severity, value))) if isinstance(value, list | tuple) else value

    @field_validator("category", "kpi", "rule", mode="before")
    @classmethod
    def _many(cls, value: Any) -> Any:
        return as_tuple(value)


# Each item parsed on its own, so an error points at it: `channels[1]`, with its own line.
Destination = Annotated[str, BeforeValidator(lambda value: str(parse_destination(str(value))))]


def _minutes(value: Any) -> timedelta:
    return parse_duration(value, default_unit="minutes")


class RouteConfig(Frozen):
    """A node of the route tree. Unset settings are inherited from the parent route.

    `repeat_interval` and `escalate_after` take durations (`4h`, `30m`, `1d`); a bare number is minutes.
    """

    name: str | None = None
    match: RouteMatch = RouteMatch()
    channels: tuple[Destination, ...] | None = None
    owner_dms: bool | None = None
    rule_recipients: bool | None = None
    mentions: tuple[str, ...] | None = None
    repeat_interval: timedelta | None = None  # timedelta(0): never repeat
    escalate_after: timedelta | None = None
    escalation: tuple[Destination, ...] | None = None
    quiet_hours: QuietHours | None = None
    digest_only: bool | None = None
    who_can_act: WhoCanAct | None = None
    continue_: bool = Field(False, alias="continue")
    routes: tuple[RouteConfig, ...] = ()

    @field_validator("channels", "escalation", mode="before")
    @classmethod
    def _destinations(cls, value: Any) -> Any:
        return as_tuple(value)

    @field_validator("mentions", mode="before")
    @classmethod
    def _mentions(cls, value: Any) -> Any:
        return as_tuple(value)

    @field_validator("repeat_interval", mode="before")
    @classmethod
    def _repeat(cls, value: Any) -> Any:
        if value is None:
            return None
        if value is False or str(value).strip().lower() in ("never", "none", "off", "0"):
            return timedelta(0)
        return phrase(_minutes, value)

    @field_validator("escalate_after", mode="before")
    @classmethod
    def _escalate(cls, value: Any) -> Any:
        return None if value is None else phrase(_minutes, value)
