"""The path `kpibot demo` shows, on the demo's own config, data and workspace: a critical value is recorded,
the alert appears in #exec-alerts and in the owner's DM, a non-owner's Acknowledge is refused with the
reason, and the owner's updates the message in both places."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot import actions as ids
from bot.alerts.jobs import SlackAlertJobs
from bot.alerts.pacing import manual_pacer
from kpi_core.clock import ManualClock
from kpi_core.config.loader import load_config
from kpi_core.sources import recompute_formulas
from kpibot_demo.stack import SandboxStack
from kpibot_demo.workspace import demo_channels, demo_people
from tests.bot.e2e.helpers import assert_valid_message, text_of
from tests.conftest import DEMO_CONFIG


@pytest.fixture
def demo(demo_db_url: str, clock: ManualClock) -> Iterator[SandboxStack]:
    config = load_config(DEMO_CONFIG)
    people = demo_people(config)
    with SandboxStack.start(
        config_dir=DEMO_CONFIG,
        database_url=demo_db_url,
        clock=clock,
        channels=demo_channels(config, people),
        users=people,
    ) as stack:
        jobs = stack.answers.alerts
        assert isinstance(jobs, SlackAlertJobs)
        jobs.sender.pacer = manual_pacer(clock)
        yield stack


def churn_alert(stack: SandboxStack, where: str) -> Any:
    found = stack.emulator.find_messages(channel=where, contains="Churn Rate Spike")
    top = [m for m in found if not m.is_reply]
    assert len(top) == 1, [m.text for m in found]
    return top[0]


def ack_button(message: Any, incident_id: int) -> str:
    """The Acknowledge button of this incident (a storm message has one per incident)."""
    ack = ids.encode_action_id(ids.ALERT_ACK)
    for block in message.blocks:
        for element in block.get("elements") or [] if block["type"] == "actions" else []:
            args = ids.decode_action_id(element["action_id"], element.get("value")).args
            if element["action_id"].startswith(ack) and args.get("id") == str(incident_id):
                return str(element["action_id"])
    raise AssertionError(f"no Acknowledge for #{incident_id}")


def test_record_critical_then_refused_then_acknowledged(demo: SandboxStack, clock: ManualClock) -> None:
    jobs = demo.answers.alerts
    assert isinstance(jobs, SlackAlertJobs)
    jobs.tick(clock.now())  # what the demo data already says (its planted incidents)
    runtime = demo.runtime
    day = runtime.service.today()
    runtime.service.store.record("monthly_churn_rate", day, 7.5, source="push", now=clock.now())
    recompute_formulas(runtime.config, runtime.db, now=clock.now(), changed=["monthly_churn_rate"])
    jobs.tick(clock.now())
    exec_copy = churn_alert(demo, "exec-alerts")
    cro_dm = demo.emulator.im_channel("cro@northwind.example")
    assert cro_dm is not None
    dm_copy = churn_alert(demo, cro_dm.id)
    for message in (exec_copy, dm_copy):
        assert_valid_message(message)
        assert "7.5%" in text_of(message) and "Acknowledge" in text_of(message)
    assert "<!here>" in exec_copy.text

    [incident] = [i for i in jobs.store.open_incidents() if i.rule_key == "churn-rate-spike"]
    dana = demo.user("dana")
    before = len(demo.emulator.ephemerals(dana))
    demo.emulator.click(
        user=dana,
        channel=demo.channel("exec-alerts"),
        ts=exec_copy.ts,
        action_id=ids.encode_action_id(ids.ALERT_ACK),
    )
    [refusal] = demo.emulator.wait_for(lambda: demo.emulator.ephemerals(dana)[before:], timeout=10)
    assert "Only members of #exec-alerts or #kpi-alerts can act" in refusal.text
    assert "Nothing was changed" in refusal.text
    assert "Acknowledged by" not in text_of(churn_alert(demo, "exec-alerts"))

    demo.emulator.click(
        user=demo.user("cro@northwind.example"),
        channel=cro_dm.id,
        ts=dm_copy.ts,
        action_id=ack_button(dm_copy, incident.id),
    )
    name = demo.emulator.user("cro@northwind.example").real_name

    def acknowledged_everywhere() -> bool:
        return all(
            f"Acknowledged by {name}" in text_of(churn_alert(demo, where))
            for where in ("exec-alerts", cro_dm.id)
        )

    demo.emulator.wait_for(acknowledged_everywhere, timeout=10)
    for where in ("exec-alerts", cro_dm.id):
        message = churn_alert(demo, where)
        assert_valid_message(message)
        assert message.edited is not None and any("Acknowledged by" in r.text for r in message.replies)
