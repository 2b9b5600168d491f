"""The pydantic models of `digests.yml`. (Owned by the digests work; this is the loader's contract.)"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from kpi_core.config.models import KpiCatalogConfig


class DigestsConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    digests: dict[str, dict[str, Any]] = {}

    def check_references(self, catalog: KpiCatalogConfig) -> list[tuple[tuple[str | int, ...], str]]:
        """Cross-file problems as (key path, message), e.g. a section naming an unknown KPI."""
        return []
