"""Cohort analysis: retention, revenue (with NRR) and feature-adoption tables from raw rows."""

from kpi_core.cohorts.adoption import adoption_table
from kpi_core.cohorts.model import (
    ADOPTION_WEEKS,
    RETENTION_MONTHS,
    CohortActivity,
    CohortDataError,
    CohortKind,
    CohortRow,
    CohortTable,
    CohortTargets,
    FeatureUse,
)
from kpi_core.cohorts.tables import retention_table, revenue_table

__all__ = [
    "ADOPTION_WEEKS",
    "RETENTION_MONTHS",
    "CohortActivity",
    "CohortDataError",
    "CohortKind",
    "CohortRow",
    "CohortTable",
    "CohortTargets",
    "FeatureUse",
    "adoption_table",
    "retention_table",
    "revenue_table",
]
