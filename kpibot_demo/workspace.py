"""The demo's Slack workspace, derived from the config: who is in it, which channels exist, what each is for.

    people = demo_people(config)        # every KPI owner and alert recipient by email, plus Dana (analyst)
    rooms = demo_channels(config, people)
    SandboxStack.start(..., channels=rooms, users=people)

Dana is the one person who owns no KPI. She reads the digests but sits outside the alert channels and the
leadership rooms, so the page can show who may act on an alert (alerts.yml's `who_can_act:
channel_members`: members of a channel the alert was posted to, and the KPI's owners) by switching "Act as".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from kpi_core.alerts.route_config import RouteConfig
from kpi_core.config.loader import AppConfig

ANALYST = {"name": "dana", "email": "dana@northwind.example", "real_name": "Dana (analyst)"}
GENERAL = "general"
# Leadership rooms (the board report). Everyone but the analyst is a member, as of the alert channels.
LEADERSHIP = ("exec", "kpi-board")
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{8,}")
ACRONYM_ROLES = {"ceo", "cfo", "cro", "cmo", "cpo", "coo", "cto", "chro", "cs", "hr", "vp"}


def role_title(local_part: str) -> str:
    """`cfo` -> "CFO", `head-of-cs` -> "Head of CS", `growth` -> "Growth" (the directory's display name)."""
    words = local_part.replace(".", "-").replace("_", "-").split("-")
    out = [w.upper() if w in ACRONYM_ROLES else (w if w in ("of", "and") else w.capitalize()) for w in words]
    return " ".join(part for part in out if part)


def _recipient_email(recipient: str) -> str | None:
    ref = recipient.removeprefix("email:")
    return ref.lower() if "@" in ref and not ref.startswith(("#", "<")) else None


def _recipient_channel(recipient: str) -> str | None:
    ref = recipient.removeprefix("channel:")
    return ref.lstrip("#") if ref.startswith("#") else None


def _channel_name(ref: str) -> str | None:
    """`#kpi-daily` or `kpi-daily` -> "kpi-daily"; a channel id (C0123ABCD) is not a name to create."""
    return None if CHANNEL_ID.fullmatch(ref) else ref.lstrip("#")


def _routes(route: RouteConfig) -> Iterator[RouteConfig]:
    yield route
    for child in route.routes:
        yield from _routes(child)


def demo_emails(config: AppConfig) -> list[str]:
    """KPI owners, then alert recipients and escalation targets, in first-seen order."""
    emails: list[str] = [owner.lower() for kpi in config.kpis.values() for owner in kpi.owners]
    for rule in config.alerts.alerts:
        emails += [e for e in map(_recipient_email, rule.recipients) if e]
    for route in _routes(config.alerts.routing):
        emails += [e for e in map(_recipient_email, route.escalation or ()) if e]
    return [e for e in dict.fromkeys(emails) if "@" in e and e != ANALYST["email"]]


def demo_people(config: AppConfig) -> list[dict[str, Any]]:
    """The seeded users: one per email in the config (display name = role), then the analyst."""
    people = [
        {"name": email.split("@")[0], "email": email, "real_name": role_title(email.split("@")[0])}
        for email in demo_emails(config)
    ]
    return [*people, dict(ANALYST)]


def channel_names(config: AppConfig) -> list[str]:
    """#general, every digest channel, every alert route/recipient channel and the fallback channel."""
    names = [GENERAL]
    for digest in config.digests.digests.values():
        names += [n for n in map(_channel_name, digest.channels) if n]
    for route in _routes(config.alerts.routing):
        names += [n for n in map(_channel_name, route.channels or ()) if n]
    for rule in config.alerts.alerts:
        names += [c for c in map(_recipient_channel, rule.recipients) if c]
    names.append(config.alerts.fallback_channel.lstrip("#"))
    return list(dict.fromkeys(n for n in names if n))


def alert_channels(config: AppConfig) -> set[str]:
    """Every channel an alert route or rule posts to (not the fallback: that one is for problems)."""
    names = {
        n for route in _routes(config.alerts.routing) for n in map(_channel_name, route.channels or ()) if n
    }
    for rule in config.alerts.alerts:
        names.update(c for c in map(_recipient_channel, rule.recipients) if c)
    return names


def demo_channels(config: AppConfig, people: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Channel specs for SandboxStack: everyone is in every channel, except the analyst in the alert
    channels and the leadership rooms."""
    everyone = [p["name"] for p in people]
    outside = {*LEADERSHIP, *alert_channels(config)}
    rooms = []
    for name in channel_names(config):
        members = [p for p in everyone if not (p == ANALYST["name"] and name in outside)]
        rooms.append({"name": name, "members": members})
    return rooms


def channel_about(config: AppConfig) -> dict[str, str]:
    """A one-line description per channel name, from what the config sends there."""
    about: dict[str, list[str]] = {GENERAL: ["Ask kpibot anything: type /kpi help"]}
    for digest in config.digests.enabled():
        for channel in digest.channels:
            about.setdefault(channel.lstrip("#"), []).append(
                f"{digest.title or digest.name} digest, {digest.schedule} ({digest.timezone})"
            )
    for route in _routes(config.alerts.routing):
        severities = "/".join(route.match.severity or ()) or "all"
        subject = f" on {', '.join(route.match.kpi)}" if route.match.kpi else ""
        for channel in route.channels or ():
            about.setdefault(channel.lstrip("#"), []).append(f"{severities} alerts{subject}")
    fallback = config.alerts.fallback_channel.lstrip("#")
    about.setdefault(fallback, []).append("alerts whose recipients could not be reached, and bot problems")
    return {name: "; ".join(dict.fromkeys(lines)) for name, lines in about.items()}
