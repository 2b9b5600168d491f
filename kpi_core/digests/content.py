"""What a digest says: plain, frozen facts that bot/blocks lays out (and `kpibot digest preview` prints).

Build one with `kpi_core.digests.build.build_digest`. Every KPI appears as a `KpiLine`; a KPI without
data keeps its place and says why (`note`: "no data" or "no data (source error)").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar, Literal

from kpi_core.cohorts import CohortTable
from kpi_core.config.models import KpiDefinition
from kpi_core.digests.periods import DigestPeriod
from kpi_core.health import HealthScore
from kpi_core.snapshot import Change, KpiSnapshot
from kpi_core.standing import GoalStanding, Health

NO_DATA = "no data"
NO_DATA_SOURCE_ERROR = "no data (source error)"
Aggregate = Literal["period", "average", "latest"]
Severity = Literal["critical", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class OpenAlert:
    """An alert that is firing when the digest is built (plain data: the alerts work maps its incidents)."""

    severity: Severity
    title: str  # "CAC increased 15%"
    kpi: str | None  # KPI key, when the alert is about one
    since: datetime  # UTC
    detail: str = ""


@dataclass(frozen=True)
class KpiLine:
    """One KPI as a digest reports it for its period.

    `aggregate` says how `value` was read: "period" (the KPI's own value for the digest's period),
    "average" (the mean of a finer-grained KPI over the period, e.g. a daily KPI in a weekly digest)
    or "latest" (a coarser KPI's newest value, e.g. monthly MRR in a daily digest).
    """

    kpi: KpiDefinition
    value: float | None
    change: Change | None  # against the compare period (DoD/WoW/MoM), or the KPI's own for "latest"
    vs_last_week: Change | None  # daily digests: against the same day a week earlier
    health: Health  # from the thresholds (kpi_core.standing)
    goal: GoalStanding | None  # against the target; None without a value or a target
    aggregate: Aggregate
    as_of: date | None  # start of the KPI period the value belongs to
    lagging: bool  # the value is older than the digest's period (the newest period is missing)
    target: float | None
    progress: float | None
    snapshot: KpiSnapshot | None  # for sparklines; None when the KPI had no snapshot at all
    source_error: str | None = None

    @property
    def key(self) -> str:
        return self.kpi.key

    @property
    def has_data(self) -> bool:
        return self.value is not None

    @property
    def note(self) -> str | None:
        """What to show instead of a number: "no data (source error)" or "no data"; None with a value."""
        if self.value is not None:
            return None
        return NO_DATA_SOURCE_ERROR if self.source_error else NO_DATA


@dataclass(frozen=True)
class HeadlineSection:
    kind: ClassVar[str] = "headline"
    title: str | None
    items: tuple[KpiLine, ...]


@dataclass(frozen=True)
class TableGroup:
    category: str  # as configured: "revenue"
    title: str  # for people: "Revenue"
    rows: tuple[KpiLine, ...]


@dataclass(frozen=True)
class TableSection:
    kind: ClassVar[str] = "table"
    title: str | None
    groups: tuple[TableGroup, ...]


@dataclass(frozen=True)
class ChartPanelSpec:
    """One panel for `bot.charts.render_panels`: Panel(title, snapshots, kind)."""

    title: str
    kpis: tuple[str, ...]
    kind: Literal["line", "bar"]
    window: str | None
    snapshots: tuple[KpiSnapshot, ...]  # with series over `window`; KPIs without a snapshot are left out


@dataclass(frozen=True)
class ChartSection:
    kind: ClassVar[str] = "chart"
    title: str | None
    panels: tuple[ChartPanelSpec, ...]


@dataclass(frozen=True)
class AlertsSection:
    kind: ClassVar[str] = "alerts"
    title: str | None
    alerts: tuple[OpenAlert, ...]  # most severe first, then oldest first
    more: int  # open alerts left out by the section's limit


@dataclass(frozen=True)
class Mover:
    """A KPI that moved: `change.improved` False for a red flag, True for a win (direction-aware).

    `change` is the line's change, or in daily digests its change against the same day last week.
    """

    line: KpiLine
    change: Change


@dataclass(frozen=True)
class MoversSection:
    kind: ClassVar[str] = "movers"
    title: str | None
    red_flags: tuple[Mover, ...]  # biggest moves for the worse first
    wins: tuple[Mover, ...]  # biggest moves for the better first


@dataclass(frozen=True)
class Milestone:
    on: date
    target: float
    reached: bool  # the current value already meets it


@dataclass(frozen=True)
class NorthStarSection:
    kind: ClassVar[str] = "north_star"
    title: str | None
    line: KpiLine | None  # None when no north star is configured
    milestones: tuple[Milestone, ...]
    next_milestone: Milestone | None  # the first milestone on or after the period's end
    progress: float | None  # towards next_milestone (or the fixed target), direction-aware


@dataclass(frozen=True)
class CohortsSection:
    """A cohort table (drawn as a heatmap) with its insight lines, or why there is none."""

    kind: ClassVar[str] = "cohorts"
    title: str  # "Retention cohorts"
    table: CohortTable | None
    problem: str | None = None  # why there is no table: not set up, or the query failed


DigestSection = (
    HeadlineSection
    | TableSection
    | ChartSection
    | AlertsSection
    | MoversSection
    | NorthStarSection
    | CohortsSection
)


@dataclass(frozen=True)
class DigestHeader:
    title: str  # "Daily KPI digest"
    period_label: str  # "Monday 16 Nov 2026 (Europe/Berlin)"
    timezone: str
    scheduled_for: datetime  # UTC
    generated_at: datetime  # UTC
    late: bool  # posted by catch-up after the scheduled time
    health: HealthScore | None = None  # the company health score at the period's end (every KPI)


@dataclass(frozen=True)
class Digest:
    """A whole digest: header and sections in the configured order."""

    name: str
    header: DigestHeader
    period: DigestPeriod
    channels: tuple[str, ...]
    sections: tuple[DigestSection, ...]
    has_new_data: bool  # any KPI recorded since the previous run (for skip_if_no_new_data)

    @property
    def fallback_text(self) -> str:
        """The notification text: "Daily KPI digest · Monday 16 Nov 2026 (Europe/Berlin)"."""
        late = " (late)" if self.header.late else ""
        return f"{self.header.title} · {self.header.period_label}{late}"

    def lines(self) -> Iterator[KpiLine]:
        """Every KPI line in the digest, in section order (a KPI may appear in several sections)."""
        for section in self.sections:
            if isinstance(section, HeadlineSection):
                yield from section.items
            elif isinstance(section, TableSection):
                for group in section.groups:
                    yield from group.rows
            elif isinstance(section, MoversSection):
                yield from (mover.line for mover in (*section.red_flags, *section.wins))
            elif isinstance(section, NorthStarSection) and section.line is not None:
                yield section.line

    @property
    def missing(self) -> tuple[str, ...]:
        """Keys of the KPIs shown without data, for the log."""
        return tuple(dict.fromkeys(line.key for line in self.lines() if not line.has_data))
