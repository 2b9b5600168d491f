"""ObservationStore: one current value per (KPI, period), an audit trail of replaced values, source status.

Writes are safe for several processes at once, on SQLite and PostgreSQL (see `kpi_core.storage.upsert`),
and everything one call writes is one transaction: `record_many` is all or nothing. Reads of many KPIs
are one query (`observations`, `series`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Table, and_, func, or_, select, true

from kpi_core.config.models import Grain
from kpi_core.periods import period_start
from kpi_core.storage.db import Database
from kpi_core.storage.models import Observation, ObservationHistory, SourceStatus
from kpi_core.storage.upsert import (
    OBSERVATIONS,
    NewObservation,
    RecordResult,
    as_utc,
    check_value,
    with_retries,
    write_observations,
    write_source_status,
)

SOURCE_STATUS: Table = SourceStatus.__table__  # type: ignore[assignment]

__all__ = [
    "HistoryEntry",
    "NewObservation",
    "ObservationStore",
    "RecordResult",
    "SourceState",
    "StoredObservation",
]


@dataclass(frozen=True)
class StoredObservation:
    kpi_key: str
    period: date
    value: float
    source: str
    recorded_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    """One replaced value of the audit trail."""

    kpi_key: str
    period: date
    old_value: float
    old_source: str
    old_recorded_at: datetime
    new_value: float
    new_source: str
    replaced_at: datetime


@dataclass(frozen=True)
class SourceState:
    """The last refresh of a KPI's source: `last_error` is None when it succeeded."""

    kpi_key: str
    last_attempt_at: datetime
    last_success_at: datetime | None
    last_error: str | None


