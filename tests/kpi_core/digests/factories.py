"""Small builders for digest tests (imported by tests/kpi_core/digests and tests/scheduling)."""

from __future__ import annotations

from typing import Any

from kpi_core.digests.config import DigestDefinition


def make_digest(
    schedule: str = "daily at 09:00",
    *,
    timezone: str = "Europe/Berlin",
    name: str = "daily",
    channels: tuple[str, ...] = ("#kpi-daily",),
    sections: list[Any] | None = None,
    **extra: Any,
) -> DigestDefinition:
    return DigestDefinition.model_validate(
        {
            "name": name,
            "schedule": schedule,
            "timezone": timezone,
            "channels": list(channels),
            "sections": [{"headline": ["mrr"]}] if sections is None else sections,
            **extra,
        }
    )
