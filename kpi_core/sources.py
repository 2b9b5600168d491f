"""Refreshing KPIs: run the `sql` sources, then compute the `formula` KPIs, and store what they give.

A query returns either one number (recorded at the current period of `now` in the KPI's grain) or
(period, value) rows, the period as a date, datetime or ISO string ("2026-11-01", "2026-11"). NULL
values are skipped and reported. A failing query is reported for its KPI (and kept in source_status)
while the other KPIs carry on. Then every formula KPI is computed, in dependency order, for each
period its inputs have: a missing input or a division by zero means no value for that period,
reported, never a crash and never a zero. See `kpi_core.warehouse_sql` for how queries are run.

>>> report = refresh(config, db, now=clock.now())      # doctest: +SKIP
>>> [r.key for r in report.failed]                       # doctest: +SKIP
[]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from kpi_core.config.models import Grain, KpiDefinition, SqlSource
from kpi_core.formula import FormulaValueError, formula_order, parse_formula
from kpi_core.periods import period_start
from kpi_core.storage.db import Database
from kpi_core.storage.observations import NewObservation, ObservationStore, RecordResult
from kpi_core.warehouse_sql import DEFAULT_TIMEOUT, SourceError, run_source

SOURCE_SQL, SOURCE_FORMULA = "sql", "formula"
_GRAIN_RANK: dict[str, int] = {"daily": 0, "weekly": 1, "monthly": 2, "quarterly": 3}


class SourceConfig(Protocol):
    """What refreshing needs from the configuration (`kpi_core.config.loader.AppConfig` is one)."""

    @property
    def kpis(self) -> dict[str, KpiDefinition]: ...

    def database_url(self, name: str) -> str: ...


@dataclass(frozen=True)
class FormulaGap:
    """A period a formula KPI has no value for, and why (missing input, division by zero, ...)."""

    period: date
    reason: str
    missing: tuple[str, ...] = ()  # the inputs without a value; empty when the arithmetic failed


@dataclass(frozen=True)
class KpiRefresh:
    """What refreshing one KPI did. `error` is set when its source failed; nothing was stored then."""

    key: str
    kind: Literal["sql", "formula", "push"]
    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0
    latest: tuple[date, float] | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()
    gaps: tuple[FormulaGap, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def values(self) -> int:
        return self.inserted + self.replaced + self.unchanged


@dataclass(frozen=True)
class RefreshReport:
    now: datetime
    results: tuple[KpiRefresh, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> tuple[KpiRefresh, ...]:
        return tuple(r for r in self.results if not r.ok)

    @property
    def ok(self) -> bool:
        return not self.failed

    def result(self, key: str) -> KpiRefresh:
        return next(r for r in self.results if r.key == key)


def store_for(config: SourceConfig, db: Database) -> ObservationStore:
    """An ObservationStore that normalizes periods by each configured KPI's grain."""
    return ObservationStore(db, grains={key: kpi.grain for key, kpi in config.kpis.items()})


def local_today(now: datetime, timezone: str) -> date:
    """The date of `now` in an IANA timezone: the period a scalar query's number belongs to."""
    return now.astimezone(ZoneInfo(timezone)).date()


def refresh(
    config: SourceConfig,
    db: Database,
    *,
    now: datetime,
    keys: Iterable[str] | None = None,
    timezone: str = "UTC",
    timeout: float = DEFAULT_TIMEOUT,
    as_of: date | None = None,
) -> RefreshReport:
    """Refresh the sql KPIs (all, or `keys`), then the formula KPIs that depend on them.

    A scalar query's number is recorded under the period containing `as_of` (default: today in
    `timezone`). Scheduled refreshes just after midnight pass yesterday, so the value that closes a
    period is recorded under that period, not as the first value of the next one.

    Formula KPIs named in `keys` are recomputed too; push KPIs are reported with nothing to do.
    Raises KeyError for a key that is not configured (resolve names with the Catalog first).
    """
    kpis = config.kpis
    wanted = list(kpis) if keys is None else list(dict.fromkeys(keys))
    unknown = [key for key in wanted if key not in kpis]
    if unknown:
        raise KeyError(f"unknown KPI(s): {', '.join(unknown)}")
    store = store_for(config, db)
    today = as_of or local_today(now, timezone)
    results: dict[str, KpiRefresh] = {}
    rows: list[NewObservation] = []
    statuses: dict[str, str | None] = {}
    for key in wanted:
        kpi = kpis[key]
        if isinstance(kpi.source, SqlSource):
            try:
                url = config.database_url(kpi.source.database)
                found, notes = run_source(kpi, url, today=today, timeout=timeout)
            except (SourceError, KeyError, LookupError) as error:
                message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
                results[key] = KpiRefresh(key, "sql", error=message)
                statuses[key] = message
                continue
            rows.extend(NewObservation(key, period, value) for period, value in found)
            results[key] = KpiRefresh(key, "sql", notes=tuple(notes))
            statuses[key] = None
        elif kpi.source.kind == "push":
            results[key] = KpiRefresh(key, "push", notes=("push KPI: values come from record/import",))
    written = _by_key(store.record_many(rows, source=SOURCE_SQL, now=now))
    store.record_source_status(statuses, now=now)
    results = {key: _with_outcomes(result, written) for key, result in results.items()}
    # The formulas asked for, and those depending on what was asked for (a failed source changed nothing).
    changed = [key for key in wanted if key not in results or results[key].ok]
    derived = recompute_formulas(config, db, now=now, changed=None if keys is None else changed)
    for result in derived:
        results[result.key] = result
    ordered = [results[key] for key in wanted if key in results]
    ordered += [result for key, result in results.items() if key not in wanted]
    return RefreshReport(now=now, results=tuple(ordered))


