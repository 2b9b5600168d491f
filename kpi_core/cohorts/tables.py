"""Retention and revenue cohort tables from raw activity rows (one row per member and active month).

    table = retention_table(rows, as_of=date(2025, 1, 31))
    table.rows[0].cells  # (100.0, 92.0, 78.0, 65.0, 58.0)

A cell counts only months that have ended on or before `as_of` (the last day with data): the month
still running, and every month after it, is None. Cohorts are calendar months of the cohort date; the
month still running is not a cohort yet (its members are still joining).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from kpi_core.cohorts.insights import retention_insights, revenue_insights
from kpi_core.cohorts.model import (
    RETENTION_MONTHS,
    CohortActivity,
    CohortDataError,
    CohortKind,
    CohortRow,
    CohortTable,
    CohortTargets,
)
from kpi_core.periods import period_end, period_label, shift_period


def month_offset(cohort: date, period: date) -> int:
    return (period.year - cohort.year) * 12 + period.month - cohort.month


def month_complete(cohort: date, offset: int, as_of: date) -> bool:
    """Whether month `offset` of a cohort (a month start) ended on or before `as_of`."""
    return period_end(shift_period(cohort, "monthly", offset), "monthly") <= as_of


class _Cohorts:
    """Members per cohort month, and per (cohort, offset) the active members and their revenue."""

    def __init__(self, rows: Iterable[CohortActivity], *, as_of: date) -> None:
        self.members: dict[date, set[str]] = defaultdict(set)
        self.active: dict[tuple[date, int], set[str]] = defaultdict(set)
        self.revenue: dict[tuple[date, int], float] = defaultdict(float)
        first_cohort: dict[str, date] = {}
        for row in rows:
            cohort = row.cohort.replace(day=1)
            known = first_cohort.setdefault(row.member_id, cohort)
            if known != cohort:
                raise CohortDataError(
                    f"member {row.member_id} has two cohort dates ({known:%Y-%m} and {cohort:%Y-%m})"
                )
            offset = month_offset(cohort, row.period)
            if offset < 0:
                raise CohortDataError(f"member {row.member_id} is active in {row.period} before its cohort")
            if cohort > as_of:
                continue
            self.members[cohort].add(row.member_id)
            self.active[(cohort, offset)].add(row.member_id)
            if row.revenue is not None:
                self.revenue[(cohort, offset)] += row.revenue

    def cohorts(self, limit: int | None, *, as_of: date) -> list[date]:
        """The newest `limit` cohorts whose first month has ended (a running month is no cohort yet)."""
        ordered = [cohort for cohort in sorted(self.members) if month_complete(cohort, 0, as_of)]
        return ordered[-limit:] if limit else ordered


def retention_table(
    rows: Iterable[CohortActivity],
    *,
    as_of: date,
    months: tuple[int, ...] = RETENTION_MONTHS,
    targets: CohortTargets | None = None,
    cohorts: int | None = None,
) -> CohortTable:
    """Percent of each monthly cohort active in Month 0, 1, 3, 6, 12 (the newest `cohorts` cohorts)."""
    targets = targets or CohortTargets()
    data = _Cohorts(rows, as_of=as_of)
    table_rows = []
    for cohort in data.cohorts(cohorts, as_of=as_of):
        size = len(data.members[cohort])
        cells = tuple(
            100.0 * len(data.active[(cohort, m)]) / size if month_complete(cohort, m, as_of) else None
            for m in months
        )
        table_rows.append(CohortRow(period_label(cohort, "monthly"), cohort, size, cells))
    shown = {m: t for m, t in targets.retention.items() if m in months}
    return CohortTable(
        kind=CohortKind.RETENTION,
        title="Monthly retention by signup cohort",
        unit="percent",
        period_name="Month",
        periods=months,
        rows=tuple(table_rows),
        as_of=as_of,
        targets=shown,
        insights=retention_insights(table_rows, months=months, targets=shown),
    )


def revenue_table(
    rows: Iterable[CohortActivity],
    *,
    as_of: date,
    currency: str = "USD",
    months: tuple[int, ...] = RETENTION_MONTHS,
    targets: CohortTargets | None = None,
    cohorts: int | None = None,
) -> CohortTable:
    """Monthly revenue per customer of each cohort (revenue of the month over the cohort's size, so
    churned customers count as zero), with net revenue retention: revenue of the latest complete month
    up to the NRR month over Month 0 revenue."""
    targets = targets or CohortTargets()
    rows = list(rows)
    if not any(row.revenue is not None for row in rows):
        raise CohortDataError("the cohort rows have no revenue column, so there is no revenue table")
    data = _Cohorts(rows, as_of=as_of)
    table_rows = []
    for cohort in data.cohorts(cohorts, as_of=as_of):
        size = len(data.members[cohort])
        cells = tuple(
            data.revenue[(cohort, m)] / size if month_complete(cohort, m, as_of) else None for m in months
        )
        nrr, nrr_month = _nrr(data, cohort, as_of=as_of, up_to=targets.nrr_month)
        label = period_label(cohort, "monthly")
        table_rows.append(CohortRow(label, cohort, size, cells, nrr=nrr, nrr_month=nrr_month))
    return CohortTable(
        kind=CohortKind.REVENUE,
        title="Monthly revenue per customer by signup cohort",
        unit=currency,
        period_name="Month",
        periods=months,
        rows=tuple(table_rows),
        as_of=as_of,
        nrr_target=targets.nrr,
        nrr_target_month=targets.nrr_month,
        insights=revenue_insights(table_rows, months=months, targets=targets, currency=currency),
    )


def _nrr(data: _Cohorts, cohort: date, *, as_of: date, up_to: int) -> tuple[float | None, int | None]:
    start = data.revenue.get((cohort, 0), 0.0)
    latest = max((m for m in range(1, up_to + 1) if month_complete(cohort, m, as_of)), default=None)
    if latest is None or start <= 0:
        return None, None
    return 100.0 * data.revenue[(cohort, latest)] / start, latest
