"""CSV import of pushed KPI values, and the one parser for values people type ("12,450", "3.2%").

The file has a header row naming the columns `kpi`, `period` (or `date`) and `value`, in any order;
other columns are ignored. Periods are ISO dates (2026-11-19), ISO datetimes, or months (2026-11),
filed under the start of the KPI's period. Semantics, so nothing is ever half-written:

1. Every row is validated first. A bad row is reported with its row number (as a spreadsheet counts
   them: the header is row 1) and the reason, and is not written.
2. The good rows are written in ONE transaction: a crash part-way leaves nothing written. With
   `strict=True` one bad row means nothing is written; `dry_run=True` writes nothing at all.
3. Formula KPIs that read the imported KPIs are then recomputed.

KPIs with a `sql` or `formula` source are refused (a refresh would overwrite the value) unless `force`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from kpi_core.catalog import Catalog, UnknownKpiError
from kpi_core.config.models import KpiDefinition
from kpi_core.format import CURRENCY_SYMBOLS
from kpi_core.periods import period_start
from kpi_core.sources import KpiRefresh, SourceConfig, recompute_formulas, store_for
from kpi_core.storage.db import Database
from kpi_core.storage.observations import NewObservation, RecordResult
from kpi_core.warehouse_sql import SourceError, parse_period

SOURCE_IMPORT = "import"
_COLUMNS = {
    "kpi": "kpi",
    "key": "kpi",
    "metric": "kpi",
    "period": "period",
    "date": "period",
    "value": "value",
}
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
_SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9}


class ValueParseError(ValueError):
    """A value that is not a number for this KPI; str() says why and what would work."""


def parse_value(text: str, kpi: KpiDefinition) -> float:
    """A number as people type it for a KPI: "12450", "12,450", "$12,450", "$1.2M", "3.2%", "7.7:1", "4.7/5".

    A "%" is accepted only for percent KPIs (stored in points: "3.2%" is 3.2), a currency symbol only
    for a KPI in that currency. Commas separate thousands; "3,2" is refused as ambiguous.

    >>> parse_value("$12,450", KpiDefinition(key="mrr", name="MRR", unit="USD"))
    12450.0
    """
    raw = text.strip()
    body = raw.replace(" ", "").replace("\u00a0", "")
    if not body:
        raise ValueParseError("the value is empty")
    sign = -1.0 if body.startswith("-") else 1.0
    body = body.lstrip("+-")
    unit = kpi.unit
    if body.endswith("%"):
        if unit != "percent":
            raise ValueParseError(f"'{raw}' is a percentage, but {kpi.key} is measured in {_unit_name(unit)}")
        body = body[:-1]
    if body[:1] and not body[0].isdigit() and body[0] != ".":
        symbol = CURRENCY_SYMBOLS.get(unit)
        if body[0] in CURRENCY_SYMBOLS.values() or body[0] in "$":
            if body[0] != symbol:
                raise ValueParseError(
                    f"'{raw}' has a currency symbol, but {kpi.key} is in {_unit_name(unit)}"
                )
            body = body[1:]
        elif body[:3] == unit:
            body = body[3:]
    if unit == "ratio" and body.endswith(":1"):
        body = body[:-2]
    if unit == "score" and "/" in body:
        body, _, scale = body.partition("/")
        if kpi.scale is not None and _plain_number(scale, raw) != kpi.scale:
            raise ValueParseError(f"'{raw}' is out of {scale}, but {kpi.key} is scored out of {kpi.scale:g}")
    multiplier = 1.0
    if body[-1:].lower() in _SUFFIXES and unit != "percent":
        multiplier = _SUFFIXES[body[-1].lower()]
        body = body[:-1]
    value = sign * _plain_number(body, raw) * multiplier
    if not math.isfinite(value):
        raise ValueParseError(f"'{raw}' is not a finite number")
    check_bounds(value, kpi, raw=raw)
    return value


def check_bounds(value: float, kpi: KpiDefinition, *, raw: str) -> None:
    """Refuse a value outside the KPI's bounds (its declared min/max, else its unit's), reason first.

    >>> check_bounds(7, KpiDefinition(key="csat", name="CSAT", unit="score", scale=5), raw="7/5")
    Traceback (most recent call last):
    kpi_core.importer.ValueParseError: '7/5' is above the highest value csat can have (5, its scale)
    """
    low, high = kpi.bounds()
    if low is not None and value < low:
        raise ValueParseError(f"'{raw}' is below the lowest value {kpi.key} can have ({low:g})")
    if high is not None and value > high:
        why = ", its scale" if kpi.unit == "score" and kpi.maximum is None else ""
        raise ValueParseError(f"'{raw}' is above the highest value {kpi.key} can have ({high:g}{why})")


def _plain_number(body: str, raw: str) -> float:
    if "," in body:
        if not _THOUSANDS.match(body):
            raise ValueParseError(
                f"'{raw}' is ambiguous: use a dot for decimals (3.2) "
                "and commas only between thousands (12,450)"
            )
        body = body.replace(",", "")
    try:
        return float(body)
    except ValueError:
        raise ValueParseError(f"'{raw}' is not a number") from None


def _file_error(source: object, error: Exception) -> str:
    name = str(source) if isinstance(source, str | Path) else "the file"
    if isinstance(error, FileNotFoundError):
        return f"cannot import {name}: there is no such file"
    if isinstance(error, IsADirectoryError):
        return f"cannot import {name}: it is a directory"
    if isinstance(error, UnicodeDecodeError):
        return f"cannot import {name}: it is not a UTF-8 text (CSV) file"
    if isinstance(error, OSError):
        return f"cannot import {name}: {error.strerror or error}"
    return f"cannot import {name}: not a CSV file ({error})"


def _unit_name(unit: str) -> str:
    return unit if unit != "percent" else "percent (type 3.2% or 3.2)"


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass(frozen=True)
class ImportReport:
    """What an import did. `written` is empty when nothing was committed (strict, dry run, no good rows)."""

    rows: int
    accepted: int
    errors: tuple[RowError, ...] = ()
    written: tuple[RecordResult, ...] = ()
    derived: tuple[KpiRefresh, ...] = ()
    notes: tuple[str, ...] = ()
    committed: bool = False
    file_error: str | None = None  # the file could not be read at all: nothing else to report

    @property
    def ok(self) -> bool:
        return not self.errors and self.file_error is None

    def count(self, outcome: str) -> int:
        return sum(result.outcome == outcome for result in self.written)


@dataclass
class _Rows:
    good: list[NewObservation] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    seen: dict[tuple[str, date], int] = field(default_factory=dict)
    count: int = 0


def import_csv(
    source: str | Path | TextIO,
    config: SourceConfig,
    db: Database,
    *,
    now: datetime,
    force: bool = False,
    strict: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Import KPI values from a CSV file (a path, or an open text file). See the module docstring."""
    catalog = Catalog(config.kpis)
    parsed = _Rows()
    notes: list[str] = []
    try:
        lines = _records(source)
        header_row, header = next(((n, r) for n, r in lines if any(cell.strip() for cell in r)), (0, []))
        columns = _columns(header, header_row, notes)
    except _HeaderError as error:
        return ImportReport(rows=0, accepted=0, errors=(RowError(error.row, str(error)),))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return ImportReport(rows=0, accepted=0, file_error=_file_error(source, error))
    try:
        for number, record in lines:
            if any(cell.strip() for cell in record):
                parsed.count += 1
                _parse_row(number, record, columns, catalog, force=force, into=parsed)
    except (UnicodeDecodeError, csv.Error) as error:
        return ImportReport(rows=parsed.count, accepted=0, file_error=_file_error(source, error))
    report = ImportReport(
        rows=parsed.count, accepted=len(parsed.good), errors=tuple(parsed.errors), notes=tuple(notes)
    )
    if not parsed.good or dry_run or (strict and parsed.errors):
        return report
    written = store_for(config, db).record_many(parsed.good, source=SOURCE_IMPORT, now=now)
    changed = sorted({row.kpi_key for row in written if row.outcome != "unchanged"})
    derived = recompute_formulas(config, db, now=now, changed=changed) if changed else []
    return ImportReport(
        rows=report.rows,
        accepted=report.accepted,
        errors=report.errors,
        written=tuple(written),
        derived=tuple(derived),
        notes=report.notes,
        committed=True,
    )


