from __future__ import annotations

from datetime import date

import pytest

from kpi_core.cohorts import (
    CohortActivity,
    CohortDataError,
    CohortTargets,
    FeatureUse,
    adoption_table,
    retention_table,
    revenue_table,
)
from tests.kpi_core.cohorts.seed_rows import ADOPTION, RETENTION, REVENUE, activity_rows, feature_uses

YEAR_LATER = date(2025, 1, 31)  # January 2025 has ended: the January 2024 cohort has its Month 12


def _rounded(cells: tuple[float | None, ...]) -> tuple[float | None, ...]:
    return tuple(None if c is None else round(c) for c in cells)


def test_retention_table_gives_back_the_published_percentages() -> None:
    table = retention_table(activity_rows(), as_of=YEAR_LATER)
    assert [row.label for row in table.rows] == ["Jan 2024", "Feb 2024", "Mar 2024", "Apr 2024", "May 2024"]
    assert table.periods == (0, 1, 3, 6, 12)
    for row in table.rows:
        assert row.cohort is not None and row.size == 100
        published = RETENTION[row.cohort]
        for month, cell in zip(table.periods, row.cells, strict=True):
            if month in published:
                assert cell == pytest.approx(published[month])
    assert table.targets == {1: 95.0, 3: 85.0, 6: 75.0}


def test_months_that_have_not_ended_are_empty_not_zero() -> None:
    table = retention_table(activity_rows(), as_of=date(2024, 6, 30))
    by_label = {row.label: _rounded(row.cells) for row in table.rows}
    assert by_label["Jan 2024"] == (100, 92, 78, None, None)
    assert by_label["Feb 2024"] == (100, 94, 81, None, None)
    assert by_label["Mar 2024"] == (100, 91, 76, None, None)
    assert by_label["Apr 2024"] == (100, 89, None, None, None)
    assert by_label["May 2024"] == (100, 100, None, None, None)  # the fixture keeps May whole
    # The month that is still running is never shown as a complete month.
    running = retention_table(activity_rows(), as_of=date(2024, 6, 29))
    assert _rounded(running.rows[-1].cells) == (100, None, None, None, None)
    assert _rounded(running.rows[0].cells) == (100, 92, 78, None, None)


def test_a_complete_month_without_activity_is_zero() -> None:
    rows = [CohortActivity("a", date(2024, 1, 5), date(2024, 1, 20))]
    table = retention_table(rows, as_of=date(2024, 3, 31))
    assert table.rows[0].cells == (100.0, 0.0, None, None, None)  # Month 3 is April


def test_retention_insights_read_the_trend_and_the_targets() -> None:
    rows = [row for row in activity_rows() if row.cohort.month < 5]  # January to April 2024
    table = retention_table(rows, as_of=date(2024, 6, 30))
    assert table.insights == (
        "Month 1 retention fell from 92% to 89% over the last 4 cohorts (Jan 2024 to Apr 2024)",
        "Month 3 retention fell from 78% to 76% over the last 3 cohorts (Jan 2024 to Mar 2024)",
        "Target: 95% Month 1, 85% Month 3, 75% Month 6; newest: Month 1 89% (Apr 2024, below), "
        "Month 3 76% (Mar 2024, below)",
    )


def test_revenue_table_and_nrr_match_the_published_figures() -> None:
    table = revenue_table(activity_rows(), as_of=YEAR_LATER)
    nrr = {row.label: round(row.nrr) if row.nrr else None for row in table.rows}
    assert nrr["Jan 2024"] == 140 and nrr["Feb 2024"] == 127 and nrr["Mar 2024"] == 113
    assert nrr["Apr 2024"] == 102
    for row in table.rows:
        assert row.cohort is not None
        for month, cell in zip(table.periods, row.cells, strict=True):
            if month in REVENUE[row.cohort]:
                assert cell == pytest.approx(REVENUE[row.cohort][month])
    assert table.rows[0].nrr_month == 12
    assert "Expansion after Month 3: Jan 2024 went from $1,420 to $1,750 per customer by Month 12 (+23%)" in (
        table.insights
    )
    assert (
        "Newer cohorts start higher: Month 0 revenue per customer $1,250 (Jan 2024) to $1,350 (May 2024)"
        in (table.insights)
    )
    assert "Target NRR: 115% by Month 12; 1 of 1 cohorts met it (newest, Jan 2024: 140%)" in table.insights


def test_young_revenue_cohorts_have_no_nrr_by_month_12_yet() -> None:
    table = revenue_table(activity_rows(), as_of=date(2024, 5, 31))
    assert [row.nrr_month for row in table.rows] == [4, 3, 2, 1, None]
    assert table.rows[-1].nrr is None
    assert table.insights[-1].startswith("Target NRR: 115% by Month 12; no cohort has reached Month 12 yet")


def test_targets_are_configurable() -> None:
    targets = CohortTargets(retention={1: 90.0}, nrr=100.0, nrr_month=6)
    table = retention_table(activity_rows(), as_of=YEAR_LATER, targets=targets)
    assert table.targets == {1: 90.0}
    revenue = revenue_table(activity_rows(), as_of=YEAR_LATER, targets=targets)
    assert revenue.rows[0].nrr_month == 6 and round(revenue.rows[0].nrr or 0) == 126


def test_revenue_table_needs_revenue() -> None:
    rows = [CohortActivity("a", date(2024, 1, 5), date(2024, 1, 20))]
    with pytest.raises(CohortDataError, match="no revenue"):
        revenue_table(rows, as_of=date(2024, 3, 31))


def test_a_member_in_two_cohorts_is_refused() -> None:
    rows = [
        CohortActivity("a", date(2024, 1, 5), date(2024, 1, 20)),
        CohortActivity("a", date(2024, 2, 5), date(2024, 2, 20)),
    ]
    with pytest.raises(CohortDataError, match="two cohort dates"):
        retention_table(rows, as_of=date(2024, 3, 31))


def test_adoption_table_gives_back_the_published_percentages() -> None:
    table = adoption_table(feature_uses(), as_of=date(2025, 6, 30))
    assert table.periods == (1, 4, 12, 24, 52)
    assert [row.label for row in table.rows] == sorted(ADOPTION, key=lambda f: -ADOPTION[f][52])
    for row in table.rows:
        assert row.cells == tuple(pytest.approx(v) for v in ADOPTION[row.label].values())
    assert table.insights[0] == "Adopted quickly, by Week 1: Dashboard Builder (78%), Data Connections (65%)"
    assert "Steadiest growth: Advanced Analytics, from 12% in Week 1 to 76% by Week 52" in table.insights
    assert "Least adopted: API Usage, 45% by Week 52" in table.insights


def test_adoption_weeks_not_yet_lived_are_empty() -> None:
    table = adoption_table(feature_uses(), as_of=date(2024, 3, 31))  # 13 weeks after the first day
    assert _rounded(table.rows[0].cells) == (78, 85, 89, None, None)


def test_members_who_never_used_a_feature_count_in_the_share() -> None:
    uses = [
        FeatureUse("a", date(2024, 1, 1), "Reports", date(2024, 1, 2)),
        FeatureUse("b", date(2024, 1, 1), None),
    ]
    table = adoption_table(
        uses, as_of=date(2024, 1, 31), weeks=(1, 4), targets=CohortTargets(adoption={4: 60})
    )
    assert table.rows[0].cells == (50.0, 50.0)
    assert "Below the Week 4 target of 60%: Reports" in table.insights
