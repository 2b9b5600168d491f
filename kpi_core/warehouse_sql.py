"""Running a KPI's `sql` source against its warehouse and reading what comes back.

- One engine per warehouse URL, cached for the process and separate from kpibot's own database.
- Queries run read-only in intent: the transaction is always rolled back.
- Timeouts: PostgreSQL gets `SET LOCAL statement_timeout`. SQLite has no statement timeout, so a
  progress handler interrupts the query once the deadline has passed (checked every few thousand
  virtual-machine steps). Other dialects run without a timeout.
- The result is one number (one row, one column), or (period, value) rows (two columns).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from kpi_core.config.models import KpiDefinition
from kpi_core.periods import period_start

DEFAULT_TIMEOUT = 30.0
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


class SourceError(Exception):
    """A KPI's source could not give values: the query failed, or returned something unusable."""


def warehouse_engine(url: str) -> Engine:
    """The cached engine for a warehouse URL (postgresql:// is read with psycopg 3)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            target = url
            if url.startswith("postgresql://"):
                target = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            try:
                engine = create_engine(target, pool_pre_ping=not target.startswith("sqlite"))
            except (ArgumentError, ImportError, ValueError) as error:
                raise SourceError(f"cannot open database {_safe(url)}: {error}") from None
            _ENGINES[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every cached warehouse engine (tests, shutdown)."""
    with _ENGINES_LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


def run_source(
    kpi: KpiDefinition, url: str, *, today: date, timeout: float = DEFAULT_TIMEOUT
) -> tuple[list[tuple[date, float]], list[str]]:
    """Run `kpi`'s query; return its (period start, value) pairs and notes (skipped NULLs, ...)."""
    sql = getattr(kpi.source, "sql", None)
    if not sql:
        raise SourceError(f"{kpi.key} has no sql source")
    check_sqlite_file(url)
    columns, rows = run_query(warehouse_engine(url), sql, timeout=timeout)
    return read_result(kpi, columns, rows, today=today)


def run_query(engine: Engine, sql: str, *, timeout: float = DEFAULT_TIMEOUT) -> tuple[list[str], list[Any]]:
    """Execute one query with a timeout; the transaction is rolled back. Raises SourceError."""
    try:
        with engine.connect() as connection:
            with _deadline(connection, timeout):
                result = connection.execute(text(sql))
                if not result.returns_rows:
                    raise SourceError("the query returned no result set (is it a SELECT?)")
                columns, rows = list(result.keys()), [tuple(row) for row in result.fetchall()]
            connection.rollback()
    except SourceError:
        raise
    except DBAPIError as error:
        raise SourceError(_describe(error, timeout)) from None
    except SQLAlchemyError as error:
        raise SourceError(str(error).splitlines()[0]) from None
    return columns, rows


@contextmanager
def _deadline(connection: Connection, timeout: float) -> Iterator[None]:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}")
        yield
    elif dialect == "sqlite":
        deadline = time.monotonic() + timeout
        raw: Any = connection.connection.driver_connection
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            yield
        finally:
            raw.set_progress_handler(None, 0)
    else:
        yield


def read_result(
    kpi: KpiDefinition, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, today: date
) -> tuple[list[tuple[date, float]], list[str]]:
    """Validate and normalize a query result into (period start, value) pairs, plus notes."""
    if len(columns) == 1:
        if not rows:
            return [], ["the query returned no rows: nothing recorded"]
        if len(rows) > 1:
            raise SourceError(
                f"the query returned {len(rows)} rows of one column: "
                "return one number, or (period, value) rows"
            )
        value = rows[0][0]
        if value is None:
            return [], ["the query returned NULL: nothing recorded"]
        return [(period_start(today, kpi.grain), _number(value, "the result"))], []
    if len(columns) != 2:
        raise SourceError(
            f"the query returned {len(columns)} columns ({', '.join(columns)}): "
            "return one number, or two columns (period, value)"
        )
    found: dict[date, tuple[int, float]] = {}
    skipped: list[date] = []
    for number, (raw_period, raw_value) in enumerate(rows, start=1):
        period = period_start(parse_period(raw_period, f"row {number}"), kpi.grain)
        if raw_value is None:
            skipped.append(period)
            continue
        value = _number(raw_value, f"row {number} ({period})")
        if period in found:
            raise SourceError(
                f"rows {found[period][0]} and {number} are both in the {kpi.grain} period starting {period}: "
                "aggregate to one row per period in the query"
            )
        found[period] = (number, value)
    notes = []
    if skipped:
        notes.append(f"skipped {len(skipped)} row(s) with a NULL value (first: {min(skipped)})")
    if not rows:
        notes.append("the query returned no rows: nothing recorded")
    return sorted((period, value) for period, (_, value) in found.items()), notes


def parse_period(raw: Any, where: str) -> date:
    """A date, a datetime (its UTC date if aware) or an ISO string: 2026-11-01, 2026-11-01T00:00, 2026-11."""
    if isinstance(raw, datetime):
        return raw.date() if raw.tzinfo is None else _utc_date(raw)
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        cleaned = raw.strip()
        try:
            if _MONTH.match(cleaned):
                return date.fromisoformat(cleaned + "-01")
            if len(cleaned) == 10:
                return date.fromisoformat(cleaned)
            moment = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
            return moment.date() if moment.tzinfo is None else _utc_date(moment)
        except ValueError:
            pass
    raise SourceError(
        f"{where}: the period {raw!r} is not a date (use a date or an ISO string like 2026-11-01)"
    )


def _utc_date(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool):
        raise SourceError(f"{where}: {raw!r} is not a number")
    if isinstance(raw, int | float | Decimal):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            raise SourceError(f"{where}: the value {raw!r} is not a number") from None
    else:
        raise SourceError(f"{where}: the value {raw!r} is not a number")
    if not math.isfinite(value):
        raise SourceError(f"{where}: the value {raw!r} is not a finite number")
    return value


def check_sqlite_file(url: str) -> None:
    """Raise SourceError when `url` names a SQLite file that does not exist (SQLite would create it)."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise SourceError(f"bad database URL {_safe(url)}: {error}") from None
    database = parsed.database
    is_file = bool(database) and database != ":memory:" and not str(database).startswith("file:")
    if parsed.drivername.startswith("sqlite") and is_file and not Path(str(database)).exists():
        raise SourceError(
            f"the SQLite database {database} does not exist (for the demo warehouse: kpibot demo-data)"
        )


def _describe(error: DBAPIError, timeout: float) -> str:
    message = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
    if "statement timeout" in message or message == "interrupted":
        return f"the query took longer than {timeout:g}s and was cancelled ({message})"
    return message


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable URL>"
