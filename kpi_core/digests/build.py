"""Building a digest's content: pure functions from snapshots (and open alerts) to a frozen `Digest`.

`kpi_core.digests.collect.collect_digest` reads the snapshots from the KPI service and calls this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from kpi_core.cohorts import CohortTable
from kpi_core.config.analytics import HealthConfig
from kpi_core.config.models import Direction, KpiDefinition
from kpi_core.digests import sections as cfg
from kpi_core.digests.config import DigestDefinition
from kpi_core.digests.content import (
    SEVERITY_ORDER,
    Aggregate,
    AlertsSection,
    ChartPanelSpec,
    ChartSection,
    CohortsSection,
    Digest,
    DigestHeader,
    DigestSection,
    HeadlineSection,
    KpiLine,
    Milestone,
    Mover,
    MoversSection,
    NorthStarSection,
    OpenAlert,
    TableGroup,
    TableSection,
)
from kpi_core.digests.periods import DigestPeriod
from kpi_core.evaluation import compute_change
from kpi_core.health_inputs import company_health
from kpi_core.periods import period_end
from kpi_core.snapshot import Change, KpiSnapshot, Point
from kpi_core.standing import compute_goal, compute_health, compute_progress, meets

_GRAIN_RANK: dict[str, int] = {"daily": 0, "weekly": 1, "monthly": 2, "quarterly": 3}


def build_digest(
    digest: DigestDefinition,
    period: DigestPeriod,
    *,
    kpis: Mapping[str, KpiDefinition],
    snapshots: Mapping[str, KpiSnapshot],
    now: datetime,
    chart_snapshots: Mapping[tuple[str, str | None], KpiSnapshot] | None = None,
    open_alerts: Sequence[OpenAlert] = (),
    previous_run_at: datetime | None = None,
    late: bool = False,
    north_star: str | None = None,
    health: HealthConfig | None = None,
    cohorts: Mapping[str, CohortTable | str] | None = None,
) -> Digest:
    """The content of `digest` for `period`, from snapshots taken at `period.end` (keyed by KPI key).

    KPIs missing from `snapshots` show as "no data"; chart panels use `chart_snapshots[(key, window)]`
    when given, else the plain snapshot. `north_star` is the catalog's north star key (for sections
    that do not name one). The header's company health score is computed over every snapshot given,
    weighted by `health` (kpis.yml's `health:`). `has_new_data` is True when any KPI was recorded
    after `previous_run_at`. `cohorts` maps a cohort table's name ("retention") to the table, or to
    why there is none, for the cohort sections.
    """
    lines = _LineCache(period, kpis, snapshots)
    sections = [
        _cohorts(config, cohorts or {})
        if isinstance(config, cfg.CohortsSection)
        else _section(config, lines, period, chart_snapshots or {}, open_alerts, north_star)
        for config in digest.sections
    ]
    used = [snapshots[key] for key in digest.kpi_keys(kpis) if key in snapshots]
    has_new_data = previous_run_at is None or any(
        snap.recorded_at is not None and snap.recorded_at > previous_run_at for snap in used
    )
    header = DigestHeader(
        title=digest.title,
        period_label=period.label,
        timezone=period.timezone,
        scheduled_for=period.scheduled_for,
        generated_at=now,
        late=late,
        health=company_health(snapshots.values(), config=health),
    )
    return Digest(
        name=digest.name,
        header=header,
        period=period,
        channels=digest.channels,
        sections=tuple(sections),
        has_new_data=has_new_data,
    )


def _section(
    config: cfg.DigestSectionConfig,
    lines: _LineCache,
    period: DigestPeriod,
    charted: Mapping[tuple[str, str | None], KpiSnapshot],
    open_alerts: Sequence[OpenAlert],
    north_star: str | None,
) -> DigestSection:
    if isinstance(config, cfg.HeadlineSection):
        return HeadlineSection(title=config.title, items=tuple(lines.many(config.kpis)))
    if isinstance(config, cfg.TableSection):
        groups: dict[str, list[KpiLine]] = {}
        for line in lines.many(cfg.section_kpis(config, lines.kpis)):
            groups.setdefault(line.kpi.category, []).append(line)
        return TableSection(
            title=config.title,
            groups=tuple(
                TableGroup(category, _title(category), tuple(rows)) for category, rows in groups.items()
            ),
        )
    if isinstance(config, cfg.ChartSection):
        panels = []
        for panel in config.panels:
            window = config.panel_window(panel)
            snaps = [charted.get((key, window)) or lines.snapshots.get(key) for key in panel.kpis]
            found = tuple(snap for snap in snaps if snap is not None)
            panels.append(ChartPanelSpec(panel.title, panel.kpis, panel.kind, window, found))
        return ChartSection(title=config.title, panels=tuple(panels))
    if isinstance(config, cfg.AlertsSection):
        wanted = sorted(
            (alert for alert in open_alerts if alert.severity in config.severities),
            key=lambda alert: (SEVERITY_ORDER[alert.severity], alert.since),
        )
        return AlertsSection(config.title, tuple(wanted[: config.limit]), max(0, len(wanted) - config.limit))
    if isinstance(config, cfg.MoversSection):
        return _movers(config, lines)
    if isinstance(config, cfg.NorthStarSection):
        return _north_star(config.title, lines, config.kpi or north_star, period)
    raise TypeError(f"unknown digest section {config!r}")


COHORT_TITLES = {
    "retention": "Retention cohorts",
    "revenue": "Revenue cohorts",
    "adoption": "Feature adoption cohorts",
}
NO_COHORTS = "cohort analysis is not set up"


def _cohorts(config: cfg.CohortsSection, tables: Mapping[str, CohortTable | str]) -> CohortsSection:
    title = config.title or COHORT_TITLES[config.table]
    found = tables.get(config.table, NO_COHORTS)
    if isinstance(found, CohortTable):
        return CohortsSection(title, found)
    return CohortsSection(title, None, found)


def _movers(config: cfg.MoversSection, lines: _LineCache) -> MoversSection:
    """Direction-aware: a churn increase is a red flag, a CAC drop a win. Ranked by |percent change|.

    Daily digests rank by the change against the same day last week where there is one: against the
    day before, every Monday would look like a triumph and every Saturday like a collapse.
    """
    moved = []
    for line in lines.many(cfg.section_kpis(config, lines.kpis)):
        change = (line.vs_last_week or line.change) if lines.period.kind == "daily" else line.change
        if change is None or change.improved is None or change.percent is None:
            continue
        if abs(change.percent) >= config.min_change:
            moved.append(Mover(line, change))
    moved.sort(key=lambda mover: -abs(mover.change.percent or 0.0))
    flags = tuple(m for m in moved if m.change.improved is False)[: config.count]
    wins = tuple(m for m in moved if m.change.improved is True)[: config.count]
    return MoversSection(title=config.title, red_flags=flags, wins=wins)


def _north_star(
    title: str | None, lines: _LineCache, key: str | None, period: DigestPeriod
) -> NorthStarSection:
    if key is None or key not in lines.kpis:
        return NorthStarSection(title, None, (), None, None)
    line = lines.line(key)
    kpi = line.kpi
    milestones = tuple(
        Milestone(on, target, _meets(line.value, target, kpi.direction))
        for on, target in kpi.target_progression
    )
    on = line.goal.on if line.goal is not None else period.end  # the date its value is judged on
    upcoming = next((m for m in milestones if m.on >= on), None)
    target = upcoming.target if upcoming else kpi.target_at(on)
    return NorthStarSection(
        title, line, milestones, upcoming, compute_progress(line.value, target, kpi.direction)
    )


def _meets(value: float | None, target: float, direction: Direction) -> bool:
    return value is not None and meets(value, target, direction)


class _LineCache:
    """KPI lines for one period, each computed once however many sections show it."""

    def __init__(
        self, period: DigestPeriod, kpis: Mapping[str, KpiDefinition], snapshots: Mapping[str, KpiSnapshot]
    ) -> None:
        self.period, self.kpis, self.snapshots = period, kpis, snapshots
        self._lines: dict[str, KpiLine] = {}

    def many(self, keys: Iterable[str]) -> list[KpiLine]:
        return [self.line(key) for key in keys if key in self.kpis]

    def line(self, key: str) -> KpiLine:
        if key not in self._lines:
            self._lines[key] = kpi_line(self.kpis[key], self.snapshots.get(key), self.period)
        return self._lines[key]


def kpi_line(kpi: KpiDefinition, snapshot: KpiSnapshot | None, period: DigestPeriod) -> KpiLine:
    """How one KPI reads for a digest period (see `KpiLine.aggregate` for the three ways)."""
    if snapshot is None:
        return _line(kpi, period, value=None, aggregate="period")
    grain_rank, period_rank = _GRAIN_RANK[kpi.grain], _GRAIN_RANK[period.kind]
    if grain_rank > period_rank:
        # A coarser KPI (monthly MRR in a daily digest): its newest value and its own change (MoM).
        value, change, as_of = snapshot.value, snapshot.change, snapshot.period
        return _line(kpi, period, snapshot, value=value, change=change, aggregate="latest", as_of=as_of)
    label = period.change_label
    if grain_rank < period_rank:
        # A finer KPI (daily DAU in a weekly digest): its mean over the period against the period before.
        value = _mean(snapshot.series, period.start, period.end)
        change = _change(kpi, value, _mean(snapshot.series, period.compare_start, period.compare_end), label)
        as_of = period.start if value is not None else None
        return _line(kpi, period, snapshot, value=value, change=change, aggregate="average", as_of=as_of)
    points = {point.period: point.value for point in snapshot.series}
    value = points.get(period.start)
    if value is None and snapshot.value is not None and snapshot.period is not None:
        # The digest's own period has no value yet: show the newest one, marked lagging, with no change.
        lagging = snapshot.period < period.start
        value, as_of = snapshot.value, snapshot.period
        return _line(kpi, period, snapshot, value=value, aggregate="period", as_of=as_of, lagging=lagging)
    change = _change(kpi, value, points.get(period.compare_start), label)
    week_ago = points.get(period.same_day_last_week) if period.same_day_last_week else None
    vs_week = _change(kpi, value, week_ago, "vs last week")
    as_of = period.start if value is not None else None
    return _line(
        kpi,
        period,
        snapshot,
        value=value,
        change=change,
        vs_last_week=vs_week,
        aggregate="period",
        as_of=as_of,
    )


def _line(
    kpi: KpiDefinition,
    period: DigestPeriod,
    snapshot: KpiSnapshot | None = None,
    *,
    value: float | None,
    aggregate: Aggregate,
    change: Change | None = None,
    vs_last_week: Change | None = None,
    as_of: date | None = None,
    lagging: bool = False,
) -> KpiLine:
    # judged on the last day the value covers: a lagging or coarser value against its own period's target
    on = min(period_end(as_of, kpi.grain), period.end) if as_of is not None else period.end
    goal = compute_goal(kpi, value, on=on)
    target = goal.target if goal else kpi.target_at(on)
    progress = goal.progress if goal else None
    return KpiLine(
        kpi=kpi,
        value=value,
        change=change,
        vs_last_week=vs_last_week,
        health=compute_health(value, kpi.thresholds, kpi.direction),
        goal=goal,
        aggregate=aggregate,
        as_of=as_of,
        lagging=lagging,
        target=target,
        progress=progress,
        snapshot=snapshot,
        source_error=snapshot.source_error if snapshot else None,
    )


def _change(kpi: KpiDefinition, value: float | None, reference: float | None, label: str) -> Change | None:
    if value is None or reference is None:
        return None
    return compute_change(value, reference, direction=kpi.direction, label=label)


def _title(category: str) -> str:
    return category.replace("_", " ").capitalize()


def _mean(series: Sequence[Point], first: date, last: date) -> float | None:
    values = [p.value for p in series if first <= p.period <= last and p.value is not None]
    return sum(values) / len(values) if values else None
