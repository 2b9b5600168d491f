"""Feature adoption by cohort: the percent of members who used a feature within their first N weeks.

    table = adoption_table(uses, as_of=date(2025, 6, 30))
    table.rows[0].label, table.rows[0].cells  # "Dashboard Builder", (78.0, 85.0, 89.0, 91.0, 93.0)

A member counts in Week N only once its first N weeks have ended on or before `as_of`; a column with no
such member is None (not zero).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from kpi_core.cohorts.insights import adoption_insights
from kpi_core.cohorts.model import (
    ADOPTION_WEEKS,
    CohortDataError,
    CohortKind,
    CohortRow,
    CohortTable,
    CohortTargets,
    FeatureUse,
)


def adoption_table(
    uses: Iterable[FeatureUse],
    *,
    as_of: date,
    weeks: tuple[int, ...] = ADOPTION_WEEKS,
    targets: CohortTargets | None = None,
) -> CohortTable:
    """Percent of members using each feature by Week 1, 4, 12, 24 and 52 after their first day, the most
    adopted feature first."""
    members: dict[str, date] = {}
    first_use: dict[tuple[str, str], date] = {}
    features: list[str] = []
    for use in uses:
        known = members.setdefault(use.member_id, use.cohort)
        if known != use.cohort:
            raise CohortDataError(f"member {use.member_id} has two first days ({known} and {use.cohort})")
        if use.feature is None or use.used_on is None or use.cohort > as_of:
            continue
        if use.used_on < use.cohort:
            raise CohortDataError(f"member {use.member_id} used {use.feature} before its first day")
        if use.feature not in features:
            features.append(use.feature)
        key = (use.member_id, use.feature)
        if key not in first_use or use.used_on < first_use[key]:
            first_use[key] = use.used_on
    members = {member: cohort for member, cohort in members.items() if cohort <= as_of}
    rows = []
    for feature in features:
        cells = tuple(_share(members, first_use, feature, week=week, as_of=as_of) for week in weeks)
        rows.append(CohortRow(feature, None, len(members), cells))
    rows.sort(key=lambda row: (-_latest(row.cells), row.label))  # the most adopted feature first
    shown = {} if targets is None else {w: t for w, t in targets.adoption.items() if w in weeks}
    return CohortTable(
        kind=CohortKind.ADOPTION,
        title="Feature adoption: percent of each cohort using the feature",
        unit="percent",
        period_name="Week",
        periods=weeks,
        rows=tuple(rows),
        as_of=as_of,
        targets=shown,
        insights=adoption_insights(rows, weeks=weeks, targets=shown),
    )


def _latest(cells: tuple[float | None, ...]) -> float:
    known = [cell for cell in cells if cell is not None]
    return known[-1] if known else -1.0


def _share(
    members: dict[str, date], first_use: dict[tuple[str, str], date], feature: str, *, week: int, as_of: date
) -> float | None:
    days = timedelta(days=7 * week)
    eligible = [member for member, cohort in members.items() if cohort + days - timedelta(days=1) <= as_of]
    if not eligible:
        return None
    used = sum(
        1
        for member in eligible
        if (member, feature) in first_use and first_use[(member, feature)] < members[member] + days
    )
    return 100.0 * used / len(eligible)
