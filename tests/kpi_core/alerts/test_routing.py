from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kpi_core.alerts.config import QuietHours
from kpi_core.alerts.routing import IncidentFacts, allowed_actors, check_permission, quiet_until, route
from tests.kpi_core.alerts.helpers import config

ROUTING = config(
    {
        "fallback_channel": "#kpi-ops",
        "routing": {
            "repeat_interval": "24h",
            "routes": [
                {
                    "name": "exec",
                    "match": {"severity": "critical", "kpi": ["churn", "mrr_growth_rate"]},
                    "channels": ["#exec-alerts"],
                    "mentions": ["@here"],
                    "rule_recipients": False,
                    "continue": True,
                },
                {
                    "name": "critical",
                    "match": {"severity": "critical"},
                    "channels": ["#kpi-alerts", "#exec-alerts"],
                    "mentions": ["@here"],
                    "owner_dms": True,
                    "repeat_interval": "4h",
                    "escalate_after": 30,
                    "escalation": ["cfo@datainsight.pro"],
                    "who_can_act": "owners",
                },
                {
                    "name": "product",
                    "match": {"category": "Product"},
                    "channels": ["#product"],
                    "routes": [
                        {"name": "oncall", "match": {"labels": {"team": "sre"}}, "channels": ["#sre"]}
                    ],
                },
                {
                    "name": "warning",
                    "match": {"severity": "warning"},
                    "channels": ["#kpi-alerts"],
                    "quiet_hours": {"start": "20:00", "end": "08:00", "timezone": "Europe/Paris"},
                },
                {"name": "info", "match": {"severity": "info"}, "digest_only": True},
            ],
        },
    }
)


def _facts(severity: str, kpi: str = "monthly_churn_rate", **kw: object) -> IncidentFacts:
    names = {"monthly_churn_rate": ("monthly_churn_rate", "Monthly Churn Rate", "churn")}.get(kpi, (kpi,))
    fields: dict[str, object] = {
        "rule_key": "r",
        "rule_name": "Rule",
        "kpi_key": kpi,
        "category": "revenue",
        "severity": severity,
        "recipients": ("email:ceo@datainsight.pro", "owner"),
        "owners": ("cro@datainsight.pro", "U024BE7LH"),
        "kpi_names": names,
        **kw,
    }
    return IncidentFacts(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (  # exec continues into critical; each destination appears once, earliest route first
            _facts("critical"),
            [
                ("root.exec", ("#exec-alerts",), ("@here",)),
                (
                    "root.critical",
                    ("#kpi-alerts", "email:ceo@datainsight.pro", "email:cro@datainsight.pro", "U024BE7LH"),
                    ("@here",),
                ),
            ],
        ),
        (
            _facts("critical", kpi="uptime", category="product"),
            [
                (
                    "root.critical",
                    (
                        "#kpi-alerts",
                        "#exec-alerts",
                        "email:ceo@datainsight.pro",
                        "email:cro@datainsight.pro",
                        "U024BE7LH",
                    ),
                    ("@here",),
                )
            ],
        ),
        (  # first match wins: product before warning; a nested route inherits and narrows
            _facts("warning", kpi="uptime", category="product", labels=(("team", "sre"),), recipients=()),
            [("root.product.oncall", ("#sre",), ())],
        ),
        (
            _facts("warning", kpi="uptime", category="product", recipients=()),
            [("root.product", ("#product",), ())],
        ),
        (_facts("warning", recipients=()), [("root.warning", ("#kpi-alerts",), ())]),
        (_facts("info"), [("root.info", ("digest",), ())]),
    ],
)
def test_route_tree(
    facts: IncidentFacts, expected: list[tuple[str, tuple[str, ...], tuple[str, ...]]]
) -> None:
    assert [(d.route, d.destinations, d.mentions) for d in route(facts, ROUTING)] == expected


