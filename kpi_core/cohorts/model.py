"""The plain facts of a cohort table: rows in, frozen tables out (retention, revenue and adoption)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class CohortKind(StrEnum):
    RETENTION = "retention"
    REVENUE = "revenue"
    ADOPTION = "adoption"


RETENTION_MONTHS: tuple[int, ...] = (0, 1, 3, 6, 12)
ADOPTION_WEEKS: tuple[int, ...] = (1, 4, 12, 24, 52)


def _frozen(values: Mapping[int, float]) -> Mapping[int, float]:
    return dict(values)  # a plain dict: tables travel to the chart worker processes (pickled)


@dataclass(frozen=True)
class CohortTargets:
    """What good looks like: retention (percent of the cohort) by month, and net revenue retention
    (percent of Month 0 revenue) by a month. Defaults: 95% Month 1, 85% Month 3, 75% Month 6,
    NRR 115% by Month 12."""

    retention: Mapping[int, float] = field(default_factory=lambda: _frozen({1: 95.0, 3: 85.0, 6: 75.0}))
    nrr: float = 115.0
    nrr_month: int = 12
    adoption: Mapping[int, float] = field(default_factory=lambda: _frozen({}))


@dataclass(frozen=True)
class CohortActivity:
    """One member active in one period: `cohort` is any day of the member's first period (signup),
    `period` any day of the period it was active in, `revenue` what it paid in that period."""

    member_id: str
    cohort: date
    period: date
    revenue: float | None = None


@dataclass(frozen=True)
class FeatureUse:
    """A member's use of a feature on a day. `feature=None` only declares the member (it counts in the
    denominator even when it never used anything)."""

    member_id: str
    cohort: date  # the member's first day
    feature: str | None
    used_on: date | None = None


@dataclass(frozen=True)
class CohortRow:
    """One line of a table: a cohort (retention, revenue) or a feature (adoption).

    `cells` line up with `CohortTable.periods`; a cell is None when its period has not ended yet
    (never zero). `nrr` is the revenue table's net revenue retention at `nrr_month`."""

    label: str
    cohort: date | None
    size: int
    cells: tuple[float | None, ...]
    nrr: float | None = None
    nrr_month: int | None = None


@dataclass(frozen=True)
class CohortTable:
    """A cohort table as of a day, with targets per period and computed insight lines."""

    kind: CohortKind
    title: str
    unit: str  # "percent" or a currency code
    period_name: str  # "Month" or "Week"
    periods: tuple[int, ...]
    rows: tuple[CohortRow, ...]
    as_of: date
    targets: Mapping[int, float] = field(default_factory=lambda: _frozen({}))
    nrr_target: float | None = None
    nrr_target_month: int | None = None
    insights: tuple[str, ...] = ()

    def column(self, period: int) -> tuple[float | None, ...]:
        index = self.periods.index(period)
        return tuple(row.cells[index] for row in self.rows)


class CohortDataError(ValueError):
    """The rows cannot make a cohort table (say which and why)."""
