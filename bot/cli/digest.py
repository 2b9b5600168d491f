"""`kpibot digest preview|send` and `kpibot schedule`.

kpibot digest preview weekly --date 2026-11-11 --out /tmp/preview   # JSON, PNGs, HTML; posts nothing
kpibot digest send daily                  # post the latest period now, unless the ledger has it
kpibot digest send daily --force          # post it again anyway
kpibot schedule                           # every job and its next run, in its own timezone
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.cli.context import config_option, load_config_or_exit, load_settings
from bot.cli.core import open_runtime, parse_at
from kpi_core.clock import Clock, SystemClock
from kpi_core.config.loader import AppConfig
from kpi_core.digests.config import DigestDefinition
from kpi_core.digests.periods import DigestPeriod, digest_period, period_containing
from scheduling.triggers import digest_trigger, next_fire_time, previous_fire_time

_OUTCOMES = {
    "posted": "posted",
    "done_before": "already posted (the ledger has it); --force posts it again",
    "skipped": "skipped: no new data since the previous digest; --force posts it anyway",
    "in_progress": "another run is posting it right now; try again in a few minutes",
}


def register(cli: click.Group) -> None:
    """Add `digest preview`, `digest send` and `schedule` to the `kpibot` group."""

    @cli.group("digest")
    def digest_group() -> None:
        """Scheduled digests (digests.yml): preview one, or post one now."""

    @digest_group.command("preview")
    @click.argument("name")
    @click.option("--date", "day_text", default=None, help="A day in the period to report (ISO date).")
    @click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("digest-preview"),
        show_default=True,
        help="Where to write the JSON, the PNGs and the HTML preview.",
    )
    @config_option
    @click.pass_context
    def preview(ctx: click.Context, name: str, day_text: str | None, out: Path) -> None:
        """Write a digest's Block Kit JSON, chart PNGs and an HTML preview, without posting.

        Without --date: the period its latest scheduled run reported."""
        from bot.cli.digest_preview import write_preview
        from scheduling.scheduler import make_builder

        runtime = open_runtime(ctx)
        try:
            digest = find_digest(runtime.config, name)
            day = parse_at(day_text, digest.timezone) if day_text else None
            period = choose_period(digest, now=runtime.clock.now(), day=day)
            build = make_builder(service=runtime.service, config=runtime.config, clock=runtime.clock)
            content = build(digest, period, previous_run_at=None, late=False)
            files = write_preview(content, out)
        finally:
            runtime.close()
        click.echo(f"{content.fallback_text}")
        for path in (files.json, *files.charts, files.html):
            click.echo(f"  wrote {path}")
        for problem in files.problems:
            click.echo(f"  no chart: {problem}", err=True)
        if content.missing:
            click.echo(f"  no data: {', '.join(content.missing)}", err=True)

    @digest_group.command("send")
    @click.argument("name")
    @click.option("--date", "day_text", default=None, help="A day in the period to report (ISO date).")
    @click.option("--force", is_flag=True, help="Post even if the ledger says this period was posted.")
    @config_option
    @click.pass_context
    def send(ctx: click.Context, name: str, day_text: str | None, force: bool) -> None:
        """Post a digest now, for its latest period (or the one containing --date), through the ledger."""
        from bot.digests import SlackDigestPoster
        from bot.slack.client import make_client
        from scheduling.service import Background

        settings = load_settings(ctx)
        if not settings.slack_bot_token:
            raise click.ClickException(
                "SLACK_BOT_TOKEN is not set: `kpibot digest send` posts to Slack. Set it (xoxb-...), or "
                "use `kpibot digest preview NAME` to see the digest without posting."
            )
        runtime = open_runtime(ctx)
        try:
            digest = find_digest(runtime.config, name)
            day = parse_at(day_text, digest.timezone) if day_text else None
            poster = SlackDigestPoster(make_client(settings), ops_channel=settings.ops_channel)
            background = Background.create(runtime, post_digest=poster)
            result = background.digests.send_now(digest, force=force, day=day)
        finally:
            runtime.close()
        where = ", ".join(result.posted) or ", ".join(result.already_posted)
        label = f"{digest.name} {result.period_key}"
        if result.outcome in ("failed", "lost"):
            raise click.ClickException(f"{label}: posting failed: {result.detail}")
        if result.outcome == "in_progress":
            raise click.ClickException(f"{label}: {_OUTCOMES['in_progress']}")
        suffix = f" to {where}" if result.outcome == "posted" and where else ""
        click.echo(f"{label}: {_OUTCOMES.get(result.outcome, result.outcome)}{suffix}")

    @cli.command("schedule")
    @config_option
    @click.pass_context
    def schedule(ctx: click.Context) -> None:
        """Every job `kpibot serve` runs (digests, refreshes) and its next run, in the job's own timezone."""
        from scheduling.scheduler import schedule_listing

        settings = load_settings(ctx)
        config = load_config_or_exit(ctx, settings=settings)
        now = _clock(ctx).now()
        jobs = schedule_listing(config, now=now, timezone=settings.timezone)
        rows = [("JOB", "SCHEDULE", "TIMEZONE", "NEXT RUN")]
        for job in jobs:
            when = f"{job.next_run:%a %-d %b %Y %H:%M %Z}" if job.next_run else "disabled"
            rows.append((job.name, job.schedule, job.timezone, when))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
            click.echo("  ".join([*cells, row[3]]))


def find_digest(config: AppConfig, name: str) -> DigestDefinition:
    """The digest called `name`, or a clean error naming the digests there are."""
    try:
        return config.digests.digest(name)
    except KeyError as error:
        raise click.ClickException(str(error.args[0])) from None


def choose_period(digest: DigestDefinition, *, now: datetime, day: date | None) -> DigestPeriod:
    """The period containing `day` (as its scheduled run after the period would post it), else the one
    the digest's latest scheduled run reported."""
    if day is not None:
        period = period_containing(digest, day, scheduled_for=now)
        after = datetime.combine(period.end + timedelta(days=1), time(), ZoneInfo(digest.timezone))
        return replace(period, scheduled_for=next_fire_time(digest_trigger(digest), after) or now)
    fire_time = previous_fire_time(digest_trigger(digest), now) or now
    return digest_period(digest, fire_time)


def _clock(ctx: click.Context) -> Clock:
    obj = ctx.find_root().obj
    clock = obj.get("clock") if isinstance(obj, dict) else None
    return clock or SystemClock()