def test_route_settings_are_inherited_and_overridden() -> None:
    exec_route, critical = route(_facts("critical"), ROUTING)
    assert exec_route.repeat_interval == timedelta(hours=24)  # from the root
    assert critical.repeat_interval == timedelta(hours=4)
    assert (critical.escalate_after, critical.escalation) == (
        timedelta(minutes=30),
        ("email:cfo@datainsight.pro",),
    )
    assert (exec_route.who_can_act, critical.who_can_act) == ("channel_members", "owners")
    (warning,) = route(_facts("warning", recipients=()), ROUTING)
    assert warning.quiet_hours is not None and warning.quiet_hours.timezone == "Europe/Paris"


def test_an_incident_that_reaches_nobody_goes_to_the_fallback_channel() -> None:
    (decision,) = route(_facts("warning", recipients=()), config({"fallback_channel": "#kpi-ops"}))
    assert (decision.route, decision.destinations, decision.fallback) == ("fallback", ("#kpi-ops",), True)
    # with no routes at all, the rule's own recipients still get it
    (direct,) = route(_facts("warning", recipients=("#team",)), config({}))
    assert direct.destinations == ("#team",)


PARIS = QuietHours(start="20:00", end="08:00", timezone="Europe/Paris")  # type: ignore[arg-type]
DAYTIME = QuietHours(start="12:00", end="14:00", timezone="UTC")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("quiet", "now", "until"),
    [
        (PARIS, datetime(2026, 3, 2, 18, 59, tzinfo=UTC), None),  # 19:59 in Paris (UTC+1)
        (PARIS, datetime(2026, 3, 2, 19, 0, tzinfo=UTC), datetime(2026, 3, 3, 7, 0, tzinfo=UTC)),
        (PARIS, datetime(2026, 3, 3, 2, 0, tzinfo=UTC), datetime(2026, 3, 3, 7, 0, tzinfo=UTC)),
        (PARIS, datetime(2026, 3, 3, 7, 0, tzinfo=UTC), None),
        (
            PARIS,
            datetime(2026, 7, 3, 5, 30, tzinfo=UTC),
            datetime(2026, 7, 3, 6, 0, tzinfo=UTC),
        ),  # summer: UTC+2
        (DAYTIME, datetime(2026, 3, 2, 13, 0, tzinfo=UTC), datetime(2026, 3, 2, 14, 0, tzinfo=UTC)),
        (DAYTIME, datetime(2026, 3, 2, 14, 0, tzinfo=UTC), None),
        (None, datetime(2026, 3, 2, 13, 0, tzinfo=UTC), None),
    ],
)
def test_quiet_hours(quiet: QuietHours | None, now: datetime, until: datetime | None) -> None:
    assert quiet_until(quiet, now) == until


@pytest.mark.parametrize(
    ("policy", "user", "in_channel", "allowed", "reason"),
    [
        ("anyone", "U1", False, True, ""),
        ("channel_members", "U1", True, True, ""),
        ("channel_members", "U1", False, False, "Only members of #kpi-alerts can act on this alert"),
        ("channel_members", "UOWNER", False, True, ""),
        ("owners", "U1", True, False, "Only the KPI's owners and the escalation targets"),
        ("owners", "UOWNER", True, True, ""),
    ],
)
def test_who_can_act(policy: str, user: str, in_channel: bool, allowed: bool, reason: str) -> None:
    permission = check_permission(
        policy,
        user_id=user,
        in_channel=in_channel,
        allowed_users={"UOWNER"},
        channel="#kpi-alerts",  # type: ignore[arg-type]
    )
    assert permission.allowed is allowed
    assert permission.reason.startswith(reason)


def test_allowed_actors_are_owners_and_escalation_targets() -> None:
    facts = _facts("critical")
    assert allowed_actors(facts, route(facts, ROUTING)) == (
        "email:cro@datainsight.pro",
        "U024BE7LH",
        "email:cfo@datainsight.pro",
    )
