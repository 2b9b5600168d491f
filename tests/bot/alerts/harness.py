"""A timeline harness for alerts through the local Slack, in the style of Alertmanager's acceptance tests.

    tl = AlertTimeline.start(tmp_path, clock)          # a small config, the emulator, the real bot on HTTP
    tl.record("churn_rate", 4.6).tick()
    tl.expect(post("#exec-alerts", "Critical", "<!here>", buttons=True), post("@cro"), post("@head-of-cs"))
    tl.quiet_until(minutes=25)                          # ticks every 5 minutes: nothing may be sent

Every write the bot makes is seen (messages, thread replies, edits, ephemerals, failed API calls) by
subscribing to the emulator; `expect` compares what arrived since the last check with the wanted list and
fails on anything missing or unexpected. Time is the ManualClock's: the sender's pacing moves it too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot import actions as ids
from bot.alerts.jobs import AlertTick, SlackAlertJobs
from bot.alerts.pacing import manual_pacer
from bot.app import create_app
from bot.server import HttpServer, KpibotWsgi
from kpi_core.clock import ManualClock
from kpi_core.runtime import Runtime
from kpi_core.storage.observations import ObservationStore
from kpibot_demo.stack import SandboxStack
from slack_sandbox import flatten_text
from slack_sandbox.emulator import SlackEmulator
from slack_sandbox.state import StateEvent

OWNERS = ["cro@northwind.example", "head-of-cs@northwind.example"]
USERS = [
    {"name": "cro", "email": "cro@northwind.example", "real_name": "Rita Revenue"},
    {"name": "head-of-cs", "email": "head-of-cs@northwind.example", "real_name": "Sam Success"},
    {"name": "ceo", "email": "ceo@northwind.example", "real_name": "Chen Exec", "tz": "America/New_York"},
    {"name": "cfo", "email": "cfo@northwind.example", "real_name": "Carla Finance"},
    {"name": "dana", "email": "dana@northwind.example", "real_name": "Dana Analyst"},
]
LEADERS = ["cro", "head-of-cs", "ceo", "cfo"]
CHANNELS: list[Any] = [
    "general",
    "kpi-ops",
    "kpi-alerts",
    {"name": "exec-alerts", "members": LEADERS},  # Dana (the analyst) can read it but is not a member
    {"name": "old-alerts", "archived": True, "id": "C0OLD0001"},
]
KPIS = {
    "churn_rate": {
        "name": "Churn Rate",
        "aliases": ["churn"],
        "category": "customer",
        "unit": "percent",
        "direction": "lower",
        "grain": "daily",
        "target": 2.5,
        "owner": OWNERS,
    },
    "uptime": {
        "name": "Uptime",
        "category": "product",
        "unit": "percent",
        "grain": "daily",
        "owner": ["cro@northwind.example"],
        "thresholds": {"warning": 99.5, "critical": 99},
    },
}
RULE = {
    "name": "Churn Rate Spike",
    "condition": "churn_rate > 4%",
    "severity": "critical",
    "actions": ["Call every churned account", "Check failed payments"],
}
ROUTE = {
    "name": "critical",
    "match": {"severity": "critical"},
    "channels": ["#exec-alerts"],
    "mentions": ["@here"],
    "owner_dms": True,
    "repeat_interval": "4h",
    "escalate_after": 30,
    "escalation": ["ceo@northwind.example"],
}


def write_config(folder: Path, *, rules: list[dict[str, Any]] | None = None, **alerts: Any) -> Path:
    """kpis.yml and alerts.yml (JSON is YAML) for the timeline tests; `alerts` overrides top-level keys."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kpis.yml").write_text(json.dumps({"kpis": KPIS}, indent=1))
    body: dict[str, Any] = {
        "fallback_channel": "#kpi-ops",
        "who_can_act": "channel_members",
        "alerts": rules if rules is not None else [RULE],
        "routing": {"routes": [ROUTE]},
        **alerts,
    }
    (folder / "alerts.yml").write_text(json.dumps(body, indent=1))
    return folder


# ---------------------------------------------------------------------------------------- expectations
@dataclass(frozen=True)
class Seen:
    """One thing the bot did in Slack: post, reply, update, ephemeral, or error (a failed API call)."""

    kind: str
    where: str  # "#exec-alerts", "@cro" (the bot's DM with cro), or the method for errors
    text: str
    buttons: bool = False
    at: datetime | None = None

    def __str__(self) -> str:
        first = self.text.replace("\n", " ⏎ ")[:140]
        return f"{self.kind} {self.where}{' [buttons]' if self.buttons else ''}: {first}"


@dataclass(frozen=True)
class Want:
    kind: str
    where: str
    contains: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    buttons: bool | None = None

    def matches(self, seen: Seen) -> bool:
        return (
            seen.kind == self.kind
            and self.where in ("*", seen.where)
            and all(c in seen.text for c in self.contains)
            and not any(e in seen.text for e in self.excludes)
            and (self.buttons is None or seen.buttons == self.buttons)
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.where} containing {list(self.contains)} excluding {list(self.excludes)}"


