"""Routing: which destinations an incident goes to, with which mentions, repeats and escalation.

The route tree works like Alertmanager's: the root route matches everything, its children are tried
in order, the first match wins unless it says `continue: true`, a matching child with no matching
children of its own is the result, and unset settings are inherited from the parent. Nothing is ever
dropped: an incident that reaches no destination goes to the fallback channel.

>>> critical = {"match": {"severity": "critical"}, "channels": ["#exec-alerts"], "mentions": ["@here"]}
>>> config = AlertsConfig.model_validate({"routing": {"routes": [critical]}})
>>> facts = IncidentFacts(rule_key="r", rule_name="R", kpi_key="churn", category="sales", severity="critical")
>>> [(d.destinations, d.mentions) for d in route(facts, config)]
[(('#exec-alerts',), ('@here',))]
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from kpi_core.alerts.config import AlertsConfig, QuietHours, RouteConfig, RouteMatch, Severity, WhoCanAct
from kpi_core.alerts.destinations import DIGEST, OWNER, owner_destinations
from kpi_core.alerts.rules import AlertRule
from kpi_core.catalog import normalize_name


@dataclass(frozen=True)
class IncidentFacts:
    """What routing looks at: the rule, the KPI, the current severity and labels, and who to tell."""

    rule_key: str
    rule_name: str
    kpi_key: str
    category: str
    severity: Severity
    labels: tuple[tuple[str, str], ...] = ()
    recipients: tuple[str, ...] = ()  # the rule's, `owner` included as written
    owners: tuple[str, ...] = ()  # the KPI's owners as in kpis.yml
    kpi_names: tuple[str, ...] = ()  # key, name and aliases, for `match.kpi`

    @classmethod
    def from_rule(
        cls, rule: AlertRule, *, severity: Severity | None = None, labels: tuple[tuple[str, str], ...] = ()
    ) -> IncidentFacts:
        kpi = rule.kpi
        return cls(
            rule_key=rule.key,
            rule_name=rule.name,
            kpi_key=kpi.key,
            category=rule.category,
            severity=severity or rule.severity,
            labels=labels or rule.labels,
            recipients=rule.recipients,
            owners=kpi.owners,
            kpi_names=(kpi.key, kpi.name, *kpi.aliases),
        )


@dataclass(frozen=True)
class RouteDecision:
    """Where and how one matched route delivers an incident. Destinations are canonical strings."""

    route: str
    destinations: tuple[str, ...]
    mentions: tuple[str, ...] = ()
    repeat_interval: timedelta | None = None
    escalate_after: timedelta | None = None
    escalation: tuple[str, ...] = ()
    quiet_hours: QuietHours | None = None
    digest_only: bool = False
    who_can_act: WhoCanAct = "channel_members"
    fallback: bool = False  # nothing else matched: the fallback channel


@dataclass(frozen=True)
class _Settings:
    channels: tuple[str, ...] = ()
    owner_dms: bool = False
    rule_recipients: bool = True
    mentions: tuple[str, ...] = ()
    repeat_interval: timedelta | None = None
    escalate_after: timedelta | None = None
    escalation: tuple[str, ...] = ()
    quiet_hours: QuietHours | None = None
    digest_only: bool = False
    who_can_act: WhoCanAct | None = None
    names: tuple[str, ...] = field(default=())

    def inherit(self, node: RouteConfig, name: str) -> _Settings:
        changes = {
            key: getattr(node, key)
            for key in (
                "channels",
                "owner_dms",
                "rule_recipients",
                "mentions",
                "repeat_interval",
                "escalate_after",
                "escalation",
                "quiet_hours",
                "digest_only",
                "who_can_act",
            )
            if getattr(node, key) is not None
        }
        return replace(self, **changes, names=(*self.names, name))


def route(incident: IncidentFacts, config: AlertsConfig) -> list[RouteDecision]:
    """The route decisions for an incident, in tree order; each destination appears once overall."""
    root = config.routing
    matched = _walk(root, _Settings(), incident, "root") if _matches(root.match, incident) else []
    decisions: list[RouteDecision] = []
    seen: set[str] = set()
    for settings in matched:
        destinations = [d for d in _destinations(settings, incident) if d not in seen]
        seen.update(destinations)
        decisions.append(
            RouteDecision(
                route=".".join(settings.names),
                destinations=tuple(destinations),
                mentions=settings.mentions,
                repeat_interval=settings.repeat_interval or None,
                escalate_after=settings.escalate_after,
                escalation=settings.escalation,
                quiet_hours=settings.quiet_hours,
                digest_only=settings.digest_only,
                who_can_act=settings.who_can_act or config.who_can_act,
            )
        )
    if not any(decision.destinations for decision in decisions):
        decisions = [
            RouteDecision(
                route="fallback",
                destinations=(config.fallback_channel,),
                who_can_act=config.who_can_act,
                fallback=True,
            )
        ]
    return decisions


def _walk(node: RouteConfig, inherited: _Settings, incident: IncidentFacts, name: str) -> list[_Settings]:
    settings = inherited.inherit(node, node.name or name)
    matched: list[_Settings] = []
    for index, child in enumerate(node.routes):
        if _matches(child.match, incident):
            matched += _walk(child, settings, incident, f"routes[{index}]")
            if not child.continue_:
                break
    return matched or [settings]


def _matches(match: RouteMatch, incident: IncidentFacts) -> bool:
    if match.severity is not None and incident.severity not in match.severity:
        return False
    if match.category is not None and normalize_name(incident.category) not in {
        normalize_name(c) for c in match.category
    }:
        return False
    if match.kpi is not None:
        names = {normalize_name(n) for n in (incident.kpi_key, *incident.kpi_names)}
        if not names & {normalize_name(k) for k in match.kpi}:
            return False
    if match.rule is not None and not {incident.rule_key, incident.rule_name} & set(match.rule):
        return False
    labels = dict(incident.labels)
    return all(labels.get(key) == str(value) for key, value in match.labels.items())


def _destinations(settings: _Settings, incident: IncidentFacts) -> list[str]:
    if settings.digest_only:
        return [DIGEST]
    out: list[str] = list(settings.channels)
    if settings.rule_recipients:
        for recipient in incident.recipients:
            out += owner_destinations(incident.owners) if recipient == OWNER else [recipient]
    if settings.owner_dms:
        out += owner_destinations(incident.owners)
    return list(dict.fromkeys(out))


def quiet_until(quiet: QuietHours | None, now: datetime) -> datetime | None:
    """When the quiet hours that contain `now` end (UTC), or None if `now` is not in quiet hours.

    Quiet hours may span midnight (20:00 to 08:00); start == end means no quiet hours.
    """
    if quiet is None or quiet.start == quiet.end:
        return None
    zone = ZoneInfo(quiet.timezone)
    local = now.astimezone(zone)
    moment = local.time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        if not quiet.start <= moment < quiet.end:
            return None
        end_day = local.date()
    else:
        if quiet.end <= moment < quiet.start:
            return None
        end_day = local.date() + timedelta(days=1) if moment >= quiet.start else local.date()
    return datetime.combine(end_day, quiet.end, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Permission:
    """Whether a user may act on an alert; `reason` is what an unauthorized user is told."""

    allowed: bool
    reason: str = ""


def check_permission(
    policy: WhoCanAct,
    *,
    user_id: str,
    in_channel: bool,
    allowed_users: Collection[str] = (),
    channel: str | None = None,
) -> Permission:
    """`anyone`; `channel_members` (whoever can see the message where they clicked: channel members,
    or the DM's recipient); `owners` (the KPI's owners and the escalation targets, as user ids).
    Owners and escalation targets may always act."""
    if policy == "anyone" or user_id in allowed_users:
        return Permission(True)
    if policy == "channel_members":
        if in_channel:
            return Permission(True)
        where = f"members of {channel}" if channel else "members of the alert's channel"
        return Permission(False, f"Only {where} can act on this alert.")
    return Permission(False, "Only the KPI's owners and the escalation targets can act on this alert.")


def allowed_actors(incident: IncidentFacts, decisions: list[RouteDecision]) -> tuple[str, ...]:
    """The destinations whose users may always act: the KPI's owners and the escalation targets.
    The Slack layer resolves them to user ids for `check_permission(allowed_users=...)`."""
    out = owner_destinations(incident.owners)
    for decision in decisions:
        out += [d for d in decision.escalation if not d.startswith("#")]
    return tuple(dict.fromkeys(out))
