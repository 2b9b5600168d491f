"""SIGKILL at every step boundary of a digest send and of an alert send, then a restart: exactly one message
per destination, every time.

Each Slack write of a command is a step (crash_child.py numbers them). For every step, three deaths:
`before` the request leaves, `during` it (Slack acted, the answer never came back), `after` it (the answer
came, the process died before the database recorded it). Then `kpibot` is started again later than every
lease (once, or as two replicas at once) and must finish the work without repeating any of it. SQLite runs
the whole matrix; PostgreSQL runs it with two replicas restarting at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.digest_lookup import METADATA_TYPE
from scheduling.ledger import DigestLedger
from slack_sandbox import flatten_text
from tests.bot.alerts.invariants import check_exactly_once
from tests.bot.e2e.crash_world import CrashWorld, Plan, Zygote

DIGEST_STEPS = (
    "chat.postMessage",  # the digest
    "files.getUploadURLExternal",  # the chart: upload URL
    "files.completeUploadExternal",  # the chart: shared into the thread
    "chat.update",  # the digest edited to show it
    "chat.postMessage",  # thread overflow, part 1
    "chat.postMessage",  # thread overflow, part 2
)
FIRE_STEPS = (  # five incidents at once: one storm message per destination
    "chat.postMessage",  # #exec-alerts
    "conversations.open",  # the DM with the first owner
    "chat.postMessage",
    "conversations.open",  # the second owner
    "chat.postMessage",
)
RESOLVE_STEPS = ("chat.postMessage", "chat.update") * 3  # per copy: the thread note, then the edit
SCENARIOS = {
    "digest": (("digest", "send", "daily"), DIGEST_STEPS),
    "alert-fire": (("record", "churn_rate", "4.6"), FIRE_STEPS),
    "alert-resolve": (("record", "churn_rate", "3.0"), RESOLVE_STEPS),
}
RESTART = {
    "digest": ("digest", "send", "daily"),
    "alert-fire": ("alerts", "evaluate"),
    "alert-resolve": ("alerts", "evaluate"),
}
PHASES = ("before", "during", "after")
MATRIX = [
    (name, step, phase)
    for name, (_, steps) in SCENARIOS.items()
    for step in range(1, len(steps) + 1)
    for phase in PHASES
]


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    z = Zygote()
    yield z
    z.close()


def make_world(tmp_path: Path, url: str, zygote: Zygote, scenario: str) -> CrashWorld:
    world = CrashWorld.create(tmp_path, url, zygote=zygote)
    if scenario == "alert-resolve":  # the incidents fired and were delivered, cleanly
        assert world.run("record", "churn_rate", "4.6") == [0]
        world.forget_steps()
    return world


def crash(world: CrashWorld, scenario: str, step: int, phase: str) -> None:
    command, steps = SCENARIOS[scenario]
    if phase == "during":
        code = world.kill_during(
            *command, method=steps[step - 1], earlier=steps[: step - 1].count(steps[step - 1])
        )
    else:
        [code] = world.run(*command, plan=Plan(step, phase))
    assert code == -9, f"the command was not killed at step {step} ({phase})"
    done = tuple(world.steps())
    # `after` dies at the next commit: for a call recorded with the next one (the upload URL), one later
    assert (done[:step] if phase == "after" else done) == steps[:step], f"the steps were {done}"


def assert_exactly_once(world: CrashWorld, scenario: str) -> None:
    if scenario == "digest":
        assert_digest_once(world)
        return
    store, runtime = world.store()
    try:
        census = check_exactly_once(store, world.emulator)
        assert census.ok and census.failed == 0, str(census)
        copies = [m for i in store.open_incidents() + list(_all(store)) for m in store.messages(i.id)]
        assert len({(c.channel, c.ts) for c in copies}) == 3  # one storm message per destination
        if scenario == "alert-resolve":
            for channel, ts in {(c.channel, c.ts) for c in copies}:
                [message] = [m for m in world.emulator.messages(channel) if m.ts == ts]
                assert "all resolved" in flatten_text(message), flatten_text(message)[:200]
    finally:
        runtime.close()


def _all(store):  # every incident, open or not
    return [incident for n in range(1, 6) if (incident := store.get(n)) is not None]


def assert_digest_once(world: CrashWorld) -> None:
    channel = world.emulator.channel("kpi-daily").id
    [message] = world.emulator.messages(channel)  # exactly one digest message
    assert message.metadata and message.metadata["event_type"] == METADATA_TYPE
    shares = [f for r in message.replies if r.via == "files.completeUploadExternal" for f in r.files]
    [image] = [b for b in message.blocks if b["type"] == "image"]
    assert shares == [image["slack_file"]["id"]]  # one chart, shared once, and the message shows it
    parts = [r.metadata["event_payload"]["part"] for r in message.replies if r.metadata]
    assert parts == [1, 2]
    store, runtime = world.store()
    try:
        [run] = DigestLedger(store.db).runs(digest="daily")
        assert run.status == "posted" and run.posts[0].done and run.posts[0].charts_attached
    finally:
        runtime.close()


def test_the_steps_of_clean_runs(tmp_path: Path, zygote: Zygote) -> None:
    """The matrix's step lists are what the commands really do (and a clean run posts once)."""
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'kpibot.db'}", zygote, "digest")
    try:
        for name in SCENARIOS:
            command, steps = SCENARIOS[name]
            world.forget_steps()
            assert world.run(*command) == [0]
            assert tuple(world.steps()) == steps, name
        assert_digest_once(world)
        assert_exactly_once(world, "alert-resolve")
    finally:
        world.stop()


@pytest.mark.parametrize(("scenario", "step", "phase"), MATRIX)
def test_sigkill_then_restart_on_sqlite(
    tmp_path: Path, zygote: Zygote, scenario: str, step: int, phase: str
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'kpibot.db'}", zygote, scenario)
    try:
        crash(world, scenario, step, phase)
        assert world.run(*RESTART[scenario], later=True) == [0]
        assert_exactly_once(world, scenario)
    finally:
        world.stop()


PG_MATRIX = [
    (name, step, "during") for name, (_, steps) in SCENARIOS.items() for step in range(1, len(steps) + 1)
]


@pytest.mark.parametrize(("scenario", "step", "phase"), PG_MATRIX)
def test_sigkill_then_two_replicas_restart_on_postgresql(
    tmp_path: Path, zygote: Zygote, postgres_admin_url: str, scenario: str, step: int, phase: str
) -> None:
    from tests.pg import create_database

    world = make_world(tmp_path, create_database(postgres_admin_url), zygote, scenario)
    try:
        crash(world, scenario, step, phase)
        codes = world.run(*RESTART[scenario], later=True, replicas=2, allowed=(0, 1))
        assert codes in ([0, 0], [0, 1], [1, 0]), codes  # the loser of the claim may say "in progress"
        assert_exactly_once(world, scenario)
    finally:
        world.stop()
