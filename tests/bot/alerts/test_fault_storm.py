"""Exact delivery under a seeded storm of Slack faults: 429 bursts, 5xx streaks, timeouts, late answers and
connection resets on every write (and every look-up), with acknowledgements clicked during the faults.
After the faults stop and the bot drains, every notification is in Slack exactly once (tests/bot/alerts/
invariants.py). SQLite and PostgreSQL; one replica and two."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.alerts.storm import StormResult, storm_bot

SEEDS_20 = range(20)
SEEDS_50 = range(5)


def assert_exact(result: StormResult) -> None:
    census = result.census
    assert census.ok, str(census)
    assert census.failed == 0, f"rows sent to the fallback: {census}"
    assert result.incidents == 24 and result.faults > 0
    # 24 incidents x 3 destinations, each delivered once (storm messages carry many keys)
    posted = [key for key, count in census.messages.items() if count == 1 and ":fired:" in key]
    assert len(posted) == 72


@pytest.mark.parametrize("seed", SEEDS_20)
def test_storm_at_20_percent_faults_sqlite(tmp_path: Path, seed: int, record_property) -> None:
    with storm_bot(tmp_path, f"sqlite:///{tmp_path / 'kpibot.db'}") as bot:
        result = bot.run(seed=seed, rate=0.2)
    record_property("drain_seconds", round(result.drain_seconds, 3))
    assert_exact(result)


@pytest.mark.parametrize("seed", SEEDS_50)
def test_storm_at_50_percent_faults_sqlite(tmp_path: Path, seed: int, record_property) -> None:
    with storm_bot(tmp_path, f"sqlite:///{tmp_path / 'kpibot.db'}") as bot:
        result = bot.run(seed=seed, rate=0.5)
    record_property("drain_seconds", round(result.drain_seconds, 3))
    assert_exact(result)


@pytest.mark.parametrize(("seed", "rate", "replicas"), [(1, 0.2, 1), (2, 0.5, 1), (3, 0.2, 2), (4, 0.5, 2)])
def test_storm_on_postgresql_with_one_and_two_replicas(
    tmp_path: Path, postgres_admin_url: str, seed: int, rate: float, replicas: int
) -> None:
    from tests.pg import create_database

    with storm_bot(tmp_path, create_database(postgres_admin_url), replicas=replicas) as bot:
        result = bot.run(seed=seed, rate=rate)
    assert_exact(result)
