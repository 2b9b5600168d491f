from __future__ import annotations

import itertools
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from kpi_core.storage.db import Database
from kpi_core.storage.models import Observation, ObservationHistory
from kpi_core.storage.observations import NewObservation, ObservationStore

NOW = datetime(2026, 11, 19, 9, 30, tzinfo=UTC)
GRAINS: dict[str, Any] = {"mrr": "monthly", "dau": "daily", "signups": "weekly", "nps": "quarterly"}


def _store(db: Database) -> ObservationStore:
    return ObservationStore(db, grains=GRAINS)


def _count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_record_normalizes_the_period_by_grain(db: Database) -> None:
    store = _store(db)
    assert store.record("mrr", date(2026, 11, 19), 12450, source="push", now=NOW).period == date(2026, 11, 1)
    assert store.record("signups", date(2026, 11, 19), 40, source="push", now=NOW).period == date(
        2026, 11, 16
    )
    assert store.record("nps", date(2026, 11, 19), 52, source="push", now=NOW).period == date(2026, 10, 1)
    assert store.record("dau", date(2026, 11, 19), 900, source="push", now=NOW).period == date(2026, 11, 19)
    stored = store.get("mrr", date(2026, 11, 30))
    assert stored is not None
    assert (stored.value, stored.source, stored.recorded_at) == (12450.0, "push", NOW)


def test_recording_again_replaces_and_keeps_an_audit_trail(db: Database) -> None:
    store = _store(db)
    first = store.record("mrr", date(2026, 11, 1), 100, source="sql", now=NOW)
    later = NOW + timedelta(hours=2)
    second = store.record("mrr", date(2026, 11, 5), 120, source="push", now=later)
    assert first.outcome == "inserted" and first.previous is None
    assert second.replaced and (second.previous, second.previous_source) == (100.0, "sql")
    assert store.series(["mrr"]) == {"mrr": [(date(2026, 11, 1), 120.0)]}
    [entry] = store.history("mrr")
    assert (entry.period, entry.old_value, entry.old_source, entry.new_value, entry.new_source) == (
        date(2026, 11, 1),
        100.0,
        "sql",
        120.0,
        "push",
    )
    assert (entry.old_recorded_at, entry.replaced_at) == (NOW, later)
    assert store.get("mrr", date(2026, 11, 1)).recorded_at == later  # type: ignore[union-attr]


def test_identical_re_record_is_a_no_op(db: Database) -> None:
    store = _store(db)
    store.record("mrr", date(2026, 11, 1), 100, source="sql", now=NOW)
    again = store.record("mrr", date(2026, 11, 1), 100, source="sql", now=NOW + timedelta(days=1))
    assert again.outcome == "unchanged"
    assert store.history("mrr") == []
    assert store.get("mrr", date(2026, 11, 1)).recorded_at == NOW  # type: ignore[union-attr]
    # The same value from another source is a change of provenance, so it is audited.
    assert store.record("mrr", date(2026, 11, 1), 100, source="push", now=NOW).outcome == "replaced"
    assert len(store.history("mrr")) == 1


