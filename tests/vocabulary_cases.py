"""Three KPIs that tell health from goal standing, shared by the surface tests (docs/vocabulary.md).

On Wednesday 1 July 2026:
- Session (minutes, daily, target 12, no thresholds): 9.6 on 30 June, 80 % of its target. Behind, and no
  colour: it has no thresholds. Today's 11.0 is still running and never the headline.
- Churn (percent, monthly, lower is better, target 3 %, warning 2.5 %, critical 4 %): 2.8 % for June.
  Past its warning threshold, yet ahead of its target. July to date (0.4 %) is never the headline.
- Customers (a level, monthly, progression 100 on 1 Jan to 404 on 1 Nov): 250 at the end of June, when
  the straight line to the next milestone expects 280. Behind.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from kpi_core.config.models import KpiDefinition
from kpi_core.evaluation import compute_snapshot
from kpi_core.snapshot import KpiSnapshot

NOW = datetime(2026, 7, 1, 10, tzinfo=UTC)  # noon in Berlin
TODAY = date(2026, 7, 1)
RAW: dict[str, dict[str, Any]] = {
    "session": {
        "name": "Session Length",
        "category": "product",
        "unit": "minutes",
        "grain": "daily",
        "target": 12,
    },
    "churn": {
        "name": "Churn",
        "category": "product",
        "unit": "percent",
        "direction": "lower",
        "grain": "monthly",
        "target": 3,
        "thresholds": {"warning": 2.5, "critical": 4},
    },
    "customers": {
        "name": "Customers",
        "category": "product",
        "unit": "count",
        "grain": "monthly",
        "measure": "level",
        "target": {"2026-01-01": 100, "2026-11-01": 404},
    },
}
OBSERVATIONS: dict[str, list[tuple[date, float]]] = {
    "session": [(date(2026, 6, 29), 9.5), (date(2026, 6, 30), 9.6), (date(2026, 7, 1), 11.0)],
    "churn": [(date(2026, 5, 1), 3.1), (date(2026, 6, 1), 2.8), (date(2026, 7, 1), 0.4)],
    "customers": [(date(2026, 5, 1), 230.0), (date(2026, 6, 1), 250.0)],
}
# What every surface must say (short forms in lists, tables and digests; long forms add the milestone).
SESSION_GOAL = "🎯 behind target: 80% of ≥ 12 minutes"
CHURN_GOAL = "🎯 target met: 107% of ≤ 3%"
CHURN_HEALTH = "🟠 warning"
CUSTOMERS_GOAL = "🎯 behind target: 280 expected by 30 Jun"
CUSTOMERS_GOAL_LONG = CUSTOMERS_GOAL + ", ≥ 404 by 1 Nov 2026"
GREEN_WORDS = ("On track", "on track", "🟢")  # none of the three may look green


def definitions() -> dict[str, KpiDefinition]:
    return {key: KpiDefinition.model_validate({"key": key, **raw}) for key, raw in RAW.items()}


def snapshots(*, at: date = TODAY, now: datetime = NOW) -> dict[str, KpiSnapshot]:
    return {
        key: compute_snapshot(kpi, OBSERVATIONS[key], at=at, now=now, recorded_at=now)
        for key, kpi in definitions().items()
    }