SILENT = ("<!here>", "<!channel>", "<@")  # a resolve, an edit or a thread note pings nobody


def post(where: str, *contains: str, buttons: bool | None = None, excludes: tuple[str, ...] = ()) -> Want:
    return Want("post", where, contains, excludes, buttons)


def reply(where: str, *contains: str, excludes: tuple[str, ...] = ()) -> Want:
    return Want("reply", where, contains, excludes)


def update(
    where: str, *contains: str, buttons: bool | None = None, excludes: tuple[str, ...] = SILENT
) -> Want:
    return Want("update", where, contains, excludes, buttons)


def ephemeral(user: str, *contains: str) -> Want:
    return Want("ephemeral", user if user == "*" else f"@{user}", contains)


def error(method: str, code: str) -> Want:
    return Want("error", method, (code,))


# ---------------------------------------------------------------------------------------- watching Slack
class SlackWatcher:
    """Collects every write the bot makes in the emulator; `expect` checks them step by step."""

    def __init__(self, emulator: SlackEmulator, clock: ManualClock) -> None:
        self.emulator, self.clock = emulator, clock
        self.seen: list[Seen] = []
        self.history: list[str] = []
        self._lock = threading.Lock()
        self.unsubscribe = emulator.subscribe(self._on_event)

    def _where(self, channel_id: str | None) -> str:
        channel = self.emulator.workspace.channels.get(channel_id or "")
        if channel is None:
            return channel_id or "?"
        if channel.kind == "im" and channel.im_user:
            return f"@{self.emulator.workspace.users[channel.im_user].name}"
        return f"#{channel.name}"

    def _on_event(self, event: StateEvent) -> None:  # runs under the emulator's lock: no HTTP here
        data, now = event.data, self.clock.now()
        if event.kind in ("message", "message_changed"):
            if data.get("user") != self.emulator.bot_user_id or data.get("upload"):
                return
            threaded = data.get("thread_ts") not in (None, data.get("ts"))
            kind = "update" if event.kind == "message_changed" else ("reply" if threaded else "post")
            found = Seen(kind, self._where(event.channel), _text(data), _has_buttons(data), now)
        elif event.kind == "ephemeral":
            user = self.emulator.workspace.users.get(event.user or "")
            found = Seen("ephemeral", f"@{user.name if user else event.user}", _text(data), False, now)
        elif event.kind == "api_call":
            response = data.get("response") or {}
            if response.get("ok") or data.get("method") in (None, "response_url"):
                return
            code = str(response.get("error")) if response else str(data.get("fault"))
            found = Seen("error", str(data["method"]), code, False, now)
        else:
            return
        with self._lock:
            self.seen.append(found)

    def take(self) -> list[Seen]:
        """Everything seen since the last call."""
        with self.emulator._lock, self._lock:  # events are delivered under the emulator's lock
            taken, self.seen = self.seen, []
        return taken

    def expect(self, *wanted: Want, label: str = "") -> list[Seen]:
        """Exactly `wanted` happened since the last check, in any order; nothing else."""
        got = self.take()
        left = list(got)
        missing = []
        for want in wanted:
            match = next((s for s in left if want.matches(s)), None)
            if match is None:
                missing.append(want)
            else:
                left.remove(match)
        step = f"{label or 'step'} at {self.clock.now():%d %b %H:%M:%S}"
        self.history.append(step + "".join(f"\n    {s}" for s in got))
        if missing or left:
            lines = [f"timeline mismatch, {step}:"]
            lines += [f"  missing:    {w}" for w in missing]
            lines += [f"  unexpected: {s}" for s in left]
            lines += ["  everything seen in this step:"] + [f"    {s}" for s in got]
            raise AssertionError("\n".join(lines))
        return got


