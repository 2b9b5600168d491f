"""The Home tab builder: valid Block Kit within Slack's view limits, for owners and for everyone else."""

from __future__ import annotations

from dataclasses import replace

from bot.blocks.home import DigestLine, HomeContent, build_home
from slack_sandbox.api_views import check_view
from tests.bot.alerts.test_blocks import VIEW
from tests.bot.blocks.test_builders import kpi, snapshot

DIGESTS = [DigestLine("Daily metrics", "weekdays at 09:00", "Europe/Berlin", ("#kpi-daily",))]


def content(**changes: object) -> HomeContent:
    base = HomeContent(person="<@U1>", owned=[], alerts=[], digests=DIGESTS, updated="20 Nov 14:00 UTC")
    return replace(base, **changes)  # type: ignore[arg-type]


def texts(view: dict[str, object]) -> str:
    return str(view["blocks"])


def test_someone_who_owns_nothing_gets_a_useful_home() -> None:
    view = build_home(content(all_alerts=2))
    assert check_view(view, kind="home") == []
    assert "You own no KPIs" in texts(view)
    assert "No open alerts on your KPIs (2 open on other KPIs" in texts(view)
    assert "*Daily metrics*: weekdays at 09:00 (Europe/Berlin) in #kpi-daily" in texts(view)


def test_an_owner_sees_health_goal_and_alerts_with_their_buttons() -> None:
    mrr = snapshot(kpi(), [300_000 + 15_000 * m for m in range(11)])
    view = build_home(content(owned=[mrr], alerts=[VIEW]))
    assert check_view(view, kind="home") == []
    assert "Health: 🟢 healthy" in texts(view)
    assert "Goal: 🎯 behind target: 90% of ≥ $500K" in texts(view)
    assert "Churn Rate Spike" in texts(view)
    action_ids = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]  # type: ignore[attr-defined,index]
    assert "kpibot:alert_ack:12" in action_ids and "kpibot:home_dashboard" in action_ids


def test_many_kpis_and_alerts_stay_within_a_hundred_blocks() -> None:
    owned = [snapshot(kpi(f"k{n}"), [100.0, 200.0]) for n in range(40)]
    alerts = [replace(VIEW, id=n) for n in range(30)]
    view = build_home(content(owned=owned, alerts=alerts))
    assert check_view(view, kind="home") == []
    assert len(view["blocks"]) <= 100  # type: ignore[arg-type]
    assert "and 20 more" in texts(view) and "and 20 more: `/kpi alerts`" in texts(view)
