"""The demo's controls: what the page's composer, buttons and guided-tour controls do, through the real path.

    controller = DemoController(stack=stack, clock=clock, background=background, hub=hub)
    controller.send_command(user="dana", channel="general", text="/kpi mrr")   # a signed slash command
    controller.click(user=..., channel=..., ts=..., action_id=...)              # signed block_actions
    controller.advance(hours=24)        # the clock moves in steps; digests and alert timers run at each
    controller.record("monthly_churn_rate", "7.5%")   # like `kpibot record`, then alert evaluation

Time: a ManualClock shared by the bot, the emulator and the background jobs. `Ticker` moves it with real
time, so the demo behaves like the real scheduler; "advance" jumps it ahead in steps.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from apscheduler.triggers.cron import CronTrigger

from kpi_core.catalog import UnknownKpiError
from kpi_core.clock import ManualClock
from kpi_core.format import format_kpi_value
from kpi_core.importer import ValueParseError, parse_value
from kpi_core.periods import period_label
from kpi_core.sources import recompute_formulas
from kpibot_demo.events import EventHub
from kpibot_demo.report import AlertActivity, describe_alerts, describe_runs
from kpibot_demo.stack import SandboxStack
from scheduling.jobs import RunResult
from scheduling.ledger import DigestLedger
from scheduling.triggers import digest_trigger, fire_times
from slack_sandbox import Delivery, EmulatorError

log = logging.getLogger(__name__)

MAX_ADVANCE = timedelta(days=31)


class DemoError(Exception):
    """Something the page asked for that cannot be done; the message is shown to the user as it is."""


class BackgroundWork(Protocol):
    """scheduling.service.Background as the demo uses it."""

    def tick(self) -> object: ...

    def post_digest_now(self, name: str, *, force: bool = False) -> object: ...


@dataclass(frozen=True)
class Outcome:
    """What an action did, in a sentence for the page's status line."""

    message: str
    data: dict[str, Any] | None = None


def step_for(delta: timedelta) -> timedelta:
    """Small enough that alert timers (a 30 min escalation, 4 h repeats) follow closely."""
    return timedelta(minutes=15) if delta <= timedelta(days=1) else timedelta(hours=1)


def waypoints(start: datetime, total: timedelta, *, triggers: Sequence[CronTrigger] = ()) -> list[datetime]:
    """The times to stop at when advancing by `total`: every step, plus each trigger's fire times."""
    end = start + total
    step = step_for(total)
    stops = {start + step * n for n in range(1, int(total / step) + 1)} | {end}
    for trigger in triggers:
        stops.update(fire_times(trigger, start=start + timedelta(microseconds=1), end=end))
    return sorted(stops)