def recompute_formulas(
    config: SourceConfig,
    db: Database,
    *,
    now: datetime,
    changed: Iterable[str] | None = None,
) -> list[KpiRefresh]:
    """Recompute formula KPIs for every period their inputs have, in dependency order.

    With `changed` (keys whose values changed), only the formulas that depend on them, directly or
    through other formulas, are recomputed (and any formula key in `changed`); None means all.
    `record` and `import` call this so derived KPIs stay current.
    """
    kpis = config.kpis
    order = formula_order(kpis)
    formulas = {key: parse_formula(kpis[key].source.formula) for key in order}  # type: ignore[union-attr]
    if changed is None:
        affected = list(order)
    else:
        dirty = set(changed)
        affected = []
        for key in order:
            if key in dirty or formulas[key].names & dirty:
                dirty.add(key)
                affected.append(key)
    if not affected:
        return []
    store = store_for(config, db)
    inputs = sorted({name for key in affected for name in formulas[key].names})
    known: dict[str, dict[date, float]] = {key: dict(rows) for key, rows in store.series(inputs).items()}
    produced: list[NewObservation] = []
    reports: dict[str, KpiRefresh] = {}
    statuses: dict[str, str | None] = {}
    for key in affected:
        kpi, formula = kpis[key], formulas[key]
        lookups = {name: _aligned(known.get(name, {}), kpis[name].grain, kpi.grain) for name in formula.names}
        values: dict[date, float] = {}
        gaps: list[FormulaGap] = []
        for period in _candidate_periods(formula.names, known, kpis, kpi.grain):
            given = {name: lookup(period) for name, lookup in lookups.items()}
            missing = tuple(sorted(name for name, value in given.items() if value is None))
            try:
                values[period] = formula.evaluate(given)
            except FormulaValueError as error:
                gaps.append(FormulaGap(period, str(error), missing))
        known[key] = values
        produced.extend(NewObservation(key, period, value) for period, value in sorted(values.items()))
        # An input that has not arrived yet is normal lag; arithmetic that fails on the newest period
        # (a division by zero) is shown on the KPI's card as a source problem.
        newest = gaps[-1] if gaps and (not values or gaps[-1].period > max(values)) else None
        failed = newest is not None and not newest.missing
        statuses[key] = f"no value for {newest.period}: {newest.reason}" if newest and failed else None
        reports[key] = KpiRefresh(key, "formula", notes=_gap_notes(gaps), gaps=tuple(gaps))
    written = _by_key(store.record_many(produced, source=SOURCE_FORMULA, now=now))
    store.record_source_status(statuses, now=now)
    return [_with_outcomes(reports[key], written) for key in affected]


def _aligned(series: Mapping[date, float], source: Grain, target: Grain) -> Callable[[date], float | None]:
    """A lookup from a period of grain `target` to the input's value.

    A finer input gives its newest value inside the period (month-end MAU for a monthly ratio); a
    coarser input gives the value of the period that contains it.
    """
    if _GRAIN_RANK[source] <= _GRAIN_RANK[target]:
        newest: dict[date, tuple[date, float]] = {}
        for day, value in series.items():
            start = period_start(day, target)
            if start not in newest or day > newest[start][0]:
                newest[start] = (day, value)
        folded = {start: value for start, (_, value) in newest.items()}
        return lambda period: folded.get(period)
    return lambda period: series.get(period_start(period, source))


def _candidate_periods(
    names: Iterable[str],
    known: Mapping[str, Mapping[date, float]],
    kpis: Mapping[str, KpiDefinition],
    grain: Grain,
) -> list[date]:
    """The periods any input has a value for, in the formula's grain (coarser inputs if none finer)."""
    names = sorted(names)
    fine = [name for name in names if _GRAIN_RANK[kpis[name].grain] <= _GRAIN_RANK[grain]] or names
    return sorted({period_start(day, grain) for name in fine for day in known.get(name, {})})


def _gap_notes(gaps: Sequence[FormulaGap]) -> tuple[str, ...]:
    if not gaps:
        return ()
    reasons: dict[str, list[date]] = {}
    for gap in gaps:
        reasons.setdefault(gap.reason, []).append(gap.period)
    notes = []
    for reason, periods in reasons.items():
        shown = ", ".join(str(p) for p in periods[-3:])
        more = f" and {len(periods) - 3} earlier" if len(periods) > 3 else ""
        notes.append(f"no value for {len(periods)} period(s) ({shown}{more}): {reason}")
    return tuple(notes)


def _by_key(written: Sequence[RecordResult]) -> dict[str, list[RecordResult]]:
    grouped: dict[str, list[RecordResult]] = {}
    for outcome in written:
        grouped.setdefault(outcome.kpi_key, []).append(outcome)
    return grouped


def _with_outcomes(result: KpiRefresh, written: Mapping[str, list[RecordResult]]) -> KpiRefresh:
    mine = written.get(result.key)
    if not mine:
        return result
    newest = max(mine, key=lambda r: r.period)
    return replace(
        result,
        inserted=sum(r.outcome == "inserted" for r in mine),
        replaced=sum(r.outcome == "replaced" for r in mine),
        unchanged=sum(r.outcome == "unchanged" for r in mine),
        latest=(newest.period, newest.value),
    )
