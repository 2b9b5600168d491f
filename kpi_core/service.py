"""KpiService: snapshots from the store and the config. What `/kpi`, digests, alerts and `kpibot show` use.

Snapshots for many KPIs are batched: one query reads every KPI's observations from the earliest
period its snapshot needs (the window, and a year before the previous period for year-over-year), a
second one runs only for KPIs whose newest data is older than that (stale KPIs still show their last
value), and a third reads the source status. Three queries whatever the number of KPIs.

>>> service = KpiService(config, db, clock=SystemClock(), timezone="Europe/Berlin")   # doctest: +SKIP
>>> service.snapshot("mrr").value                                                     # doctest: +SKIP
12450.0
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from kpi_core.catalog import Catalog
from kpi_core.clock import Clock
from kpi_core.config.loader import AppConfig
from kpi_core.config.models import DashboardConfig, KpiDefinition
from kpi_core.evaluation import ROLLING_PERIODS, compute_snapshot
from kpi_core.periods import period_start, shift_period, year_earlier
from kpi_core.snapshot import KpiSnapshot
from kpi_core.sources import store_for
from kpi_core.storage.db import Database
from kpi_core.storage.observations import ObservationStore, StoredObservation
from kpi_core.windows import Window, default_window, parse_window


@dataclass(frozen=True)
class DashboardPanel:
    """One panel of the dashboard's composed chart (seed 000's Revenue Trend / Users Growth / ...)."""

    title: str
    snapshots: tuple[KpiSnapshot, ...]
    kind: Literal["line", "bar"] = "line"


@dataclass(frozen=True)
class Dashboard:
    """Seed 000's executive dashboard as data: headline cards, chart panels, quick stats."""

    headline: tuple[KpiSnapshot, ...]
    panels: tuple[DashboardPanel, ...]
    quick_stats: tuple[KpiSnapshot, ...]


class KpiService:
    """Snapshots of configured KPIs at a date, in the configured timezone."""

    def __init__(self, config: AppConfig, db: Database, *, clock: Clock, timezone: str) -> None:
        self.config = config
        self.db = db
        self.clock = clock
        self.timezone = timezone
        self._zone = ZoneInfo(timezone)
        self.catalog = Catalog(config.kpis)
        self.store: ObservationStore = store_for(config, db)

    def today(self) -> date:
        """Today's date in the service's timezone (the default `at` of every snapshot)."""
        return self.clock.now().astimezone(self._zone).date()

    def snapshot(self, key: str, *, at: date | None = None, window: Window | None = None) -> KpiSnapshot:
        """One KPI (by key, name or alias; else UnknownKpiError with suggestions) at `at` (default today)."""
        return self._batch([(self.catalog.resolve(key), window)], at=at)[0]

    def snapshots(
        self, keys: Iterable[str] | None = None, *, at: date | None = None, window: Window | None = None
    ) -> list[KpiSnapshot]:
        """Snapshots of `keys` (all KPIs, in config order, when None), batched into at most three queries."""
        kpis = list(self.catalog) if keys is None else [self.catalog.resolve(key) for key in keys]
        return self._batch([(kpi, window) for kpi in kpis], at=at)

    def dashboard(self, *, at: date | None = None, layout: DashboardConfig | None = None) -> Dashboard:
        """The executive dashboard from `kpis.yml`'s `dashboard:` section (or another `layout`, such as a
        role's dashboard from `dashboards:`), in one batch."""
        layout = layout or self.config.catalog.dashboard
        requests: list[tuple[KpiDefinition, Window | None]] = []
        for key in layout.headline:
            requests.append((self.catalog.resolve(key), None))
        for panel in layout.charts:
            window = parse_window(panel.window) if panel.window else None
            requests.extend((self.catalog.resolve(key), window) for key in panel.kpis)
        for key in layout.quick_stats:
            requests.append((self.catalog.resolve(key), None))
        snapshots = iter(self._batch(requests, at=at))
        headline = tuple(next(snapshots) for _ in layout.headline)
        panels = tuple(
            DashboardPanel(panel.title, tuple(next(snapshots) for _ in panel.kpis), panel.kind)
            for panel in layout.charts
        )
        quick_stats = tuple(next(snapshots) for _ in layout.quick_stats)
        return Dashboard(headline=headline, panels=panels, quick_stats=quick_stats)

    def _batch(
        self, requests: Sequence[tuple[KpiDefinition, Window | None]], *, at: date | None
    ) -> list[KpiSnapshot]:
        today = self.today()
        at = at or today
        now = self.clock.now()
        ranges: dict[str, list[tuple[date | None, date]]] = {}
        for kpi, window in requests:
            ranges.setdefault(kpi.key, []).extend(_history_ranges(kpi, window, at))
        ranges = {key: _merged(spans) for key, spans in ranges.items()}
        keys = list(ranges)
        found = self.store.observations(keys, ranges=ranges)
        # A KPI whose newest value is older than the previous period still has a (stale) value to show,
        # and its change and YoY need older history: read all of it. Rare, one query for all of them.
        by_key = {kpi.key: kpi for kpi, _ in requests}
        behind = [
            key for key in keys if ranges[key][0][0] is not None and _too_old(found[key], by_key[key], at)
        ]
        if behind:
            found.update(self.store.observations(behind, end=at))
        statuses = self.store.source_statuses(keys)
        out = []
        for kpi, window in requests:
            rows = found[kpi.key]
            status = statuses.get(kpi.key)
            out.append(
                compute_snapshot(
                    kpi,
                    [(row.period, row.value) for row in rows],
                    at=at,
                    now=now,
                    today=today,
                    window=window,
                    recorded_at=rows[-1].recorded_at if rows else None,
                    source_error=status.last_error if status else None,
                )
            )
        return out


def _history_ranges(kpi: KpiDefinition, window: Window | None, at: date) -> list[tuple[date | None, date]]:
    """The periods a snapshot at `at` reads: the window, the previous and rolling periods, and the same
    periods a year earlier (year-over-year of the current period or of the two before it)."""
    grain = kpi.grain
    current = period_start(at, grain)
    # a flow's value may be the period before the current one: one period more of everything
    previous = shift_period(current, grain, -2)
    rolling = shift_period(current, grain, -ROLLING_PERIODS[grain])
    window_start = (window or default_window(grain)).start(at, grain)
    if window_start is None:
        return [(None, at)]
    recent = (min(window_start, previous, rolling), at)
    year_ago = (year_earlier(previous, grain), year_earlier(current, grain))
    return [year_ago, recent]


def _merged(spans: list[tuple[date | None, date]]) -> list[tuple[date | None, date]]:
    """Overlapping or touching ranges joined, sorted (None, meaning the beginning, first)."""
    out: list[tuple[date | None, date]] = []
    for first, last in sorted(spans, key=lambda span: (span[0] is not None, span[0] or date.min)):
        if out and (first is None or out[-1][1] >= first - timedelta(days=1)):
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def _too_old(rows: Sequence[StoredObservation], kpi: KpiDefinition, at: date) -> bool:
    """True when the newest period is older than the previous one: its change and YoY need more history."""
    return not rows or rows[-1].period < shift_period(period_start(at, kpi.grain), kpi.grain, -1)
