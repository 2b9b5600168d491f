"""Cohort tables from the configured queries: what `/kpi cohorts`, `kpibot cohorts` and digests use.

    table = cohort_table(config, kind=CohortKind.RETENTION, today=date(2026, 12, 2))

Months (and weeks) count only when they ended before `today`: the running month is never a cell.
"""

from __future__ import annotations

from datetime import date, timedelta

from kpi_core.cohorts.adoption import adoption_table
from kpi_core.cohorts.model import CohortDataError, CohortKind, CohortTable, CohortTargets
from kpi_core.cohorts.source import activity_from_rows, adoption_from_rows
from kpi_core.cohorts.tables import retention_table, revenue_table
from kpi_core.config.analytics import CohortsConfig, QuerySource
from kpi_core.config.loader import AppConfig
from kpi_core.warehouse_sql import SourceError, check_sqlite_file, run_query, warehouse_engine


class CohortsUnavailableError(CohortDataError):
    """There is no cohort query for this kind of table, or it failed; the message is for people."""


def cohort_targets(config: CohortsConfig) -> CohortTargets:
    targets = config.targets
    return CohortTargets(
        retention=targets.retention, nrr=targets.nrr, nrr_month=targets.nrr_month, adoption=targets.adoption
    )


def _run(config: AppConfig, source: QuerySource) -> tuple[list[str], list[tuple[object, ...]]]:
    url = config.database_url(source.database)
    try:
        check_sqlite_file(url)
        return run_query(warehouse_engine(url), source.sql)
    except SourceError as error:
        raise CohortsUnavailableError(f"the cohort query failed: {error}") from None


def cohort_table(config: AppConfig, *, kind: CohortKind, today: date) -> CohortTable:
    """The retention, revenue or adoption table as of the last complete day before `today`."""
    cohorts = config.catalog.cohorts
    as_of = today - timedelta(days=1)
    if cohorts is None:
        raise CohortsUnavailableError("cohort analysis is not set up: no cohort query is configured")
    targets = cohort_targets(cohorts)
    if kind is CohortKind.ADOPTION:
        if cohorts.adoption is None:
            raise CohortsUnavailableError("feature adoption cohorts are not set up: no adoption query")
        columns, rows = _run(config, cohorts.adoption)
        return adoption_table(
            adoption_from_rows(columns, rows), as_of=as_of, weeks=cohorts.weeks, targets=targets
        )
    if cohorts.activity is None:
        raise CohortsUnavailableError("retention and revenue cohorts are not set up: no activity query")
    columns, rows = _run(config, cohorts.activity)
    activity = activity_from_rows(columns, rows)
    if kind is CohortKind.REVENUE:
        return revenue_table(
            activity,
            as_of=as_of,
            currency=cohorts.currency,
            months=cohorts.months,
            targets=targets,
            cohorts=cohorts.cohorts,
        )
    return retention_table(
        activity, as_of=as_of, months=cohorts.months, targets=targets, cohorts=cohorts.cohorts
    )


def cohort_table_as_of(config: AppConfig, kind: CohortKind, as_of: date) -> CohortTable:
    """The table over the days up to and including `as_of` (a digest period's last day)."""
    return cohort_table(config, kind=kind, today=as_of + timedelta(days=1))
