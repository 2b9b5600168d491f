"""Preparing the demo: kpibot's database, the demo warehouse, a refresh, and the facts to summarize.

`kpibot demo` prints the result as an executive summary; the web demo reuses the same function.

    summary = prepare_demo(runtime, now=runtime.clock.now())
    summary.dashboard.headline, summary.attention, summary.wins, summary.refresh.failed

The warehouse is (re)built when it is missing, unreadable, or does not end today (in the configured
timezone), and also when none of the push KPIs the warehouse supplies has a value in kpibot's
database yet (a fresh database next to an old warehouse). Rebuilding is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from kpibot_demo.data import schema
from kpibot_demo.data.warehouse import WarehouseSummary, build_warehouse
from kpi_core.runtime import Runtime
from kpi_core.service import Dashboard
from kpi_core.snapshot import KpiSnapshot
from kpi_core.sources import RefreshReport, local_today, refresh
from kpi_core.standing import Goal, Health
from kpi_core.storage.observations import NewObservation
from kpi_core.warehouse_sql import (
    SourceError,
    check_sqlite_file,
    dispose_engines,
    run_query,
    warehouse_engine,
)

DEMO_MONTHS = 24
WAREHOUSE = "warehouse"


@dataclass(frozen=True)
class DemoSummary:
    """Everything the demo shows after preparing: what was built, what refreshed, and the KPIs."""

    at: date
    timezone: str
    database_url: str  # without its password
    warehouse_url: str
    built: WarehouseSummary | None  # None when the existing warehouse was current and reused
    pushed: int  # values of push KPIs recorded from the demo generator
    refresh: RefreshReport
    snapshots: tuple[KpiSnapshot, ...]  # every KPI, in config order
    dashboard: Dashboard

    @property
    def attention(self) -> tuple[KpiSnapshot, ...]:
        """Critical health first, then warning, then KPIs behind target whatever their health."""
        order = {Health.CRITICAL: 0, Health.WARNING: 1}

        def rank(s: KpiSnapshot) -> int | None:
            if s.health in order:
                return order[s.health]
            return 2 if s.goal is not None and s.goal.goal is Goal.BEHIND else None

        ranked = [(r, s) for s in self.snapshots if (r := rank(s)) is not None]
        return tuple(s for r, s in sorted(ranked, key=lambda pair: (pair[0], pair[1].progress or 0)))

    @property
    def wins(self) -> tuple[KpiSnapshot, ...]:
        """Up to five KPIs that improved the most against the previous period (seed 003's recent wins)."""
        moves: list[tuple[float, KpiSnapshot]] = []
        for snapshot in self.snapshots:
            change = snapshot.change
            if change is not None and change.improved and change.percent:
                moves.append((abs(change.percent), snapshot))
        return tuple(snapshot for _, snapshot in sorted(moves, key=lambda move: -move[0])[:5])

    @property
    def warnings(self) -> tuple[KpiSnapshot, ...]:
        """KPIs whose data is stale or whose source failed."""
        return tuple(s for s in self.snapshots if s.stale or s.source_error)


def prepare_demo(runtime: Runtime, *, now: datetime, months: int = DEMO_MONTHS) -> DemoSummary:
    """Build the warehouse if needed, refresh every KPI, and return the facts of the executive summary."""
    config, store = runtime.config, runtime.service.store
    today = local_today(now, runtime.timezone)
    url = config.database_url(WAREHOUSE)
    push_keys = [key for key, kpi in config.kpis.items() if kpi.source.kind == "push"]
    built: WarehouseSummary | None = None
    pushed = 0
    if warehouse_end(url) != today or not store.last_recorded(push_keys):
        dispose_engines()  # a rebuilt SQLite file must not be read through old connections
        built = build_warehouse(url, end=today, months=months)
        rows = [NewObservation(p.kpi, p.period_start, p.value) for p in built.pushed if p.kpi in config.kpis]
        pushed = len(store.record_many(rows, source="push", now=now))
    report = refresh(config, runtime.db, now=now, timezone=runtime.timezone)  # formulas see the pushed values
    snapshots = tuple(runtime.service.snapshots(at=today))
    return DemoSummary(
        at=today,
        timezone=runtime.timezone,
        database_url=_hidden(runtime.settings.database_url),
        warehouse_url=_hidden(url),
        built=built,
        pushed=pushed,
        refresh=report,
        snapshots=snapshots,
        dashboard=runtime.service.dashboard(at=today),
    )


def warehouse_end(url: str) -> date | None:
    """The last day of data in a demo warehouse, or None when it is missing or not a demo warehouse."""
    try:
        check_sqlite_file(url)  # reading a missing SQLite file would create an empty one
        engine = warehouse_engine(url)
        query = select(func.max(schema.calendar.c.day))
        _, rows = run_query(engine, str(query.compile(engine, compile_kwargs={"literal_binds": True})))
    except (SourceError, SQLAlchemyError):
        return None
    value = rows[0][0] if rows else None
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value if isinstance(value, date) else None


def _hidden(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