class _HeaderError(ValueError):
    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row


def _records(source: str | Path | TextIO) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every record; row numbers count physical lines, as spreadsheets do."""
    if isinstance(source, str | Path):
        with open(source, newline="", encoding="utf-8-sig") as handle:
            yield from _numbered(csv.reader(handle))
    else:
        text = source.read()
        yield from _numbered(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _numbered(reader: Any) -> Iterator[tuple[int, list[str]]]:
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def _columns(header: list[str], row: int, notes: list[str]) -> dict[str, int]:
    if not header:
        raise _HeaderError(1, "the file is empty: expected a header row with kpi, period (or date), value")
    found: dict[str, int] = {}
    ignored = []
    for index, name in enumerate(header):
        role = _COLUMNS.get(name.strip().lower())
        if role is None:
            ignored.append(name.strip())
        elif role in found:
            raise _HeaderError(row, f"two columns for {role} ({header[found[role]]!r} and {name!r})")
        else:
            found[role] = index
    missing = [role for role in ("kpi", "period", "value") if role not in found]
    if missing:
        raise _HeaderError(
            row,
            f"the header row has no {' or '.join(missing)} column: expected kpi, period (or date), value "
            f"(found {', '.join(repr(h) for h in header)})",
        )
    if ignored:
        notes.append("ignored column(s): " + ", ".join(ignored))
    return found


def _parse_row(
    number: int, record: list[str], columns: dict[str, int], catalog: Catalog, *, force: bool, into: _Rows
) -> None:
    def fail(message: str) -> None:
        into.errors.append(RowError(number, message))

    if len(record) <= max(columns.values()):
        return fail(f"expected {max(columns.values()) + 1} columns, found {len(record)}")
    name, raw_period, raw_value = (record[columns[c]].strip() for c in ("kpi", "period", "value"))
    if not name:
        return fail("the kpi is empty")
    try:
        kpi = catalog.resolve(name)
    except UnknownKpiError as error:
        return fail(str(error))
    if not force and kpi.source.kind != "push":
        what = (
            f"is computed by its formula ({kpi.source.formula}): import its inputs instead"
            if kpi.source.kind == "formula"
            else "comes from a sql query, so the next refresh would replace it"
        )
        return fail(f"{kpi.key} {what} (use --force to import it anyway)")
    try:
        period = period_start(parse_period(raw_period, "period"), kpi.grain) if raw_period else None
    except SourceError:
        period = None
    if period is None:
        return fail(f"the period {raw_period!r} is not an ISO date (use 2026-11-19, or 2026-11 for a month)")
    try:
        value = parse_value(raw_value, kpi)
    except ValueParseError as error:
        return fail(str(error))
    earlier = into.seen.get((kpi.key, period))
    if earlier is not None:
        return fail(f"{kpi.key} for the period starting {period} is already on row {earlier}")
    into.seen[(kpi.key, period)] = number
    into.good.append(NewObservation(kpi.key, period, value))
    return None