class ObservationStore:
    """Reads and writes KPI observations.

    `grains` (KPI key -> grain) makes the store normalize every period to its period start, so recording
    mrr at 2026-11-19 stores it at 2026-11-01. Keys without a grain are stored at the date given.

    >>> store = ObservationStore(db, grains={"mrr": "monthly"})          # doctest: +SKIP
    >>> store.record("mrr", date(2026, 11, 19), 12450, source="push", now=now).outcome  # doctest: +SKIP
    'inserted'
    """

    def __init__(self, db: Database, *, grains: Mapping[str, Grain] | None = None) -> None:
        self.db = db
        self.grains: dict[str, Grain] = dict(grains or {})

    # -- writing -------------------------------------------------------------------------------------

    def normalize(self, kpi_key: str, day: date) -> date:
        """The start of the period of `day` for this KPI (the day itself when the grain is unknown)."""
        if isinstance(day, datetime):
            day = day.date()
        grain = self.grains.get(kpi_key)
        return period_start(day, grain) if grain else day

    def record(self, kpi_key: str, period: date, value: float, *, source: str, now: datetime) -> RecordResult:
        """Record one value; replacing a different value keeps the old one in the audit trail."""
        return self.record_many([NewObservation(kpi_key, period, value)], source=source, now=now)[0]

    def record_many(
        self, rows: Iterable[NewObservation | tuple[str, date, float]], *, source: str, now: datetime
    ) -> list[RecordResult]:
        """Record many values in one transaction (all or nothing); results are in (key, period) order.

        A later row for the same (key, period) wins over an earlier one. Re-recording the value and
        source already stored does nothing (no history row, `outcome == "unchanged"`).
        """
        now = as_utc(now)
        wanted: dict[tuple[str, date], float] = {}
        for kpi_key, day, value in rows:
            wanted[(kpi_key, self.normalize(kpi_key, day))] = check_value(kpi_key, value)
        if not wanted:
            return []
        ordered = sorted(wanted.items())

        def write() -> list[RecordResult]:
            with self.db.session() as session:
                return write_observations(session, ordered, source=source, now=now)

        return with_retries(write)

    def record_source_status(self, statuses: Mapping[str, str | None], *, now: datetime) -> None:
        """Store the outcome of refreshing each KPI's source: None for success, else the error message."""
        now = as_utc(now)
        if statuses:
            with self.db.session() as session:
                write_source_status(session, statuses, now=now)

    # -- reading -------------------------------------------------------------------------------------

    def get(self, kpi_key: str, period: date) -> StoredObservation | None:
        """The current value of one KPI for the period containing `period`."""
        with self.db.session() as session:
            row = session.scalars(
                select(Observation).where(
                    Observation.kpi_key == kpi_key,
                    Observation.period_start == self.normalize(kpi_key, period),
                )
            ).one_or_none()
            return _stored(row) if row is not None else None

    def observations(
        self,
        keys: Iterable[str],
        *,
        start: date | None = None,
        end: date | None = None,
        ranges: Mapping[str, Sequence[tuple[date | None, date]]] | None = None,
    ) -> dict[str, list[StoredObservation]]:
        """Every stored observation of `keys` with start <= period <= end, oldest first, in ONE query.

        `ranges` gives some keys their own inclusive (first, last) period ranges instead (first None:
        from the beginning); keys sharing the same ranges share one condition.
        """
        keys = sorted(set(keys))
        out: dict[str, list[StoredObservation]] = {key: [] for key in keys}
        if not keys:
            return out
        default: tuple[tuple[date | None, date | None], ...] = ((start, end),)
        groups: dict[tuple[tuple[date | None, date | None], ...], list[str]] = {}
        for key in keys:
            chosen = tuple(ranges[key]) if ranges is not None and key in ranges else default
            groups.setdefault(chosen, []).append(key)
        period = OBSERVATIONS.c.period_start
        conditions = []
        for spans, group in groups.items():
            bounds = [
                and_(true(), *([period >= first] if first else []), *([period <= last] if last else []))
                for first, last in spans
            ]
            conditions.append(and_(OBSERVATIONS.c.kpi_key.in_(group), or_(*bounds)))
        columns = OBSERVATIONS.c
        query = select(
            columns.kpi_key, columns.period_start, columns.value, columns.source, columns.recorded_at
        )
        query = query.where(or_(*conditions)).order_by(columns.kpi_key, columns.period_start)
        utc = _UtcCache()  # rows written together share one recorded_at: convert each once
        with self.db.engine.connect() as connection:  # Core, not the ORM: this reads many rows
            for kpi_key, day, value, source, recorded_at in connection.execute(query).all():
                out[kpi_key].append(StoredObservation(kpi_key, day, value, source, utc(recorded_at)))
        return out

    def series(
        self, keys: Iterable[str], *, start: date | None = None, end: date | None = None
    ) -> dict[str, list[tuple[date, float]]]:
        """(period, value) pairs per key, oldest first, for start <= period <= end; one query for all keys."""
        return {
            key: [(o.period, o.value) for o in rows]
            for key, rows in self.observations(keys, start=start, end=end).items()
        }

    def last_recorded(self, keys: Iterable[str]) -> dict[str, datetime]:
        """When each key was last written (keys never written are absent)."""
        keys = sorted(set(keys))
        if not keys:
            return {}
        query = (
            select(Observation.kpi_key, func.max(Observation.recorded_at))
            .where(Observation.kpi_key.in_(keys))
            .group_by(Observation.kpi_key)
        )
        with self.db.session() as session:
            return {key: _utc(when) for key, when in session.execute(query)}

    def history(self, kpi_key: str, period: date | None = None) -> list[HistoryEntry]:
        """The audit trail of one KPI (optionally one period), oldest replacement first."""
        query = select(ObservationHistory).where(ObservationHistory.kpi_key == kpi_key)
        if period is not None:
            query = query.where(ObservationHistory.period_start == self.normalize(kpi_key, period))
        query = query.order_by(ObservationHistory.id)
        with self.db.session() as session:
            return [
                HistoryEntry(
                    h.kpi_key,
                    h.period_start,
                    h.old_value,
                    h.old_source,
                    _utc(h.old_recorded_at),
                    h.new_value,
                    h.new_source,
                    _utc(h.replaced_at),
                )
                for h in session.scalars(query)
            ]

    def source_statuses(self, keys: Iterable[str] | None = None) -> dict[str, SourceState]:
        """The last refresh outcome per KPI key (all keys when `keys` is None)."""
        columns = SOURCE_STATUS.c
        query = select(columns.kpi_key, columns.last_attempt_at, columns.last_success_at, columns.last_error)
        if keys is not None:
            query = query.where(columns.kpi_key.in_(sorted(set(keys))))
        # Core, not the ORM: every /kpi answer asks this, and an ORM session costs more than the query
        with self.db.engine.connect() as connection:
            return {
                key: SourceState(key, _utc(attempt), _utc(success) if success else None, error)
                for key, attempt, success, error in connection.execute(query)
            }


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for DateTime(timezone=True): they were stored as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _UtcCache(dict[datetime, datetime]):
    def __call__(self, moment: datetime) -> datetime:
        converted = self.get(moment)
        if converted is None:
            converted = self[moment] = _utc(moment)
        return converted


def _stored(row: Observation) -> StoredObservation:
    return StoredObservation(row.kpi_key, row.period_start, row.value, row.source, _utc(row.recorded_at))
