"""The demo warehouse: deterministic raw data of a fictional SaaS for the demo KPIs (`kpibot demo-data`)."""

from kpibot_demo.data.warehouse import (
    PlantedIncident,
    PushedObservation,
    WarehouseSummary,
    build_warehouse,
    warehouse_checksum,
)

__all__ = [
    "PlantedIncident",
    "PushedObservation",
    "WarehouseSummary",
    "build_warehouse",
    "warehouse_checksum",
]
