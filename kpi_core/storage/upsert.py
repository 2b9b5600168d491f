"""The write side of the ObservationStore: concurrency-safe upserts with an audit trail.

1. `INSERT ... ON CONFLICT DO NOTHING RETURNING` writes every (kpi, period) that is new. On PostgreSQL a
   concurrent insert of the same pair waits for the other transaction and then reports a conflict; on
   SQLite the insert takes the database's write lock, so the rest of the transaction is serialized.
2. The pairs that conflicted are read back `FOR UPDATE` (row locks on PostgreSQL, in key order so two
   batches cannot deadlock), compared, and only the ones whose value or source changed are updated, each
   with an `observation_history` row holding the value it replaced.

The caller runs all of it in one transaction; PostgreSQL deadlocks and serialization failures are
retried as a whole (`with_retries`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, NamedTuple, TypeVar

from sqlalchemy import Table, bindparam, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kpi_core.storage.models import Observation, ObservationHistory, SourceStatus

Outcome = Literal["inserted", "replaced", "unchanged"]
T = TypeVar("T")

OBSERVATIONS: Table = Observation.__table__  # type: ignore[assignment]
HISTORY: Table = ObservationHistory.__table__  # type: ignore[assignment]
CHUNK = 500  # rows per statement: far below SQLite's and PostgreSQL's bound-parameter limits
_RETRIES = 3
_RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure


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


def write_observations(
    session: Session, ordered: Sequence[tuple[tuple[str, date], float]], *, source: str, now: datetime
) -> list[RecordResult]:
    """Upsert (key, period) -> value pairs, sorted by (key, period); results in the same order."""
    results: dict[tuple[str, date], RecordResult] = {}
    connection = session.connection()
    # One cached statement, executed many times: SQLAlchemy batches the rows into multi-row INSERTs
    # ("insertmanyvalues") and collects RETURNING from each batch.
    statement = (
        insert_for(session)(OBSERVATIONS)
        .on_conflict_do_nothing(index_elements=["kpi_key", "period_start"])
        .returning(OBSERVATIONS.c.kpi_key, OBSERVATIONS.c.period_start)
    )
    sent = dict(ordered)
    for chunk in chunks(ordered):
        rows = [
            {"kpi_key": k, "period_start": p, "value": v, "source": source, "recorded_at": now}
            for (k, p), v in chunk
        ]
        for kpi_key, period in connection.execute(statement, rows):
            results[(kpi_key, period)] = RecordResult(kpi_key, period, sent[(kpi_key, period)], "inserted")
    conflicts = [(pair, value) for pair, value in ordered if pair not in results]
    for chunk in chunks(conflicts):
        results.update(_replace(session, dict(chunk), source=source, now=now))
    return [results[pair] for pair, _ in ordered]


def _replace(
    session: Session, values: dict[tuple[str, date], float], *, source: str, now: datetime
) -> dict[tuple[str, date], RecordResult]:
    """Audit and update the existing rows whose value or source changes.

    A first read without locks finds the rows that differ (a scheduled refresh changes few of them, and
    on PostgreSQL a row lock is a write). Only those are locked and read again, so the audit trail holds
    the value each update really replaced. A row found equal needs no write: recording it is a no-op
    that happened before any concurrent change.
    """
    columns = OBSERVATIONS.c
    connection = session.connection()
    pairs = tuple_(columns.kpi_key, columns.period_start)
    results: dict[tuple[str, date], RecordResult] = {}
    current = select(columns.kpi_key, columns.period_start, columns.value, columns.source)
    for kpi_key, period, old_value, old_source in connection.execute(current.where(pairs.in_(list(values)))):
        if old_value == values[(kpi_key, period)] and old_source == source:
            results[(kpi_key, period)] = RecordResult(
                kpi_key, period, old_value, "unchanged", old_value, old_source
            )
    differing = [pair for pair in values if pair not in results]
    if not differing:
        return results
    query = (
        select(columns.id, columns.kpi_key, columns.period_start, columns.value, columns.source)
        .add_columns(columns.recorded_at)
        .where(pairs.in_(differing))
        .order_by(columns.kpi_key, columns.period_start)
        .with_for_update()
    )
    changed: list[dict[str, Any]] = []
    trail: list[dict[str, Any]] = []
    for row_id, kpi_key, period, old_value, old_source, old_recorded_at in connection.execute(query):
        pair = (kpi_key, period)
        value = values[pair]
        if old_value == value and old_source == source:
            results[pair] = RecordResult(*pair, value, "unchanged", old_value, old_source)
            continue
        results[pair] = RecordResult(*pair, value, "replaced", old_value, old_source)
        changed.append({"row_id": row_id, "new_value": value})
        trail.append(
            {
                "kpi_key": kpi_key,
                "period_start": period,
                "old_value": old_value,
                "old_source": old_source,
                "old_recorded_at": old_recorded_at,
                "new_value": value,
                "new_source": source,
                "replaced_at": now,
            }
        )
    if changed:
        connection.execute(HISTORY.insert(), trail)
        update = OBSERVATIONS.update().where(columns.id == bindparam("row_id"))
        connection.execute(
            update.values(value=bindparam("new_value"), source=source, recorded_at=now), changed
        )
    return results


def write_source_status(session: Session, statuses: Mapping[str, str | None], *, now: datetime) -> None:
    """Upsert the outcome of each KPI's last refresh (None: success); a failure keeps the last success."""
    insert = insert_for(session)
    for chunk in chunks(sorted(statuses.items())):
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
                "last_success_at": func.coalesce(excluded.last_success_at, SourceStatus.last_success_at),
                "last_error": excluded.last_error,
            },
        )
        session.execute(statement)


def insert_for(session: Session) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite >= 3.24 and PostgreSQL both do)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"kpibot's store supports SQLite and PostgreSQL, not {name}")


def with_retries(write: Callable[[], T]) -> T:
    """Run a whole transaction again after a PostgreSQL deadlock or serialization failure."""
    for attempt in range(_RETRIES):
        try:
            return write()
        except DBAPIError as error:
            sqlstate = getattr(error.orig, "sqlstate", None)
            if sqlstate not in _RETRYABLE_SQLSTATES or attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
    for index in range(0, len(items), CHUNK):
        yield items[index : index + CHUNK]


def check_value(kpi_key: str, value: float) -> float:
    """A finite float, or TypeError/ValueError naming the KPI."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{kpi_key}: value must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{kpi_key}: value must be a finite number, not {value!r}")
    return number


def as_utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware (UTC)")
    return now.astimezone(UTC)
