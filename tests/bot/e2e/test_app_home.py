"""The App Home tab end to end: published when someone opens it, refreshed after an alert."""

from __future__ import annotations

import json
from typing import Any

from bot.background import build_background
from kpi_core.clock import ManualClock
from kpi_core.sources import recompute_formulas
from kpibot_demo.stack import SandboxStack


def home_text(view: dict[str, Any] | None) -> str:
    assert view is not None, "no Home view was published"
    return json.dumps(view["blocks"], ensure_ascii=False)


def open_home(stack: SandboxStack, user: str) -> dict[str, Any]:
    before = len(stack.emulator.calls_to("views.publish", ok=True))
    delivery = stack.emulator.open_home(stack.user(user))
    assert delivery.status == 200, delivery
    stack.emulator.wait_for(
        lambda: len(stack.emulator.calls_to("views.publish", ok=True)) > before, timeout=20
    )
    view = stack.emulator.home_view(stack.user(user))
    assert view is not None and view["type"] == "home"
    return view


def record(stack: SandboxStack, key: str, value: float) -> None:
    runtime = stack.runtime
    now = runtime.clock.now()
    runtime.service.store.record(key, runtime.service.today(), value, source="push", now=now)
    recompute_formulas(runtime.config, runtime.db, now=now, changed=[key])


def test_home_for_someone_who_owns_nothing(stack: SandboxStack) -> None:
    text = home_text(open_home(stack, "dana"))
    assert "You own no KPIs" in text and "Send me the dashboard" in text
    assert "Daily metrics" in text and "#kpi-daily" in text  # the digests and where they post


def test_home_shows_owned_kpis_and_is_refreshed_after_an_alert(
    stack: SandboxStack, clock: ManualClock
) -> None:
    background = build_background(stack.runtime, client=stack.app.client, answers=stack.answers)
    background.tick()  # the alert state at DEMO_NOW, before anyone looks
    text = home_text(open_home(stack, "head-of-cs"))
    assert "Your KPIs" in text and "Monthly Churn Rate" in text and "Health:" in text and "Goal:" in text
    assert "Churn Rate Spike" not in text
    published = len(stack.emulator.calls_to("views.publish", ok=True))

    clock.advance(seconds=60)
    record(stack, "monthly_churn_rate", 9.0)  # past the critical threshold
    background.tick()  # the alert fires; the owner's Home follows
    assert len(stack.emulator.calls_to("views.publish", ok=True)) == published + 1
    view = stack.emulator.home_view(stack.user("head-of-cs"))
    text = home_text(view)
    assert "Churn Rate Spike" in text and "Acknowledge" in text
    buttons = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]  # type: ignore[index]
    assert any(a.startswith("kpibot:alert_ack") for a in buttons)  # the same buttons as the alert message

    # nothing changed: no publish; a change within 30 s waits for the next tick after it
    background.tick()
    assert len(stack.emulator.calls_to("views.publish", ok=True)) == published + 1
    record(stack, "monthly_churn_rate", 9.5)
    clock.advance(seconds=10)
    background.tick()
    assert len(stack.emulator.calls_to("views.publish", ok=True)) == published + 1  # rate-limited
    clock.advance(seconds=30)
    background.tick()
    assert len(stack.emulator.calls_to("views.publish", ok=True)) == published + 2
    assert "9.5%" in home_text(stack.emulator.home_view(stack.user("head-of-cs")))


def test_acknowledge_from_the_home_tab(stack: SandboxStack, clock: ManualClock) -> None:
    background = build_background(stack.runtime, client=stack.app.client, answers=stack.answers)
    open_home(stack, "head-of-cs")
    clock.advance(seconds=60)
    record(stack, "monthly_churn_rate", 9.0)
    background.tick()
    view = stack.emulator.home_view(stack.user("head-of-cs"))
    ack = next(
        e
        for b in view["blocks"]  # type: ignore[index]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("kpibot:alert_ack")
    )
    delivery = stack.emulator.click_home(user=stack.user("head-of-cs"), action_id=ack["action_id"])
    assert delivery.status == 200, delivery
    stack.answers.alerts.wait_handled(1, timeout=20)  # type: ignore[union-attr]
    clock.advance(seconds=60)
    background.tick()  # the channel copies update; the Home shows who acknowledged
    text = home_text(stack.emulator.home_view(stack.user("head-of-cs")))
    assert "Acknowledged by" in text and f'"{ack["action_id"]}"' not in text  # no longer to acknowledge


def test_dashboard_quick_action_posts_to_the_persons_dm(stack: SandboxStack) -> None:
    open_home(stack, "dana")
    delivery = stack.emulator.click_home(user=stack.user("dana"), action_id="kpibot:home_dashboard")
    assert delivery.status == 200, delivery
    dm = stack.emulator.wait_for(lambda: stack.emulator.im_channel(stack.user("dana")), timeout=20)
    [dashboard] = stack.emulator.wait_for(
        lambda: [m for m in stack.emulator.messages(dm.id) if m.blocks] or None, timeout=20
    )
    assert dashboard.blocks[0]["type"] == "header" and "image" in {b["type"] for b in dashboard.blocks}
