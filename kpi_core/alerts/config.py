"""The pydantic models of `alerts.yml`. (Owned by the alerts work; this is the loader's contract.)"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from kpi_core.config.models import KpiCatalogConfig


class AlertsConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    alerts: list[dict[str, Any]] = []
    routing: dict[str, Any] = {}

    def check_references(self, catalog: KpiCatalogConfig) -> list[tuple[tuple[str | int, ...], str]]:
        """Cross-file problems as (key path, message), e.g. a rule naming an unknown KPI."""
        return []
