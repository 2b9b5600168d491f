"""`kpibot alerts`: evaluate now, test a rule on history, show past incidents; and the evaluation that
follows `kpibot record`, `import` and `refresh` (`evaluate_after_change`).

    kpibot alerts evaluate --at 2026-11-20T14:00Z   # one tick; delivered when SLACK_BOT_TOKEN is set
    kpibot alerts test "Churn Rate Spike" --since 2025-01-01
    kpibot alerts history --limit 20               # or --incident 12 for its audit trail
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import click

from bot.alerts.jobs import SlackAlertJobs
from bot.cli.alerts_text import audit_lines, backtest_lines, change_line, history_lines, tick_lines
from bot.cli.context import config_option
from bot.slack.client import make_client
from kpi_core.alerts.backtest import backtest
from kpi_core.alerts.rules import AlertRule, compile_all
from kpi_core.clock import ManualClock
from kpi_core.periods import period_start, shift_period
from kpi_core.runtime import Runtime


def register(cli: click.Group) -> None:
    """Add `kpibot alerts ...` to the `kpibot` group."""

    @cli.group("alerts")
    def alerts_group() -> None:
        """Alert rules (alerts.yml): evaluate now, test a rule on history, past incidents."""

    @alerts_group.command("evaluate")
    @click.option(
        "--at", "at_text", default=None, help="Evaluate as of this ISO date or datetime (default: now)."
    )
    @config_option
    @click.pass_context
    def evaluate(ctx: click.Context, at_text: str | None) -> None:
        """One tick: every rule evaluated, incidents updated, notifications queued and (when SLACK_BOT_TOKEN
        is set) delivered. Exits 1 if a rule failed or an alert could not be delivered anywhere."""
        from bot.cli.core import open_runtime

        if at_text:
            ctx.find_root().ensure_object(dict)["clock"] = ManualClock(parse_moment(at_text))
        runtime = open_runtime(ctx)
        try:
            jobs = alert_jobs(runtime)
            now = runtime.clock.now()
            tick = jobs.tick(now)
            delivery = tick.delivery if jobs.deliver_enabled else None
            for line in tick_lines(
                tick.report,
                now=now,
                timezone=runtime.timezone,
                delivery=delivery,
                queued_for_digest=tick.queued_for_digest,
            ):
                click.echo(line)
        finally:
            runtime.close()
        if tick.report.errors or (delivery is not None and delivery.lost):
            ctx.exit(1)

    @alerts_group.command("test")
    @click.argument("rule_name")
    @click.option("--since", "since", default=None, help="First date to replay (default: one year ago).")
    @config_option
    @click.pass_context
    def test_rule(ctx: click.Context, rule_name: str, since: str | None) -> None:
        """Replay RULE (its name or key) over the stored history: when it would have fired and resolved.
        Nothing is recorded and nobody is notified."""
        from bot.cli.core import open_runtime

        runtime = open_runtime(ctx)
        try:
            rule = find_rule(runtime, rule_name)
            today = runtime.service.today()
            try:
                first = date.fromisoformat(since) if since else today - timedelta(days=365)
            except ValueError:
                raise click.BadParameter(
                    f"{since!r} is not an ISO date (2025-01-01)", param_hint="--since"
                ) from None
            if first > today:
                raise click.BadParameter(f"{first} is in the future", param_hint="--since")
            start = shift_period(period_start(first, rule.grain), rule.grain, -rule.lookback)
            series = runtime.service.store.series([rule.kpi.key], start=start, end=today).get(
                rule.kpi.key, []
            )
            if not series:
                raise click.ClickException(f"no data recorded for {rule.kpi.key}: nothing to replay")
            for line in backtest_lines(rule, backtest(rule, series, first), since=first, today=today):
                click.echo(line)
        finally:
            runtime.close()

    @alerts_group.command("history")
    @click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
    @click.option("--incident", "incident_id", type=int, default=None, help="One incident's audit trail.")
    @config_option
    @click.pass_context
    def history(ctx: click.Context, limit: int, incident_id: int | None) -> None:
        """Past incidents, newest first; with --incident, every event of one (who did what, and when)."""
        from bot.cli.core import open_runtime
        from kpi_core.alerts.store import IncidentStore

        runtime = open_runtime(ctx)
        try:
            store = IncidentStore(runtime.db)
            if incident_id is None:
                lines = history_lines(store.incidents(limit=limit), timezone=runtime.timezone)
            else:
                incident = store.get(incident_id)
                if incident is None:
                    raise click.ClickException(f"there is no incident #{incident_id}")
                lines = audit_lines(incident, store.events(incident_id), timezone=runtime.timezone)
            for line in lines:
                click.echo(line)
        finally:
            runtime.close()


def parse_moment(text: str) -> datetime:
    """`--at`: an ISO datetime (UTC unless it has an offset) or a date (noon UTC that day)."""
    cleaned = text.strip()
    try:
        if len(cleaned) == 10:
            return datetime.combine(date.fromisoformat(cleaned), time(12), tzinfo=UTC)
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 date or datetime (2026-11-20 or 2026-11-20T14:00Z)",
            param_hint="--at",
        ) from None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def find_rule(runtime: Runtime, name: str) -> AlertRule:
    """A rule by key or name (case-insensitive); an unknown one exits 1 with "did you mean"."""
    rules, _problems = compile_all(runtime.config.alerts, runtime.config.catalog)
    wanted = name.strip().lower()
    for rule in rules:
        if wanted in (rule.key.lower(), rule.name.lower()):
            return rule
    kpi = runtime.service.catalog.find(name)
    on_kpi = [rule for rule in rules if kpi is not None and rule.kpi.key == kpi.key]
    if len(on_kpi) == 1:
        return on_kpi[0]
    if on_kpi:
        choices = ", ".join(repr(rule.key) for rule in on_kpi)
        raise click.ClickException(
            f"{len(on_kpi)} rules watch {kpi.key if kpi else name}: pick one of {choices}"
        )
    spellings = {s: r.key for r in rules for s in (r.key, r.name)}
    close = difflib.get_close_matches(name, list(spellings), n=3, cutoff=0.5)
    keys = list(dict.fromkeys(spellings[c] for c in close))
    hint = f" Did you mean {' or '.join(repr(k) for k in keys)}?" if keys else ""
    listing = "".join(f"\n  {rule.key}" for rule in rules) or " none"
    known = "" if close else f"\nThe {len(rules)} rules:{listing}" if rules else " There are no rules."
    raise click.ClickException(f"no alert rule called {name!r}.{hint}{known}")


def alert_jobs(runtime: Runtime) -> SlackAlertJobs:
    """The alert jobs for a CLI command: delivering through Slack when SLACK_BOT_TOKEN is set."""
    client = make_client(runtime.settings, retries=False)
    return SlackAlertJobs(runtime, client=client, deliver=bool(runtime.settings.slack_bot_token))


def evaluate_after_change(runtime: Runtime, keys: Sequence[str]) -> None:
    """After `record`/`import`/`refresh`: evaluate the rules on those KPIs (and deliver when Slack is set
    up); prints one line when something happened. Formulas that depend on them are in `keys` too."""
    if not keys or not (runtime.config.alerts.alerts or runtime.config.alerts.thresholds_from_kpis):
        return
    jobs = alert_jobs(runtime)
    report = jobs.evaluate(runtime.clock.now(), keys=sorted(set(keys)))
    delivery = jobs.deliver() if jobs.deliver_enabled and report.enqueued else None
    line = change_line(report, delivery)
    if line:
        click.echo(line)