# ---------------------------------------------------------------------------------------- the harness
@dataclass
class AlertTimeline:
    """The bot (SandboxStack) and a watcher on its Slack, driven by a ManualClock."""

    stack: SandboxStack
    clock: ManualClock
    watcher: SlackWatcher
    clicks: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(
        cls, config_dir: Path, clock: ManualClock, *, database_url: str, channels: list[Any] | None = None
    ) -> AlertTimeline:
        stack = SandboxStack.start(
            config_dir=config_dir,
            database_url=database_url,
            clock=clock,
            channels=channels if channels is not None else CHANNELS,
            users=USERS,
        )
        timeline = cls(stack=stack, clock=clock, watcher=SlackWatcher(stack.emulator, clock))
        timeline.jobs.sender.pacer = manual_pacer(clock)
        return timeline

    @property
    def emulator(self) -> SlackEmulator:
        return self.stack.emulator

    @property
    def jobs(self) -> SlackAlertJobs:
        jobs = self.stack.answers.alerts
        assert isinstance(jobs, SlackAlertJobs)
        return jobs

    def stop(self) -> None:
        self.watcher.unsubscribe()
        self.stack.stop()

    def expect(self, *wanted: Want, label: str = "") -> list[Seen]:
        """Exactly `wanted` reached Slack since the last check (once every click has been handled)."""
        self.jobs.wait_handled(self.clicks, timeout=20)
        return self.watcher.expect(*wanted, label=label)

    # ---------------------------------------------------------------- driving
    def record(self, key: str, value: float, *, day: date | None = None) -> AlertTimeline:
        store = ObservationStore(self.stack.runtime.db)
        now = self.clock.now()
        store.record(key, day or now.date(), value, source="push", now=now)
        return self

    def advance(self, **delta: float) -> AlertTimeline:
        self.clock.advance(**delta)
        return self

    def at(self, moment: datetime) -> AlertTimeline:
        self.clock.set(moment)
        return self

    def tick(self) -> AlertTick:
        return self.jobs.tick(self.clock.now())

    def quiet_for(self, *, step: timedelta = timedelta(minutes=5), **span: float) -> None:
        """Tick every `step` for `span` (e.g. minutes=25): nothing at all may reach Slack meanwhile."""
        end = self.clock.now() + timedelta(**span)
        while self.clock.now() + step <= end:
            self.clock.advance(seconds=step.total_seconds())
            self.tick()
            self.expect(label="quiet")
        self.clock.set(end)

    def message(self, where: str) -> Any:
        """The alert message (the top-level bot message with alert buttons, or the newest) in `where`."""
        channel = self.channel_id(where)
        found = [m for m in self.emulator.messages(channel) if m.user == self.emulator.bot_user_id]
        assert found, f"no bot message in {where}"
        return found[-1]

    def channel_id(self, where: str) -> str:
        if where.startswith("@"):
            dm = self.emulator.im_channel(where[1:])
            assert dm is not None, f"the bot has no DM with {where}"
            return dm.id
        return self.emulator.channel(where.lstrip("#")).id

    def click(
        self, user: str, where: str, kind: str, *, choice: str | None = None, ts: str | None = None
    ) -> None:
        """`user` clicks Acknowledge / Resolve / View KPI (`kind` is the action kind), or picks a snooze
        `choice` ("1h", "24h", "tomorrow", "worse"), on the alert message in `where`."""
        channel = self.channel_id(where)
        message = self.emulator.workspace.message(channel, ts) if ts else self.message(where)
        action_id = ids.encode_action_id(kind)
        selected = None
        if choice is not None:
            select = _element(message.blocks, action_id)
            selected = next(o["value"] for o in select["options"] if json.loads(o["value"])["f"] == choice)
        with self._lock:
            self.clicks += 1
        delivery = self.emulator.click(
            user=self.stack.user(user), channel=channel, ts=message.ts, action_id=action_id, selected=selected
        )
        assert delivery.status == 200 and delivery.elapsed < 3.0, delivery


def _element(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    for block in blocks:
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} in the message")


def _text(data: Mapping[str, Any]) -> str:
    return "\n".join([str(data.get("text") or ""), flatten_text(list(data.get("blocks") or []))])


def _has_buttons(data: Mapping[str, Any]) -> bool:
    return any(block.get("type") == "actions" for block in data.get("blocks") or [])


def restart(timeline: AlertTimeline) -> AlertTimeline:
    """A new kpibot process on the same database and the same Slack: new runtime, app, jobs and server."""
    old = timeline.stack
    timeline.jobs.wait_handled(timeline.clicks, timeout=20)
    old.server.stop()
    old.runtime.close()
    runtime = Runtime.create(old.settings, clock=timeline.clock)
    app, answers = create_app(old.settings, runtime=runtime)
    server = HttpServer(KpibotWsgi(app, runtime), host="127.0.0.1", port=0).start()
    old.emulator.request_url = f"{server.url}/slack/events"
    stack = SandboxStack(
        emulator=old.emulator, settings=old.settings, runtime=runtime, app=app, answers=answers, server=server
    )
    fresh = AlertTimeline(stack=stack, clock=timeline.clock, watcher=timeline.watcher)
    fresh.jobs.sender.pacer = manual_pacer(timeline.clock)
    return fresh


def open_timeline(
    config_dir: Path, clock: ManualClock, database_url: str, **options: Any
) -> Iterator[AlertTimeline]:
    timeline = AlertTimeline.start(config_dir, clock, database_url=database_url, **options)
    try:
        yield timeline
        # the exactly-once invariant after the timeline's last drain (a failed row must have told the
        # fallback channel; nothing is in Slack twice; nothing marked sent is missing)
        from tests.bot.alerts.invariants import check_exactly_once

        census = check_exactly_once(timeline.jobs.store, timeline.emulator)
        assert not census.doubled and not census.problems and not census.lost, str(census)
    finally:
        timeline.stop()
