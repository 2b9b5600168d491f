"""Who may press an alert's buttons (`who_can_act` in alerts.yml), checked against Slack.

- `anyone`;
- `channel_members` (the default): members of a channel where the alert's message is (conversations.members),
  or the recipient of a DM copy;
- `owners`: the KPI's owners and the escalation targets only.
Owners and escalation targets may always act. A refusal says why, and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from slack_sdk import WebClient

from bot.alerts.destinations import DestinationResolver
from bot.slack.errors import SlackError, classify
from kpi_core.alerts.config import AlertsConfig
from kpi_core.alerts.lifecycle import Incident
from kpi_core.alerts.routing import IncidentFacts, Permission, allowed_actors, check_permission, route
from kpi_core.alerts.rules import AlertRule
from kpi_core.alerts.store import IncidentMessage
from kpi_core.config.models import KpiDefinition

log = logging.getLogger(__name__)


class ActionGate:
    """`check(incident, user_id=..., copies=...)` -> Permission(allowed, reason)."""

    def __init__(
        self,
        client: WebClient,
        *,
        resolver: DestinationResolver,
        config: AlertsConfig,
        rules: Mapping[str, AlertRule],
        kpis: Mapping[str, KpiDefinition],
    ) -> None:
        self._client = client
        self._resolver = resolver
        self._config = config
        self._rules = rules
        self._kpis = kpis

    def facts(self, incident: Incident) -> IncidentFacts:
        rule = self._rules.get(incident.rule_key)
        if rule is not None:
            return IncidentFacts.from_rule(rule, severity=incident.severity, labels=incident.labels)
        kpi = self._kpis.get(incident.kpi_key)  # the rule was removed; its KPI still has owners
        return IncidentFacts(
            rule_key=incident.rule_key,
            rule_name=incident.rule_name,
            kpi_key=incident.kpi_key,
            category=kpi.category if kpi is not None else "general",
            severity=incident.severity,
            labels=incident.labels,
            owners=kpi.owners if kpi is not None else (),
        )

    def check(self, incident: Incident, *, user_id: str, copies: Sequence[IncidentMessage]) -> Permission:
        facts = self.facts(incident)
        decisions = route(facts, self._config)
        policy = decisions[0].who_can_act if decisions else self._config.who_can_act
        allowed = self._user_ids(allowed_actors(facts, decisions))
        if policy == "anyone" or user_id in allowed:
            return Permission(True)
        in_channel = policy == "channel_members" and any(self._can_see(user_id, c) for c in copies)
        channels = " or ".join(sorted({c.destination for c in copies if c.destination.startswith("#")}))
        permission = check_permission(
            policy, user_id=user_id, in_channel=in_channel, allowed_users=allowed, channel=channels or None
        )
        if permission.allowed:
            return permission
        owners = ", ".join(o.removeprefix("email:") for o in facts.owners) or "none configured"
        return Permission(False, f"{permission.reason} The KPI's owners ({owners}) can. Nothing was changed.")

    def _user_ids(self, destinations: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for destination in destinations:
            try:
                user = self._resolver.user_id(destination)
            except SlackError as problem:  # Slack is struggling: this click is judged without them
                log.warning("could not look up %s for a permission check: %s", destination, problem)
                continue
            if user:
                found.add(user)
        return found

    def _can_see(self, user_id: str, copy: IncidentMessage) -> bool:
        """A channel copy: a member of that channel. A DM copy: its recipient (no API call needed)."""
        if self._resolver.is_dm(copy.destination):
            try:
                return self._resolver.user_id(copy.destination) == user_id
            except SlackError:
                return False
        return self._is_member(user_id, copy.channel)

    def _is_member(self, user_id: str, channel: str) -> bool:
        cursor: str | None = None
        while True:
            try:
                response = self._client.conversations_members(channel=channel, limit=1000, cursor=cursor)
            except Exception as error:
                log.warning("conversations.members %s failed: %s", channel, classify(error))
                return False
            if user_id in (response.get("members") or []):
                return True
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return False
