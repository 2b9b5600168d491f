"""The App Home tab per person: built from the same snapshots and alerts as /kpi, published on open and
refreshed when what it shows changes, at most once per `min_interval` per person.

    homes = HomeTabs(answers=answers, clock=runtime.clock)
    homes.publish(user_id, force=True)   # app_home_opened, or the Refresh button
    homes.refresh()                      # after each background tick: republish what changed
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.answers import Answers
from bot.blocks.alert import IncidentView
from bot.blocks.home import DigestLine, HomeContent, build_home
from bot.blocks.kpi_card import local_now
from kpi_core.clock import Clock

log = logging.getLogger(__name__)
MIN_INTERVAL = timedelta(seconds=30)


@dataclass
class _Seen:
    fingerprint: str
    published_at: datetime


class HomeTabs:
    """Everyone's Home tab. Thread-safe; people are remembered from their first `app_home_opened`."""

    def __init__(self, *, answers: Answers, clock: Clock, min_interval: timedelta = MIN_INTERVAL) -> None:
        self.answers, self.clock, self.min_interval = answers, clock, min_interval
        self._seen: dict[str, _Seen] = {}
        self._lock = threading.Lock()

    def content(self, user_id: str) -> HomeContent:
        """What `user_id`'s Home shows: their KPIs, the open alerts on them, the digests."""
        runtime, directory = self.answers.runtime, self.answers.directory
        config = runtime.config
        owned = [
            kpi.key
            for kpi in config.kpis.values()
            if any(directory.user_id(o) == user_id for o in kpi.owners)
        ]
        open_views: list[IncidentView] = getattr(self.answers.alerts, "open_views", list)()
        firing = [v for v in open_views if v.state != "pending"]
        mine = [v for v in firing if v.kpi_key in owned]
        digests = [
            DigestLine(d.title or d.name, d.schedule, d.timezone, tuple(d.channels))
            for d in config.digests.enabled()
        ]
        return HomeContent(
            person=f"<@{user_id}>",
            owned=runtime.service.snapshots(owned) if owned else [],
            alerts=mine,
            digests=digests,
            updated=local_now(self.clock.now(), self.answers.timezone),
            all_alerts=len(firing) - len(mine),
        )

    def publish(self, user_id: str, *, force: bool = False) -> bool:
        """Publish `user_id`'s Home if `force`, or if it changed and the last one is `min_interval` old."""
        view = build_home(self.content(user_id))
        fingerprint = _fingerprint(view)
        now = self.clock.now()
        with self._lock:
            seen = self._seen.get(user_id)
            unchanged = seen is not None and seen.fingerprint == fingerprint
            too_soon = seen is not None and now - seen.published_at < self.min_interval
            if not force and (unchanged or too_soon):
                return False
        self.answers.client.views_publish(user_id=user_id, view=view)
        with self._lock:
            self._seen[user_id] = _Seen(fingerprint, now)
        return True

    def refresh(self) -> int:
        """Republish the Home of everyone whose view changed (rate-limited); returns how many."""
        with self._lock:
            people = list(self._seen)
        published = 0
        for user_id in people:
            try:
                published += self.publish(user_id)
            except Exception as error:  # one person's Home must not stop the others' or the tick
                log.warning("could not refresh the Home tab of %s: %s", user_id, error)
        return published


def _fingerprint(view: dict[str, Any]) -> str:
    """The view without its "Updated …" line: a new time alone is no change worth a publish."""
    return hashlib.sha256(json.dumps(view["blocks"][:-1], sort_keys=True).encode()).hexdigest()


@dataclass
class HomeRefreshingAlerts:
    """The alert jobs, plus a Home refresh after each tick (new alerts, acknowledgements, new values)."""

    inner: Any  # scheduling.service.AlertJobs
    homes: HomeTabs

    def tick(self, now: datetime) -> object:
        result = self.inner.tick(now)
        self.homes.refresh()
        return result

    def open_alerts(self) -> Any:
        return self.inner.open_alerts()

    def __getattr__(self, name: str) -> Any:  # sender, store, ...: the wrapped jobs' own
        return getattr(self.inner, name)
