"""ObservationStore: one current value per (KPI, period), an audit trail of replaced values, source status.

Writes are safe for several processes at once, on SQLite and PostgreSQL:

1. `INSERT ... ON CONFLICT DO NOTHING RETURNING` writes every (kpi, period) that is new. On PostgreSQL a
   concurrent insert of the same pair waits for the other transaction and then reports a conflict; on
   SQLite the insert takes the database's write lock, so the rest of the transaction is serialized.
2. The pairs that conflicted are read back `FOR UPDATE` (row locks on PostgreSQL, in key order so two
   batches cannot deadlock), compared, and only the ones whose value or source changed are updated, each
   with an `observation_history` row holding the value it replaced.

Everything one call writes is one transaction: `record_many` is all or nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, NamedTuple, TypeVar

from sqlalchemy import and_, func, or_, select, true, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kpi_core.config.models import Grain
from kpi_core.periods import period_start
from kpi_core.storage.db import Database
from kpi_core.storage.models import Observation, ObservationHistory, SourceStatus

Outcome = Literal["inserted", "replaced", "unchanged"]
T = TypeVar("T")

OBSERVATIONS = Observation.__table__
_CHUNK = 500  # rows per statement: far below SQLite's and PostgreSQL's bound-parameter limits
_RETRIES = 3  # PostgreSQL deadlock / serialization failures are retried as a whole transaction
_RETRYABLE_SQLSTATES = {"40P01", "40001"}


class NewObservation(NamedTuple):
    """A value to record: `period` may be any day of the period when the store knows the KPI's grain."""

    kpi_key: str
    period: date
    value: float


@dataclass(frozen=True)
class RecordResult:
    """What recording one value did. `previous` is the value it replaced (None when it was new)."""

    kpi_key: str
    period: date
    value: float
    outcome: Outcome
    previous: float | None = None
    previous_source: str | None = None

    @property
    def replaced(self) -> bool:
        return self.outcome == "replaced"


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
        now = _as_utc(now)
        wanted: dict[tuple[str, date], float] = {}
        for kpi_key, day, value in rows:
            wanted[(kpi_key, self.normalize(kpi_key, day))] = _check_value(kpi_key, value)
        if not wanted:
            return []
        ordered = sorted(wanted.items())
        return _with_retries(lambda: self._write(ordered, source=source, now=now))

    def _write(
        self, ordered: list[tuple[tuple[str, date], float]], *, source: str, now: datetime
    ) -> list[RecordResult]:
        results: dict[tuple[str, date], RecordResult] = {}
        with self.db.session() as session:
            insert = _insert_for(session)
            # One cached statement, executed many times: SQLAlchemy batches the rows into multi-row
            # INSERTs ("insertmanyvalues") and collects RETURNING from each batch.
            statement = (
                insert(OBSERVATIONS)
                .on_conflict_do_nothing(index_elements=["kpi_key", "period_start"])
                .returning(OBSERVATIONS.c.kpi_key, OBSERVATIONS.c.period_start)
            )
            sent = dict(ordered)
            for chunk in _chunks(ordered):
                rows = [
                    {"kpi_key": k, "period_start": p, "value": v, "source": source, "recorded_at": now}
                    for (k, p), v in chunk
                ]
                for kpi_key, period in session.connection().execute(statement, rows):
                    results[(kpi_key, period)] = RecordResult(
                        kpi_key, period, sent[(kpi_key, period)], "inserted"
                    )
            conflicts = [(pair, value) for pair, value in ordered if pair not in results]
            for chunk in _chunks(conflicts):
                values = dict(chunk)
                query = (
                    select(Observation)
                    .where(tuple_(Observation.kpi_key, Observation.period_start).in_(list(values)))
                    .order_by(Observation.kpi_key, Observation.period_start)
                    .with_for_update()
                )
                for row in session.scalars(query):
                    pair = (row.kpi_key, row.period_start)
                    value = values[pair]
                    if row.value == value and row.source == source:
                        results[pair] = RecordResult(*pair, value, "unchanged", row.value, row.source)
                        continue
                    session.add(_history(row, value, source, now))
                    results[pair] = RecordResult(*pair, value, "replaced", row.value, row.source)
                    row.value, row.source, row.recorded_at = value, source, now
        return [results[pair] for pair, _ in ordered]

    def record_source_status(self, statuses: Mapping[str, str | None], *, now: datetime) -> None:
        """Store the outcome of refreshing each KPI's source: None for success, else the error message."""
        now = _as_utc(now)
        if not statuses:
            return
        with self.db.session() as session:
            insert = _insert_for(session)
            for chunk in _chunks(sorted(statuses.items())):
                rows = [
                    {
                        "kpi_key": key,
                        "last_attempt_at": now,
                        "last_success_at": now if error is None else None,
                        "last_error": error,
                    }
                    for key, error in chunk
                ]
                statement = insert(SourceStatus).values(rows)
                excluded = statement.excluded
                statement = statement.on_conflict_do_update(
                    index_elements=["kpi_key"],
                    set_={
                        "last_attempt_at": excluded.last_attempt_at,
                        # A failure keeps the time of the last success.
                        "last_success_at": func.coalesce(
                            excluded.last_success_at, SourceStatus.last_success_at
                        ),
                        "last_error": excluded.last_error,
                    },
                )
                session.execute(statement)

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

    def latest_before(self, keys: Iterable[str], *, before: date) -> dict[str, StoredObservation]:
        """The newest observation of each key with period < `before`, in one query (absent: none)."""
        keys = sorted(set(keys))
        if not keys:
            return {}
        newest = (
            select(Observation.kpi_key, func.max(Observation.period_start).label("period"))
            .where(Observation.kpi_key.in_(keys), Observation.period_start < before)
            .group_by(Observation.kpi_key)
            .subquery()
        )
        query = select(Observation).join(
            newest,
            and_(Observation.kpi_key == newest.c.kpi_key, Observation.period_start == newest.c.period),
        )
        with self.db.session() as session:
            return {row.kpi_key: _stored(row) for row in session.scalars(query)}

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
        query = select(SourceStatus)
        if keys is not None:
            query = query.where(SourceStatus.kpi_key.in_(sorted(set(keys))))
        with self.db.session() as session:
            return {
                s.kpi_key: SourceState(
                    s.kpi_key,
                    _utc(s.last_attempt_at),
                    _utc(s.last_success_at) if s.last_success_at else None,
                    s.last_error,
                )
                for s in session.scalars(query)
            }


def _insert_for(session: Session) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite >= 3.24 and PostgreSQL both do)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"kpibot's store supports SQLite and PostgreSQL, not {name}")


def _history(row: Observation, value: float, source: str, now: datetime) -> ObservationHistory:
    return ObservationHistory(
        kpi_key=row.kpi_key,
        period_start=row.period_start,
        old_value=row.value,
        old_source=row.source,
        old_recorded_at=row.recorded_at,
        new_value=value,
        new_source=source,
        replaced_at=now,
    )


def _with_retries(write: Callable[[], T]) -> T:
    for attempt in range(_RETRIES):
        try:
            return write()
        except DBAPIError as error:
            sqlstate = getattr(error.orig, "sqlstate", None)
            if sqlstate not in _RETRYABLE_SQLSTATES or attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
    for index in range(0, len(items), _CHUNK):
        yield items[index : index + _CHUNK]


def _check_value(kpi_key: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{kpi_key}: value must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{kpi_key}: value must be a finite number, not {value!r}")
    return number


def _as_utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware (UTC)")
    return now.astimezone(UTC)


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
