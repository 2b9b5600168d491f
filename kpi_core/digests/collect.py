"""Collecting a digest: the snapshots it needs from the KPI service, then `build_digest`.

>>> period = digest_period(digest, fire_time)                                   # doctest: +SKIP
>>> content = collect_digest(digest, period, service=service, catalog=catalog,  # doctest: +SKIP
...                          now=clock.now(), previous_run_at=None)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from kpi_core.cohorts import CohortDataError, CohortKind, CohortTable
from kpi_core.config.models import KpiCatalogConfig
from kpi_core.digests import sections as cfg
from kpi_core.digests.build import build_digest
from kpi_core.digests.config import DigestDefinition
from kpi_core.digests.content import Digest, OpenAlert
from kpi_core.digests.periods import DigestPeriod
from kpi_core.snapshot import KpiSnapshot
from kpi_core.windows import Window, parse_window

logger = logging.getLogger(__name__)
# (kind, as_of) -> the cohort table over the days up to `as_of`; raises CohortDataError saying why not
CohortSource = Callable[[CohortKind, date], CohortTable]


class SnapshotSource(Protocol):
    """What collecting needs from `kpi_core.service.KpiService`."""

    def snapshots(
        self, keys: Iterable[str] | None = None, *, at: date | None = None, window: Window | None = None
    ) -> list[KpiSnapshot]: ...


def collect_digest(
    digest: DigestDefinition,
    period: DigestPeriod,
    *,
    service: SnapshotSource,
    catalog: KpiCatalogConfig,
    now: datetime,
    open_alerts: Sequence[OpenAlert] = (),
    previous_run_at: datetime | None = None,
    late: bool = False,
    cohorts: CohortSource | None = None,
) -> Digest:
    """Read the snapshots a digest needs (one batched call, plus chart windows) and build its content.

    The batched call reads every KPI in the catalog: the header's company health score is over all of
    them, like `/kpi health`, not only over the KPIs this digest shows.
    """
    keys = digest.kpi_keys(catalog.kpis)
    every = [*keys, *(key for key in catalog.kpis if key not in keys)]
    snapshots = {snap.kpi.key: snap for snap in service.snapshots(every, at=period.end)}
    by_window: dict[str, list[str]] = {}
    for section in digest.sections:
        if isinstance(section, cfg.ChartSection):
            for panel in section.panels:
                window = section.panel_window(panel)
                if window is not None:
                    keys_in = by_window.setdefault(window, [])
                    keys_in += [key for key in panel.kpis if key in catalog.kpis and key not in keys_in]
    charted: dict[tuple[str, str | None], KpiSnapshot] = {}
    for window, chart_keys in by_window.items():
        try:
            found = service.snapshots(chart_keys, at=period.end, window=parse_window(window))
        except Exception:  # a broken chart series must not sink the digest: panels fall back to the table's
            logger.exception("digest %s: no chart series over %s for %s", digest.name, window, chart_keys)
            continue
        charted.update(((snap.kpi.key, window), snap) for snap in found)
    return build_digest(
        digest,
        period,
        kpis=catalog.kpis,
        snapshots=snapshots,
        chart_snapshots=charted,
        open_alerts=open_alerts,
        now=now,
        previous_run_at=previous_run_at,
        late=late,
        north_star=cfg.north_star_key(catalog.kpis),
        health=catalog.health,
        cohorts=collect_cohorts(digest, period, cohorts),
    )


def collect_cohorts(
    digest: DigestDefinition, period: DigestPeriod, source: CohortSource | None
) -> Mapping[str, CohortTable | str]:
    """Each cohort table the digest shows, as of the period's last day, or why there is none."""
    tables: dict[str, CohortTable | str] = {}
    for section in digest.sections:
        if not isinstance(section, cfg.CohortsSection) or section.table in tables:
            continue
        if source is None:
            tables[section.table] = "cohort analysis is not set up"
            continue
        try:
            tables[section.table] = source(CohortKind(section.table), period.end)
        except CohortDataError as error:
            tables[section.table] = str(error)
        except Exception:  # a broken cohort query must not sink the digest
            logger.exception("digest %s: no %s cohort table", digest.name, section.table)
            tables[section.table] = "the cohort table could not be computed"
    return tables
