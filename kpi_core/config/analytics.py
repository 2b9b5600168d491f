"""The pydantic models of the analytics sections of `kpis.yml`: cohorts, customers, health, stages and
the dashboards per role. Each section is optional; a missing section turns its feature off."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kpi_core.customers.churn import DEFAULT_FEATURES

_POSITIVE = Field(gt=0, allow_inf_nan=False)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class QuerySource(_Frozen):
    sql: str = Field(min_length=1)
    database: str = "warehouse"


class CohortTargetsConfig(_Frozen):
    retention: dict[int, float] = {1: 95.0, 3: 85.0, 6: 75.0}  # percent of the cohort, by month
    nrr: float = Field(default=115.0, gt=0, allow_inf_nan=False)
    nrr_month: int = Field(default=12, ge=1, le=60)
    adoption: dict[int, float] = {}  # percent of the cohort using each feature, by week

    @field_validator("retention", "adoption")
    @classmethod
    def _percentages(cls, value: dict[int, float]) -> dict[int, float]:
        for period, target in value.items():
            if period < 0 or not 0 <= target <= 100:
                raise ValueError(
                    f"a target is a period (0 or more) and a percentage 0-100, not {period}: {target}"
                )
        return value


class CohortsConfig(_Frozen):
    """`activity`: rows (member_id, cohort_date, activity_date[, revenue]) for retention and revenue.
    `adoption`: rows (member_id, cohort_date, feature, used_on); a NULL feature declares a member."""

    activity: QuerySource | None = None
    adoption: QuerySource | None = None
    currency: str = "USD"
    months: tuple[int, ...] = (0, 1, 3, 6, 12)
    weeks: tuple[int, ...] = (1, 4, 12, 24, 52)
    cohorts: int = Field(default=13, ge=1, le=36)  # the newest cohorts shown: 13 shows a Month 12
    targets: CohortTargetsConfig = CohortTargetsConfig()

    @field_validator("months", "weeks")
    @classmethod
    def _ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or list(value) != sorted(set(value)) or value[0] < 0:
            raise ValueError("list the periods once each, in increasing order, from 0 up")
        return value


class CustomersConfig(_Frozen):
    """One row per customer and snapshot day: customer_id, name, as_of, churned_on (NULL while a
    customer), and one column per feature. The churn model learns from the snapshots whose horizon
    has passed and scores each customer's latest snapshot."""

    sql: str = Field(min_length=1)
    database: str = "warehouse"
    features: tuple[str, ...] = DEFAULT_FEATURES
    horizon_days: int = Field(default=90, ge=7, le=730)
    value: str = "contract_value"  # the column that says what an account is worth (per month)
    recency: str = "days_since_last_login"
    frequency: str = "dashboard_views_last_30d"


class HealthConfig(_Frozen):
    """How much each tier counts in the company health score."""

    tiers: dict[Literal["north_star", "input", "output", "health"], float] = {
        "north_star": 3.0,
        "input": 2.0,
        "output": 1.5,
        "health": 1.0,
    }

    @field_validator("tiers")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        if any(not 0 <= weight < 1e6 for weight in value.values()):
            raise ValueError("tier weights are numbers from 0 up")
        return value
