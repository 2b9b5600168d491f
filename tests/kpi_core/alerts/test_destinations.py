"""Recipients as written in the config: Slack ids of any length, Slack's own mention syntax, handles."""

from __future__ import annotations

import pytest

from kpi_core.alerts.destinations import parse_destination, parse_recipient
from kpi_core.config.models import KpiDefinition
from kpi_core.digests.config import check_channel


@pytest.mark.parametrize(
    ("written", "kind", "value"),
    [
        ("U0CEO", "user_id", "U0CEO"),  # short: Slack ids have no fixed length
        ("U024BE7LH", "user_id", "U024BE7LH"),
        ("W0123456789ABCDEF", "user_id", "W0123456789ABCDEF"),
        ("<@U0CEO>", "user_id", "U0CEO"),
        ("<@UABCDEF|jane>", "user_id", "UABCDEF"),  # mention syntax takes any id as it is
        ("C1", "channel_id", "C1"),
        ("<#C0KPI|kpi-alerts>", "channel_id", "C0KPI"),
        ("#kpi-alerts", "channel", "kpi-alerts"),
        ("ceo@northwind.example", "email", "ceo@northwind.example"),
    ],
)
def test_ids_are_taken_as_written(written: str, kind: str, value: str) -> None:
    destination = parse_destination(written)
    assert (destination.kind, destination.value) == (kind, value)


@pytest.mark.parametrize("role", ["CRO", "CEO", "VP", "@jane", "Growth"])
def test_role_handles_stay_handles(role: str) -> None:
    assert parse_destination(role, allow_handles=True).kind == "handle"
    with pytest.raises(ValueError, match="is not a recipient"):
        parse_destination(role)


def test_a_canonical_recipient_parses_back_to_itself() -> None:
    for written in ("<@U0CEO>", "U0CEO", "<#C0KPI>", "#kpi-alerts", "ceo@northwind.example"):
        canonical = parse_recipient(written)
        assert parse_recipient(canonical) == canonical


def test_digest_channels_and_owners_take_slack_mentions() -> None:
    assert check_channel("<#C0KPI|kpi-board>") == "C0KPI"
    assert check_channel("C1") == "C1"
    with pytest.raises(ValueError, match="is not a channel"):
        check_channel("#KPI Board!")
    kpi = KpiDefinition.model_validate({"key": "mrr", "name": "MRR", "owner": ["<@U0CEO>", "cfo@x.example"]})
    assert kpi.owners == ("U0CEO", "cfo@x.example")