class DemoController:
    """Drives the running stack; every method is safe to call from the page server's threads."""

    def __init__(
        self,
        *,
        stack: SandboxStack,
        clock: ManualClock,
        hub: EventHub,
        background: BackgroundWork | None = None,
    ) -> None:
        self.stack, self.clock, self.hub, self.background = stack, clock, hub, background
        self.emulator = stack.emulator
        self._time = threading.RLock()  # one mover of time at a time: ticker, advance, record, digests

    # ------------------------------------------------------------------ time
    def now(self) -> datetime:
        return self.clock.now()

    def tick(self) -> list[RunResult]:
        """Run the background work due at the clock's now (digests, alert evaluation and delivery);
        returns the digest runs it made."""
        if self.background is None:
            return []
        with self._time:
            try:
                results = self.background.tick()
            except Exception:  # the demo keeps running; the log says what broke
                log.exception("background tick failed at %s", self.clock.now().isoformat())
                return []
        return [r for r in results if isinstance(r, RunResult)] if isinstance(results, list) else []

    def move_clock(self, delta: timedelta) -> list[RunResult]:
        """Move the clock by `delta` (real time passing) and run what became due."""
        with self._time:
            self.clock.advance(seconds=delta.total_seconds())
            self.hub.publish("clock", now=self.now().isoformat())
            return self.tick()

    def advance(self, *, hours: float) -> Outcome:
        """Jump ahead in steps (15 min up to a day, else 1 h), ticking after each step, and stopping exactly
        at every digest's fire time so digests post on time (not "late")."""
        if not 0 < hours <= MAX_ADVANCE.total_seconds() / 3600:
            raise DemoError(f"advance by more than 0 and at most {MAX_ADVANCE.days} days")
        total = timedelta(hours=hours)
        started = time.monotonic()
        results: list[RunResult] = []
        with self._time:
            start = self.now()
            triggers = [digest_trigger(d) for d in self.stack.runtime.config.digests.enabled()]
            stops = waypoints(start, total, triggers=triggers)
            for done, stop in enumerate(stops, start=1):
                results += self.move_clock(stop - self.now())
                self.hub.publish("advance", now=self.now().isoformat(), done=done, total=len(stops))
            lines = self.explain(results, start=start)
        log.info("advanced %s in %.1fs", total, time.monotonic() - started)
        message = f"Clock advanced by {_span(total)}"
        return Outcome(message, {"now": self.now().isoformat(), "report": lines})

    def explain(self, results: Sequence[RunResult], *, start: datetime) -> list[str]:
        """What fired and what was skipped (and why) since `start`, for the page."""
        config = self.stack.runtime.config
        digests = config.digests.digests
        ledger = DigestLedger(self.stack.runtime.db)
        lines = describe_runs(
            results,
            titles={name: d.title or f"{name} digest" for name, d in digests.items()},
            since=lambda r: ledger.last_posted_at(r.digest, excluding=r.period_key),
            timezones={name: d.timezone for name, d in digests.items()},
        )
        lines += describe_alerts(alert_activity(self.stack.answers.alerts, since=start))
        return lines or ["Nothing was due: no digest time and no alert change in that span"]

    # ------------------------------------------------------------------ tour controls
    def post_digest(self, name: str) -> Outcome:
        """Post a digest for its most recent period now (`kpibot digest send NAME --force`)."""
        if self.background is None:
            raise DemoError("digests are not available in this demo")
        if name not in self.stack.runtime.config.digests.digests:
            known = ", ".join(self.stack.runtime.config.digests.digests) or "none"
            raise DemoError(f"no digest called {name!r} (digests: {known})")
        with self._time:
            result = self.background.post_digest_now(name, force=True)
        if result is None:
            raise DemoError(f"the {name} digest has no period yet: its first time is still to come")
        outcome = getattr(result, "outcome", "posted")
        detail = getattr(result, "detail", "")
        message = f"The {name} digest: {outcome}" + (f" ({detail})" if detail else "")
        return Outcome(message, {"outcome": outcome})

    def record(self, kpi_name: str, value_text: str) -> Outcome:
        """Record a value for today's period (as `kpibot record --force`), then evaluate alerts."""
        runtime = self.stack.runtime
        try:
            kpi = runtime.service.catalog.resolve(kpi_name)
        except UnknownKpiError as error:
            raise DemoError(str(error)) from None
        try:
            number = parse_value(value_text, kpi)
        except ValueParseError as error:
            raise DemoError(f"{kpi.name}: {error}") from None
        with self._time:
            now = self.now()
            result = runtime.service.store.record(
                kpi.key, runtime.service.today(), number, source="push", now=now
            )
            recompute_formulas(runtime.config, runtime.db, now=now, changed=[kpi.key])
            self.hub.publish("data", kpi=kpi.key)
            self.tick()
        shown = format_kpi_value(kpi, number, compact=False)
        return Outcome(f"Recorded {kpi.name} = {shown} for {period_label(result.period, kpi.grain)}")

    # ------------------------------------------------------------------ the real Slack path
    def send_command(self, *, user: str, channel: str, text: str) -> Outcome:
        """`user` types `text` ("/kpi mrr") in `channel`; the emulator signs and sends it to the bot."""
        command, _, argument = text.strip().partition(" ")
        if command != "/kpi":
            raise DemoError(
                f"{command or 'That'} is not a command in this workspace: try /kpi help"
                if command.startswith("/")
                else "Messages are not sent in this demo: type a command such as /kpi mrr"
            )
        try:
            delivery = self.emulator.send_slash_command(argument.strip(), user=user, channel=channel)
        except EmulatorError as error:
            raise DemoError(str(error)) from None
        return _delivered(delivery, f"{text.strip()}")

    def click(
        self,
        *,
        user: str,
        channel: str,
        ts: str,
        action_id: str,
        value: str | None = None,
        selected: Any = None,
        block_id: str | None = None,
    ) -> Outcome:
        """`user` clicks a button or picks an option; the emulator sends signed block_actions."""
        try:
            delivery = self.emulator.click(
                user=user,
                channel=channel,
                ts=ts,
                action_id=action_id,
                value=value,
                selected=selected,
                block_id=block_id,
            )
        except EmulatorError as error:
            raise DemoError(str(error)) from None
        return _delivered(delivery, "click")

    # ------------------------------------------------------------------ the App Home tab
    def open_home(self, user: str) -> dict[str, Any]:
        """`user` opens kpibot's Home tab: Slack sends app_home_opened and the bot publishes the view."""
        try:
            before = self.emulator.home_view(user)
            delivery = self.emulator.open_home(user)
        except EmulatorError as error:
            raise DemoError(str(error)) from None
        _delivered(delivery, "opening the Home tab")
        old = before["hash"] if before else None
        return dict(
            self.emulator.wait_for(
                lambda: (v := self.emulator.home_view(user)) and v["hash"] != old and v, timeout=30
            )
        )

    def home_view(self, user: str) -> dict[str, Any] | None:
        try:
            return self.emulator.home_view(user)
        except EmulatorError as error:
            raise DemoError(str(error)) from None

    def click_home(
        self,
        *,
        user: str,
        action_id: str,
        value: str | None = None,
        selected: Any = None,
        block_id: str | None = None,
    ) -> Outcome:
        """`user` clicks in their Home tab; alert buttons act at once, then the Home follows."""
        alerts = self.stack.answers.alerts
        before = getattr(alerts, "handled_count", None)  # SlackAlertJobs: alert actions finished so far
        try:
            delivery = self.emulator.click_home(
                user=user, action_id=action_id, value=value, selected=selected, block_id=block_id
            )
        except EmulatorError as error:
            raise DemoError(str(error)) from None
        outcome = _delivered(delivery, "click")
        if isinstance(before, int) and action_id.startswith("kpibot:alert_"):
            alerts.wait_handled(before + 1, timeout=30)  # type: ignore[union-attr]
            self.tick()  # deliver the message updates now, as the ticker would in a moment
            home = self.stack.answers.home
            if home is not None:
                home.publish(self.emulator.user(user).id, force=True)
        return outcome

    def open_dm(self, user: str) -> str:
        """The bot's DM with `user` (opened through conversations.open, as the bot would)."""
        try:
            uid = self.emulator.user(user).id
        except EmulatorError as error:
            raise DemoError(str(error)) from None
        response = self.stack.app.client.conversations_open(users=uid)
        return str(response["channel"]["id"])


