"""The pydantic models of `digests.yml`: when each digest is posted, where, and what it contains.

```yaml
timezone: America/New_York            # default for digests that do not set one
digests:
  daily:
    schedule: weekdays at 09:00       # or cron: "0 9 * * 1-5" (0 and 7 are Sunday)
    channel: "#kpi-daily"
    sections:
      - headline: [uptime, dau]
      - table: {categories: [growth]}
      - movers: {count: 3}
```
Sections are written either as `- kind: headline` mappings or as one-key shorthands (`- headline: [...]`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import cached_property
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator, model_validator

from kpi_core.config.models import KpiCatalogConfig, KpiDefinition
from kpi_core.digests.schedule import PeriodKind, Schedule, parse_duration, parse_schedule
from kpi_core.digests.sections import (
    CohortsSection,
    DigestSectionConfig,
    KeyPath,
    NorthStarSection,
    north_star_key,
    section_kpis,
    section_references,
    shorthand_path,
)

_CHANNEL = re.compile(r"^(#?[a-z0-9][a-z0-9._-]{0,79}|[CGD](?=[A-Z]*[0-9])[A-Z0-9]+)$")
_CHANNEL_MENTION = re.compile(r"^<#(?P<id>[A-Za-z0-9]+)(?:\|[^<>]*)?>$")  # Slack's own syntax, any id


def check_channel(value: str) -> str:
    """A channel name (`#kpi-daily`) or id (`C0123ABCD`) as Slack accepts it; ValueError otherwise."""
    cleaned = value.strip()
    if mention := _CHANNEL_MENTION.match(cleaned):
        return mention["id"]
    if not _CHANNEL.match(cleaned):
        raise ValueError(f"{cleaned!r} is not a channel: use a name like #kpi-daily or an id like C0123ABCD")
    return cleaned


Channel = Annotated[str, AfterValidator(check_channel)]


class DigestDefinition(BaseModel):
    """One digest. `name` comes from its key under `digests:`; `timezone` falls back to the file's default."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str
    title: str = ""
    schedule: str
    timezone: str = "UTC"
    channels: tuple[Channel, ...]
    period: PeriodKind
    sections: tuple[DigestSectionConfig, ...]
    skip_if_no_new_data: bool = False
    grace: timedelta = timedelta(hours=6)
    enabled: bool = True

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "channel" in data:
            if "channels" in data:
                raise ValueError("set either `channel` or `channels`, not both")
            channel = data.pop("channel")
            data["channels"] = [channel] if isinstance(channel, str) else channel
        if not data.get("title") and isinstance(data.get("name"), str):
            data["title"] = f"{data['name'].replace('_', ' ').capitalize()} KPI digest"
        if isinstance(data.get("channels"), str):
            data["channels"] = [data["channels"]]
        if data.get("period") is None:
            try:
                data["period"] = parse_schedule(data.get("schedule", "")).period
            except ValueError:
                data["period"] = "daily"  # the schedule's own validator reports the real problem
        return data

    @field_validator("schedule")
    @classmethod
    def _check_schedule(cls, value: str) -> str:
        parse_schedule(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("sections")
    @classmethod
    def _check_sections(cls, value: tuple[DigestSectionConfig, ...]) -> tuple[DigestSectionConfig, ...]:
        if not value:
            raise ValueError("a digest needs at least one section (headline, table, chart, alerts, movers)")
        return value

    @field_validator("channels")
    @classmethod
    def _check_channels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("a digest needs at least one channel (e.g. channel: '#kpi-daily')")
        if len(set(value)) != len(value):
            raise ValueError("a channel is listed twice")
        return value

    @field_validator("grace", mode="before")
    @classmethod
    def _read_grace(cls, value: Any) -> timedelta:
        grace = parse_duration(value)
        if grace < timedelta(0) or grace > timedelta(days=31):
            raise ValueError("grace must be between 0 and 31 days (e.g. 6h)")
        return grace

    @cached_property
    def cron(self) -> Schedule:
        """The parsed schedule (APScheduler fields in `self.timezone`)."""
        return parse_schedule(self.schedule)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def kpi_keys(self, kpis: Mapping[str, KpiDefinition]) -> list[str]:
        """Every configured KPI this digest reads, in first-use order, for one batched snapshot call."""
        keys: dict[str, None] = {}
        for section in self.sections:
            for key in section_kpis(section, kpis):
                if key in kpis:
                    keys[key] = None
        return list(keys)


def check_timezone(value: str) -> str:
    """An IANA timezone name, or a ValueError suggesting the closest names."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        close = difflib.get_close_matches(value, sorted(available_timezones()), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (use an IANA name like Europe/Berlin)"
        raise ValueError(f"{value!r} is not a timezone{hint}") from None
    return value


class DigestsConfig(BaseModel):
    """The whole of `digests.yml`."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    timezone: str = "UTC"
    digests: dict[str, DigestDefinition] = {}

    @model_validator(mode="before")
    @classmethod
    def _fill_digests(cls, data: Any) -> Any:
        """Each digest gets its key as `name` and, unless it has its own, the file's `timezone`."""
        if not isinstance(data, dict) or not isinstance(data.get("digests"), dict):
            return data
        default_zone = data.get("timezone", "UTC")
        digests = {}
        for name, body in data["digests"].items():
            if isinstance(body, dict):
                body = {"timezone": default_zone, **body, "name": name}
            digests[name] = body
        return {**data, "digests": digests}

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return check_timezone(value)

    @classmethod
    def yaml_path(cls, path: Sequence[str | int], raw: Any) -> list[str | int]:
        """For the loader: a validation error's path, mapped back to the keys written in digests.yml
        (`channel:` is read as `channels`; a shorthand section `- chart: [...]` has no `panels` key)."""
        if len(path) < 3 or path[0] != "digests":
            return list(path)
        try:
            written = raw["digests"][path[1]]
        except (KeyError, IndexError, TypeError):
            return list(path)
        if path[2] == "channels" and isinstance(written, dict) and "channel" in written:
            single = not isinstance(written["channel"], list)
            return [*path[:2], "channel", *([] if single else path[3:])]
        if len(path) < 5 or path[2] != "sections":
            return list(path)
        try:
            section = written["sections"][path[3]]
        except (KeyError, IndexError, TypeError):
            return list(path)
        return [*path[:4], *shorthand_path(section, path[4:])]

    def enabled(self) -> list[DigestDefinition]:
        return [digest for digest in self.digests.values() if digest.enabled]

    def digest(self, name: str) -> DigestDefinition:
        """The digest called `name`; a KeyError that names the digests there are."""
        if name in self.digests:
            return self.digests[name]
        close = difflib.get_close_matches(name, list(self.digests), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise KeyError(f"no digest {name!r}: {hint}digests: {', '.join(self.digests) or 'none configured'}")

    def check_references(self, catalog: KpiCatalogConfig) -> list[tuple[KeyPath, str]]:
        """Cross-file problems as (key path, message): unknown KPIs and categories, a missing north star."""
        issues: list[tuple[KeyPath, str]] = []
        categories = sorted({kpi.category for kpi in catalog.kpis.values()})
        known = list(catalog.kpis)
        for name, digest in self.digests.items():
            base: KeyPath = ("digests", name)
            for index, section in enumerate(digest.sections):
                path = (*base, "sections", index)
                for where, key in section_references(section):
                    if key not in catalog.kpis:
                        issues.append(((*path, *where), _unknown("KPI", key, known)))
                for i, category in enumerate(getattr(section, "categories", ())):
                    if category not in categories:
                        where = (*path, *section.written_path("categories", i))
                        issues.append((where, _unknown("category", category, categories)))
                if isinstance(section, CohortsSection) and (problem := cohorts_problem(section, catalog)):
                    issues.append(((*path, *section.written_path("table")), problem))
                if (
                    isinstance(section, NorthStarSection)
                    and not section.kpi
                    and not north_star_key(catalog.kpis)
                ):
                    issues.append(
                        (path, "no north star KPI: set `kpi:` here or give a KPI `tier: north_star`")
                    )
        return issues


def cohorts_problem(section: CohortsSection, catalog: KpiCatalogConfig) -> str | None:
    """Why kpis.yml cannot give this cohort section its table, or None."""
    cohorts = catalog.cohorts
    query = "adoption" if section.table == "adoption" else "activity"
    if cohorts is None:
        return f"no cohort query: add a `cohorts:` section with an `{query}` query to kpis.yml"
    if getattr(cohorts, query) is None:
        return f"{section.table} cohorts need an `{query}` query under `cohorts:` in kpis.yml"
    return None


def _unknown(what: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    return f"unknown {what} {name!r}{hint}"
