"""Digest definitions and content: which numbers a daily, weekly or monthly digest reports.

- `config`: the digests.yml models (DigestsConfig, DigestDefinition) and `check_references`;
- `schedule`: cron / shorthand schedule parsing (`parse_schedule`);
- `periods`: `digest_period(digest, fire_time)`, the complete period a run reports;
- `content` + `build`: the frozen `Digest` and `build_digest` / `collect_digest`.
"""

from kpi_core.digests.build import build_digest, kpi_line
from kpi_core.digests.collect import collect_digest
from kpi_core.digests.config import DigestDefinition, DigestsConfig
from kpi_core.digests.content import NO_DATA, NO_DATA_SOURCE_ERROR, Digest, KpiLine, OpenAlert
from kpi_core.digests.periods import DigestPeriod, digest_period, period_containing, period_for
from kpi_core.digests.schedule import Schedule, ScheduleError, parse_schedule

__all__ = [
    "NO_DATA",
    "NO_DATA_SOURCE_ERROR",
    "Digest",
    "DigestDefinition",
    "DigestPeriod",
    "DigestsConfig",
    "KpiLine",
    "OpenAlert",
    "Schedule",
    "ScheduleError",
    "build_digest",
    "collect_digest",
    "digest_period",
    "kpi_line",
    "parse_schedule",
    "period_containing",
    "period_for",
]
