"""Reading cohort rows from a query result (what a `cohorts:` source in kpis.yml returns)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kpi_core.cohorts.model import CohortActivity, CohortDataError, FeatureUse
from kpi_core.warehouse_sql import SourceError, parse_period

ACTIVITY_COLUMNS = ("member_id", "cohort_date", "activity_date")
ADOPTION_COLUMNS = ("member_id", "cohort_date", "feature", "used_on")


def _positions(columns: Sequence[str], wanted: Sequence[str], optional: Sequence[str] = ()) -> dict[str, int]:
    lowered = [c.lower() for c in columns]
    missing = [name for name in wanted if name not in lowered]
    if missing:
        raise CohortDataError(
            f"the query must return the columns {', '.join(wanted)}; missing: {', '.join(missing)} "
            f"(it returned {', '.join(columns) or 'none'})"
        )
    return {name: lowered.index(name) for name in (*wanted, *optional) if name in lowered}


def activity_from_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[CohortActivity]:
    at = _positions(columns, ACTIVITY_COLUMNS, ("revenue",))
    result = []
    for number, row in enumerate(rows, start=1):
        try:
            revenue = row[at["revenue"]] if "revenue" in at else None
            result.append(
                CohortActivity(
                    str(row[at["member_id"]]),
                    parse_period(row[at["cohort_date"]], f"row {number} cohort_date"),
                    parse_period(row[at["activity_date"]], f"row {number} activity_date"),
                    None if revenue is None else float(revenue),
                )
            )
        except (SourceError, TypeError, ValueError) as error:
            raise CohortDataError(f"row {number}: {error}") from None
    return result


def adoption_from_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[FeatureUse]:
    at = _positions(columns, ADOPTION_COLUMNS)
    result = []
    for number, row in enumerate(rows, start=1):
        try:
            feature, used = row[at["feature"]], row[at["used_on"]]
            result.append(
                FeatureUse(
                    str(row[at["member_id"]]),
                    parse_period(row[at["cohort_date"]], f"row {number} cohort_date"),
                    None if feature is None else str(feature),
                    None if used is None else parse_period(used, f"row {number} used_on"),
                )
            )
        except SourceError as error:
            raise CohortDataError(f"row {number}: {error}") from None
    return result
