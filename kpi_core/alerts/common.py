"""Small shared pieces of the `alerts.yml` models: severities, the frozen base model, phrase errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kpi_core.alerts.phrases import PhraseError

Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}
WhoCanAct = Literal["anyone", "channel_members", "owners"]
Path = tuple[str | int, ...]


def parse_severity(value: Any) -> Severity:
    """`critical`, `warning`, `info`; `high` is accepted as critical. Raises ValueError otherwise.

    >>> parse_severity("High")
    'critical'
    """
    text = value.strip().lower() if isinstance(value, str) else value
    if text == "high":
        return "critical"
    if text in SEVERITIES:
        return text  # type: ignore[no-any-return,unused-ignore]
    raise ValueError(f"{value!r} is not one of critical, warning, info (high is accepted as critical)")


def phrase(parse: Callable[[Any], Any], value: Any) -> Any:
    """Run a phrase parser inside a pydantic validator: its PhraseError becomes a plain ValueError."""
    try:
        return parse(value)
    except PhraseError as error:
        raise ValueError(str(error)) from None
    except (OverflowError, ArithmeticError):
        raise ValueError(f"{value!r} is too large (or not a finite number)") from None


def as_tuple(value: Any) -> Any:
    """A YAML scalar where a list is expected is a one-item list."""
    return (value,) if isinstance(value, str | int | float) else value


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False)