def test_record_many_reports_each_outcome_in_key_period_order(db: Database) -> None:
    store = _store(db)
    store.record("mrr", date(2026, 10, 1), 90, source="sql", now=NOW)
    store.record("mrr", date(2026, 9, 1), 80, source="sql", now=NOW)
    results = store.record_many(
        [
            NewObservation("mrr", date(2026, 11, 1), 100),
            ("mrr", date(2026, 10, 1), 95),
            ("mrr", date(2026, 9, 1), 80),
            ("dau", date(2026, 11, 2), 5),
            ("dau", date(2026, 11, 2), 6),  # a later row for the same period wins
        ],
        source="sql",
        now=NOW,
    )
    assert [(r.kpi_key, r.period, r.value, r.outcome) for r in results] == [
        ("dau", date(2026, 11, 2), 6.0, "inserted"),
        ("mrr", date(2026, 9, 1), 80.0, "unchanged"),
        ("mrr", date(2026, 10, 1), 95.0, "replaced"),
        ("mrr", date(2026, 11, 1), 100.0, "inserted"),
    ]
    assert _count(db, ObservationHistory) == 1


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "12", True, None])
def test_values_must_be_finite_numbers(sqlite_db: Database, bad: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        _store(sqlite_db).record("mrr", date(2026, 11, 1), bad, source="push", now=NOW)
    assert _count(sqlite_db, Observation) == 0


def test_now_must_be_timezone_aware(sqlite_db: Database) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _store(sqlite_db).record("mrr", date(2026, 11, 1), 1, source="push", now=datetime(2026, 11, 1))


def test_a_non_utc_now_is_stored_as_utc(sqlite_db: Database) -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2026, 11, 19, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    store = _store(sqlite_db)
    store.record("mrr", date(2026, 11, 1), 1, source="push", now=local)
    assert store.get("mrr", date(2026, 11, 1)).recorded_at == NOW  # type: ignore[union-attr]


class _FailOnStatement:
    """Raise inside the database driver on the n-th statement: a crash in the middle of a write."""

    def __init__(self, db: Database, n: int) -> None:
        self.db, self.n, self.seen = db, n, 0

    def __enter__(self) -> _FailOnStatement:
        event.listen(self.db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.db.engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.seen += 1
        if self.seen == self.n:
            raise RuntimeError("simulated crash")


def test_record_many_is_all_or_nothing(db: Database) -> None:
    store = _store(db)
    store.record("mrr", date(2026, 10, 1), 90, source="sql", now=NOW)
    rows = [("mrr", date(2026, 10, 1), 95.0)] + [
        ("dau", date(2026, 1, 1) + timedelta(days=i), i) for i in range(700)
    ]
    # Statement 1 inserts the first 500 new rows, 2 the rest; 3 reads the conflicting row: crash there.
    with _FailOnStatement(db, 3), pytest.raises(RuntimeError, match="simulated crash"):
        store.record_many(rows, source="sql", now=NOW)
    assert _count(db, Observation) == 1
    assert store.series(["mrr"]) == {"mrr": [(date(2026, 10, 1), 90.0)]}
    assert store.history("mrr") == []
    assert len(store.record_many(rows, source="sql", now=NOW)) == 701
    assert _count(db, Observation) == 701


def test_series_is_one_query_for_many_keys(db: Database) -> None:
    store = ObservationStore(db)
    rows = [
        (f"k{n}", date(2026, 1, 1) + timedelta(days=d), n * 100 + d) for n in range(30) for d in range(10)
    ]
    store.record_many(rows, source="sql", now=NOW)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        series = store.series(
            [f"k{n}" for n in range(30)] + ["missing"], start=date(2026, 1, 3), end=date(2026, 1, 5)
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    assert series["missing"] == []
    assert series["k7"] == [(date(2026, 1, 3), 702.0), (date(2026, 1, 4), 703.0), (date(2026, 1, 5), 704.0)]


def test_per_key_ranges_and_last_recorded(db: Database) -> None:
    store = ObservationStore(db)
    store.record_many(
        [("a", date(2026, 1, d), d) for d in range(1, 11)]
        + [("b", date(2025, 6, 1), 7.0), ("c", date(2026, 1, 1), 1)],
        source="sql",
        now=NOW,
    )
    found = store.observations(
        ["a", "b", "c"],
        end=date(2026, 1, 1),
        ranges={
            "a": [(date(2026, 1, 2), date(2026, 1, 3)), (date(2026, 1, 9), date(2026, 1, 31))],
            "b": [(None, date(2025, 1, 1))],
        },
    )
    assert [o.value for o in found["a"]] == [2.0, 3.0, 9.0, 10.0]
    assert found["b"] == []
    assert [o.value for o in found["c"]] == [1.0]  # keys without ranges use start/end
    assert store.last_recorded(["a", "d"]) == {"a": NOW}


def test_source_status_keeps_the_last_success(db: Database) -> None:
    store = ObservationStore(db)
    store.record_source_status({"mrr": None, "dau": "no such table: events"}, now=NOW)
    later = NOW + timedelta(hours=1)
    store.record_source_status({"mrr": "timeout", "dau": None}, now=later)
    states = store.source_statuses()
    assert (states["mrr"].last_error, states["mrr"].last_success_at, states["mrr"].last_attempt_at) == (
        "timeout",
        NOW,
        later,
    )
    assert (states["dau"].last_error, states["dau"].last_success_at) == (None, later)
    assert set(store.source_statuses(["dau", "nope"])) == {"dau"}


def test_concurrent_writers_keep_one_value_per_period_and_a_complete_audit_trail(db: Database) -> None:
    """Eight threads hammer the same periods; every replacement is audited exactly once, in a chain."""
    store = _store(db)
    periods = [date(2026, month, 1) for month in range(1, 7)]
    barrier = threading.Barrier(8)
    outcomes: list[Any] = []
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for round_ in range(5):
                outcomes.extend(
                    store.record_many(
                        [("mrr", p, float(n * 100 + round_)) for p in periods], source=f"w{n}", now=NOW
                    )
                )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _count(db, Observation) == len(periods)
    assert sum(r.outcome == "inserted" for r in outcomes) == len(periods)
    for period in periods:
        trail = store.history("mrr", period)
        assert len(trail) == sum(r.outcome == "replaced" and r.period == period for r in outcomes)
        # Each replacement replaced exactly what the previous write left.
        for before, after in itertools.pairwise(trail):
            assert after.old_value == before.new_value and after.old_source == before.new_source
        assert store.get("mrr", period).value == trail[-1].new_value  # type: ignore[union-attr]


@pytest.mark.postgres
def test_postgres_writer_waits_for_a_concurrent_insert_and_audits_it(postgres_admin_url: str) -> None:
    """Writer B inserts the same (kpi, period) while A's insert is uncommitted: B waits, then replaces it."""
    from kpi_core.storage.migrate import upgrade
    from tests.pg import create_database

    db = Database.from_url(create_database(postgres_admin_url))
    upgrade(db.engine)
    store = _store(db)
    a_inserted, release_a = threading.Event(), threading.Event()

    def pause_before_commit(connection: Any) -> None:
        if threading.current_thread().name == "A":
            a_inserted.set()
            assert release_a.wait(30)

    event.listen(db.engine, "commit", pause_before_commit)
    results: dict[str, Any] = {}
    a = threading.Thread(
        name="A",
        target=lambda: results.update(a=store.record("mrr", date(2026, 11, 1), 1, source="a", now=NOW)),
    )
    b = threading.Thread(
        name="B",
        target=lambda: results.update(b=store.record("mrr", date(2026, 11, 1), 2, source="b", now=NOW)),
    )
    a.start()
    assert a_inserted.wait(30)
    b.start()
    try:
        with db.engine.connect() as watcher:  # wait until B is blocked on A's row, not by sleeping a guess
            for _ in range(1000):
                waiting = watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                ).scalar()
                watcher.rollback()  # pg_stat_activity is a snapshot taken once per transaction
                if waiting:
                    break
                threading.Event().wait(0.01)
            assert waiting == 1
    finally:
        release_a.set()  # also when the wait above failed: never leave A hanging
    a.join()
    b.join()
    event.remove(db.engine, "commit", pause_before_commit)
    assert results["a"].outcome == "inserted"
    assert (results["b"].outcome, results["b"].previous, results["b"].previous_source) == (
        "replaced",
        1.0,
        "a",
    )
    [entry] = store.history("mrr")
    assert (entry.old_value, entry.old_source, entry.new_value, entry.new_source) == (1.0, "a", 2.0, "b")
    assert store.get("mrr", date(2026, 11, 1)).value == 2.0  # type: ignore[union-attr]
    db.engine.dispose()
