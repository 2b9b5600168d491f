"""The incident message names a flow's running period as "to date", never as the whole period."""

from __future__ import annotations

from datetime import UTC, date, datetime

from slack_sdk import WebClient

from bot.alerts.messages import MessageAssembler
from bot.alerts.names import PeopleNames
from kpi_core.alerts.lifecycle import Incident
from kpi_core.config.models import KpiDefinition

SIGNUPS = KpiDefinition.model_validate(
    {"key": "signups", "name": "Signups", "unit": "count", "grain": "monthly"}  # a sum: a flow
)
CUSTOMERS = KpiDefinition.model_validate(
    {"key": "customers", "name": "Customers", "unit": "count", "grain": "monthly", "measure": "level"}
)


def incident(kpi: KpiDefinition, *, period: date, updated: datetime) -> Incident:
    return Incident(
        id=1,
        rule_key="r",
        rule_name="Rule",
        kpi_key=kpi.key,
        labels=(),
        mode="state",
        state="firing",
        severity="warning",
        version=1,
        opened_at=updated,
        updated_at=updated,
        period=period,
    )


def assembler() -> MessageAssembler:
    names = PeopleNames(WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/"))
    kpis = {"signups": SIGNUPS, "customers": CUSTOMERS}
    return MessageAssembler(kpis=kpis, rules={}, names=names, timezone="Europe/Berlin")


def test_a_flows_running_month_is_labelled_to_date() -> None:
    # 30 Nov 23:30 UTC is already 1 Dec in Berlin: December is running there
    view = assembler().view(
        incident(SIGNUPS, period=date(2026, 12, 1), updated=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    )
    assert view.period == "Dec 2026 to date"


def test_a_complete_month_and_a_level_are_named_plainly() -> None:
    done = assembler().view(
        incident(SIGNUPS, period=date(2026, 11, 1), updated=datetime(2026, 12, 2, tzinfo=UTC))
    )
    assert done.period == "Nov 2026"
    level = assembler().view(
        incident(CUSTOMERS, period=date(2026, 12, 1), updated=datetime(2026, 12, 2, tzinfo=UTC))
    )
    assert level.period == "Dec 2026"
