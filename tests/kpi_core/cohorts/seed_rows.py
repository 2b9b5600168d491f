"""Raw activity rows that reproduce the cohort tables of the DataInsight Pro framework (seed 001).

Each cohort has 100 customers. A customer is active in a month when it is among the first
`retained(month)` customers; months between the published columns keep the previous column's value,
and months after a cohort's last published column keep its last value. Revenue per month is spread
evenly over the active customers, so revenue per (original) customer equals the published figure.
"""

from __future__ import annotations

from datetime import date

from kpi_core.cohorts import CohortActivity, FeatureUse
from kpi_core.periods import shift_period

SIZE = 100
RETENTION: dict[date, dict[int, float]] = {
    date(2024, 1, 1): {0: 100, 1: 92, 3: 78, 6: 65, 12: 58},
    date(2024, 2, 1): {0: 100, 1: 94, 3: 81, 6: 68},
    date(2024, 3, 1): {0: 100, 1: 91, 3: 76},
    date(2024, 4, 1): {0: 100, 1: 89},
    date(2024, 5, 1): {0: 100},
}
REVENUE: dict[date, dict[int, float]] = {
    date(2024, 1, 1): {0: 1250, 1: 1280, 3: 1420, 6: 1580, 12: 1750},
    date(2024, 2, 1): {0: 1300, 1: 1340, 3: 1480, 6: 1650},
    date(2024, 3, 1): {0: 1280, 1: 1310, 3: 1450},
    date(2024, 4, 1): {0: 1320, 1: 1350},
    date(2024, 5, 1): {0: 1350},
}
ADOPTION: dict[str, dict[int, float]] = {
    "Dashboard Builder": {1: 78, 4: 85, 12: 89, 24: 91, 52: 93},
    "Data Connections": {1: 65, 4: 82, 12: 87, 24: 90, 52: 92},
    "Automated Reports": {1: 23, 4: 45, 12: 67, 24: 78, 52: 85},
    "Advanced Analytics": {1: 12, 4: 28, 12: 52, 24: 68, 52: 76},
    "API Usage": {1: 5, 4: 12, 12: 25, 24: 38, 52: 45},
    "Team Collaboration": {1: 34, 4: 56, 12: 71, 24: 82, 52: 88},
}


def _step(published: dict[int, float], offset: int) -> float:
    return published[max(m for m in published if m <= offset)]


def activity_rows(*, months: int = 13) -> list[CohortActivity]:
    rows = []
    for cohort, retention in RETENTION.items():
        for offset in range(months):
            active = round(_step(retention, offset) * SIZE / 100)
            revenue = _step(REVENUE[cohort], offset) * SIZE
            period = shift_period(cohort, "monthly", offset).replace(day=15)
            for member in range(active):
                rows.append(
                    CohortActivity(f"{cohort:%Y%m}-{member}", cohort.replace(day=3), period, revenue / active)
                )
    return rows


def feature_uses(*, first_day: date = date(2024, 1, 1)) -> list[FeatureUse]:
    """100 members who joined on `first_day`; member i uses a feature in week N when i is below the
    published percent for Week N (so the share by Week N is the published figure)."""
    rows = [FeatureUse(f"u{i}", first_day, None) for i in range(SIZE)]
    for feature, shares in ADOPTION.items():
        for member in range(SIZE):
            week = min((w for w, share in shares.items() if member < share), default=None)
            if week is not None:
                used = first_day.toordinal() + 7 * (week - 1) + 3
                rows.append(FeatureUse(f"u{member}", first_day, feature, date.fromordinal(used)))
    return rows
