"""Incident -> the words and blocks of its message: values formatted with the KPI's unit, the threshold as
the rule says it, who did what and when (named, in the bot's timezone), the runbook from `actions`.

    assembler = MessageAssembler(kpis=config.kpis, rules=by_key, names=PeopleNames(client), timezone="UTC")
    message = assembler.incident_message(incident, mentions=("<!here>",))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.alerts.names import PeopleNames
from bot.blocks.alert import AlertMessage, IncidentView, build_incident_message, build_thread_note
from bot.blocks.primitives import Message, escape
from kpi_core.alerts.lifecycle import SYSTEM_ACTOR, Incident
from kpi_core.alerts.rules import AlertRule
from kpi_core.config.models import KpiDefinition
from kpi_core.format import format_kpi_value
from kpi_core.periods import period_label, period_start

GRAIN_WORD = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter"}
AGGREGATE_WORD = {"avg": "average", "min": "minimum", "max": "maximum", "last": "value"}


class MessageAssembler:
    """Builds `IncidentView`s and the messages made from them. Thread-safe."""

    def __init__(
        self,
        *,
        kpis: Mapping[str, KpiDefinition],
        rules: Mapping[str, AlertRule],
        names: PeopleNames,
        timezone: str = "UTC",
    ) -> None:
        self.kpis = kpis
        self.rules = rules
        self.names = names
        self.zone = ZoneInfo(timezone)

    # ------------------------------------------------------------------ facts
    def when(self, moment: datetime | None) -> str:
        """`20 Nov 14:00 UTC` in the bot's timezone."""
        if moment is None:
            return "an unknown time"
        local = moment.astimezone(self.zone)
        return f"{local:%-d %b %H:%M} {local.tzname()}"

    def value(self, incident: Incident, value: float | None) -> str:
        kpi = self.kpis.get(incident.kpi_key)
        if kpi is not None:
            return format_kpi_value(kpi, value)
        return "—" if value is None else f"{value:,.4g}"

    def threshold(self, incident: Incident) -> str:
        rule = self.rules.get(incident.rule_key)
        if rule is None:
            return "" if incident.threshold is None else self.value(incident, incident.threshold)
        if rule.kind == "levels":
            side = "≤" if rule.direction == "higher" else "≥"
            levels = [
                f"{name} {side} {self.value(incident, level)}"
                for name, level in (("warning", rule.levels.warning), ("critical", rule.levels.critical))
                if level is not None
            ]
            return " · ".join(levels)
        if rule.kind == "milestone":
            step = rule.step or 1
            return f"every {self.value(incident, step)}"
        shown = self.value(incident, incident.threshold if incident.threshold is not None else rule.threshold)
        return f"{rule.op} {shown}" + (" (target)" if rule.use_target else "")

    def status(self, incident: Incident) -> str:
        """`Acknowledged by Rita Revenue at 20 Nov 18:05 UTC`: the state, who and when."""
        state = incident.state
        if state == "firing":
            return f"Firing since {self.when(incident.fired_at or incident.opened_at)}"
        if state == "pending":
            return "Pending: the condition holds, waiting for it to last long enough"
        if state == "acknowledged":
            return f"Acknowledged by {self.names.name(incident.acked_by)} at {self.when(incident.acked_at)}"
        if state == "snoozed":
            who = self.names.name(incident.snoozed_by)
            if incident.snooze_until_worse and incident.snoozed_until is None:
                return f"Snoozed by {who} until it gets worse"
            return f"Snoozed by {who} until {self.when(incident.snoozed_until)}"
        if state == "no_data":
            return "No recent data (missing data is never read as zero)"
        if state == "resolved":
            when = self.when(incident.resolved_at)
            if incident.resolution == "manual":
                return f"Resolved by {self.names.name(incident.resolved_by)} at {when}"
            if incident.resolution == "no_data":
                return f"Resolved at {when}: no data"
            if incident.resolution == "rule_removed":
                return f"Resolved at {when}: the rule was removed from alerts.yml"
            if incident.resolution == "event":
                return f"Announced; over at {when}"
            return f"Resolved automatically at {when}"
        return state.replace("_", " ").capitalize()

    def evaluation(self, rule: AlertRule | None) -> str:
        if rule is None:
            return ""
        if rule.threshold_text:
            return rule.threshold_text
        word = GRAIN_WORD.get(rule.grain, "period")
        parts = []
        if rule.window > 1:
            parts.append(f"{rule.window}-{word} {AGGREGATE_WORD.get(rule.aggregate, rule.aggregate)}")
        if rule.for_periods > 1:
            parts.append(f"{rule.for_periods} consecutive {word}s")
        return ", ".join(parts)

    def period(self, incident: Incident, kpi: KpiDefinition | None) -> str:
        """`Nov 2026`, or `Dec 2026 to date` while the incident judges a flow's running period."""
        if kpi is None or incident.period is None:
            return ""
        label = period_label(incident.period, kpi.grain)
        judged_on = incident.updated_at.astimezone(self.zone).date()
        running = kpi.grain != "daily" and kpi.is_flow
        running = running and period_start(judged_on, kpi.grain) == incident.period
        return f"{label} to date" if running else label

    def view(self, incident: Incident, *, banner: str = "") -> IncidentView:
        rule = self.rules.get(incident.rule_key)
        kpi = self.kpis.get(incident.kpi_key)
        period = self.period(incident, kpi)
        return IncidentView(
            id=incident.id,
            version=incident.version,
            rule_name=incident.rule_name,
            kpi_key=incident.kpi_key,
            kpi_name=kpi.name if kpi is not None else incident.kpi_key,
            severity=incident.severity,
            state=incident.state,
            summary=incident.summary,
            value=self.value(incident, incident.last_value),
            threshold=self.threshold(incident),
            evaluation=self.evaluation(rule),
            period=period,
            opened=self.when(incident.opened_at),
            status=self.status(incident),
            runbook=rule.actions if rule is not None else (),
            banner=banner,
            reopened=incident.reopen_count,
        )

    # ------------------------------------------------------------------ messages
    def incident_message(
        self, incident: Incident, *, banner: str = "", mentions: Sequence[str] = ()
    ) -> AlertMessage:
        return build_incident_message(self.view(incident, banner=banner), mentions=mentions)

    def banner(self, reason: str, payload: Mapping[str, Any]) -> str:
        """What this copy says on top: why it was sent to this destination in particular."""
        failed = payload.get("fallback_for")
        if failed:
            shown = str(failed).removeprefix("email:")
            error = payload.get("error") or "unreachable"
            return f"⚠️ Sent here because *{escape(shown)}* could not be reached (`{error}`)."
        if reason == "escalation":
            return "⏫ *Escalated to you*: nobody acknowledged this alert in time."
        return ""

    def note(
        self,
        reason: str,
        incident: Incident,
        *,
        payload: Mapping[str, Any],
        at: datetime,
        mentions: Sequence[str] = (),
        titled: bool = False,
    ) -> Message:
        """The thread line for one outbox row (`reason` is the row's reason)."""
        view = self.view(incident)
        actor = self.names.name(str(payload.get("actor") or SYSTEM_ACTOR))
        summary = escape(str(payload.get("summary") or incident.summary))
        when = self.when(at)
        detail = ""
        if reason == "acknowledged":
            detail = f"Acknowledged by {actor} at {when}. No more repeats or escalation for this alert."
        elif reason == "snoozed":
            detail = f"{self.status(incident)} (set at {when})." if incident.state == "snoozed" else ""
            detail = detail or f"Snoozed by {actor} at {when}."
        elif reason == "resolved":
            if payload.get("actor") and payload.get("actor") != SYSTEM_ACTOR:
                detail = f"Resolved by {actor} at {when}. {summary}"
            else:
                detail = f"Resolved automatically at {when}: {summary}"
        elif reason == "reopened":
            detail = f"Fired again at {when} (re-opened): {summary}"
        elif reason == "unacknowledged":
            detail = f"No longer acknowledged at {when}: {summary}"
        elif reason == "repeat":
            detail = f"Still {incident.severity} and not acknowledged: {summary}"
        elif reason == "severity_up":
            detail = f"Now *{incident.severity}*: {summary}"
        elif reason == "snooze_ended":
            detail = f"Snooze over at {when}, still {incident.severity}: {summary}"
        elif reason == "escalation":
            detail = "Escalated: nobody acknowledged this alert in time."
        elif payload.get("fallback_for"):
            detail = self.banner(reason, payload)
        return build_thread_note(reason, view=view, detail=detail, mentions=mentions, titled=titled)