def alert_activity(alerts: object, *, since: datetime) -> AlertActivity:
    """Alert notifications created at or after `since` (the outbox of the bot's alert jobs)."""
    store = getattr(alerts, "store", None)
    if store is None:
        return AlertActivity()
    rows = [row for row in store.outbox() if row.created_at >= since and row.destination != "digest"]
    names: dict[int, str] = {}

    def name(incident_id: int) -> str:
        if incident_id not in names:
            incident = store.get(incident_id)
            names[incident_id] = incident.rule_name if incident is not None else f"alert {incident_id}"
        return names[incident_id]

    fired = tuple(name(r.incident_id) for r in rows if r.reason == "fired")
    resolved = tuple(name(r.incident_id) for r in rows if r.reason == "resolved")
    repeats = sum(1 for r in rows if r.reason == "repeat")
    other = len(rows) - len(fired) - len(resolved) - repeats
    return AlertActivity(fired=fired, resolved=resolved, repeats=repeats, other=other)


def _delivered(delivery: Delivery, what: str) -> Outcome:
    if delivery.error or delivery.status != 200:
        problem = delivery.error or f"HTTP {delivery.status}"
        raise DemoError(f"kpibot did not answer {what}: {problem}")
    return Outcome(f"sent {what}", {"elapsed_ms": round(delivery.elapsed * 1000)})


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours % 24 == 0:
        days = int(hours // 24)
        return "1 week" if days == 7 else f"{days} day{'s' if days != 1 else ''}"
    return f"{hours:g} hour{'s' if hours != 1 else ''}"


class Ticker:
    """Moves the demo clock with real time and runs the background work every `interval` seconds."""

    def __init__(self, controller: DemoController, *, interval: float = 3.0) -> None:
        self.controller, self.interval = controller, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kpibot-demo-ticker", daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        self.controller.tick()  # what is due at start: catch-up digests, the first alert evaluation
        last = time.monotonic()
        while not self._stop.wait(self.interval):
            current = time.monotonic()
            self.controller.move_clock(timedelta(seconds=current - last))
            last = current
