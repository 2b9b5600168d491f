"""`kpibot` commands: core."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.cli.alerts import evaluate_after_change
from bot.cli.context import config_option, load_config_or_exit, load_settings
from bot.cli.kpi_text import no_data_hint, render_snapshot, render_table
from kpi_core.catalog import UnknownKpiError
from kpi_core.config.models import KpiDefinition
from kpi_core.format import format_kpi_value
from kpi_core.importer import ValueParseError, import_csv, parse_value
from kpi_core.periods import period_label
from kpi_core.runtime import Runtime
from kpi_core.sources import KpiRefresh, recompute_formulas, refresh
from kpi_core.storage.db import Database
from kpi_core.storage.migrate import current_revision, upgrade
from kpi_core.windows import WindowError, parse_window


def register(cli: click.Group) -> None:
    """Add this module's commands to the `kpibot` group (`validate` is in bot.cli.validate: it must start
    without the database layer this module imports)."""
    register_data_commands(cli)


# -- data commands (core-data): db upgrade, demo-data, refresh, record, import, show ---------------------


def open_runtime(ctx: click.Context) -> Runtime:
    """Settings, config (issues printed, exit 1) and a migrated database; a test may inject obj["clock"]."""
    settings = load_settings(ctx)
    config = load_config_or_exit(ctx, settings=settings)
    obj = ctx.find_root().obj
    clock = obj.get("clock") if isinstance(obj, dict) else None
    try:
        return Runtime.create(settings, config=config, clock=clock)
    except (SQLAlchemyError, OSError) as error:
        raise click.ClickException(
            f"cannot open the database {_safe_url(settings.database_url)}: {error}"
        ) from None


def resolve_kpi(runtime: Runtime, name: str) -> KpiDefinition:
    """A KPI by key, name or alias; an unknown one exits 1 with "did you mean"."""
    try:
        return runtime.service.catalog.resolve(name)
    except UnknownKpiError as error:
        raise click.ClickException(str(error)) from None


def parse_at(text: str, timezone: str) -> date:
    """`--at`: an ISO date, or an ISO datetime (with an offset: converted to the configured timezone)."""
    try:
        if len(text.strip()) == 10:
            return date.fromisoformat(text.strip())
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 date or datetime (2026-11-19 or 2026-11-19T09:00Z)"
        ) from None
    return moment.astimezone(ZoneInfo(timezone)).date() if moment.tzinfo else moment.date()


def register_data_commands(cli: click.Group) -> None:
    """`db upgrade`, `demo-data`, `refresh`, `record`, `import` and `show` (`demo`: kpibot_demo/cli.py)."""

    @cli.group("db")
    def db_group() -> None:
        """kpibot's own database (DATABASE_URL)."""

    @db_group.command("upgrade")
    @click.pass_context
    def db_upgrade(ctx: click.Context) -> None:
        """Run the database migrations (Alembic) up to the newest revision; safe to run again."""
        settings = load_settings(ctx)
        try:
            database = Database.from_url(settings.database_url)
            upgrade(database.engine)
            revision = current_revision(database.engine)
        except (SQLAlchemyError, OSError) as error:
            raise click.ClickException(
                f"cannot migrate {_safe_url(settings.database_url)}: {error}"
            ) from None
        click.echo(f"database {_safe_url(settings.database_url)} is at revision {revision}")
        database.engine.dispose()

    @cli.command("demo-data")
    @click.option(
        "--end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day of data (default: today)."
    )
    @click.option(
        "--months", type=click.IntRange(6, 120), default=24, show_default=True, help="Months of history."
    )
    @click.option("--url", default=None, help="Warehouse URL (default: databases.warehouse in kpis.yml).")
    @config_option
    @click.pass_context
    def demo_data(ctx: click.Context, end: datetime | None, months: int, url: str | None) -> None:
        """Create the demo warehouse: deterministic raw SaaS data (subscriptions, signups, events, costs)."""
        from kpibot_demo.data.warehouse import build_warehouse

        if url is None:
            url = load_config_or_exit(ctx).database_url("warehouse")
        last_day = end.date() if end else datetime.now(UTC).date()
        try:
            built = build_warehouse(url, end=last_day, months=months)
        except (ValueError, SQLAlchemyError, OSError) as error:
            raise click.ClickException(
                f"cannot build the demo warehouse at {_safe_url(url)}: {error}"
            ) from None
        click.echo(
            f"demo warehouse {built.url}: {built.total_rows:,} rows, {built.months} months "
            f"({built.start} to {built.end}), checksum {built.checksum[:12]}"
        )
        for incident in built.incidents:
            click.echo(f"  planted: {incident.description}")
        runtime = open_runtime(ctx)  # values of push KPIs whose source system is not in the warehouse
        rows = [(p.kpi, p.period_start, p.value) for p in built.pushed if p.kpi in runtime.config.kpis]
        if rows:
            runtime.service.store.record_many(rows, source="push", now=runtime.clock.now())
            click.echo(f"recorded {len(rows)} values of push KPIs: {', '.join(sorted({r[0] for r in rows}))}")
        runtime.close()
        click.echo("next: kpibot refresh")

    @cli.command("refresh")
    @click.argument("keys", nargs=-1)
    @config_option
    @click.pass_context
    def refresh_command(ctx: click.Context, keys: tuple[str, ...]) -> None:
        """Run the sql sources (all, or KEYS) and recompute formulas; exit 1 if any source failed."""
        runtime = open_runtime(ctx)
        chosen = [resolve_kpi(runtime, key).key for key in keys] or None
        report = refresh(
            runtime.config, runtime.db, now=runtime.clock.now(), keys=chosen, timezone=runtime.timezone
        )
        kpis = runtime.config.kpis
        for result in report.results:
            if result.kind != "push" or chosen:
                click.echo(refresh_line(result, kpis[result.key]))
        done = [r for r in report.results if r.kind != "push"]
        click.echo(
            f"refreshed {len(done) - len(report.failed)} of {len(done)} KPIs; {len(report.failed)} failed"
        )
        evaluate_after_change(runtime, [r.key for r in report.results if r.ok and r.values])
        runtime.close()
        if report.failed:
            ctx.exit(1)

    @cli.command("record", context_settings={"ignore_unknown_options": True})
    @click.argument("key")
    @click.argument("value")
    @click.option(
        "--at", "at_text", default=None, help="ISO 8601 date or datetime the value is for (default: now)."
    )
    @click.option("--force", is_flag=True, help="Record even for a sql or formula KPI.")
    @config_option
    @click.pass_context
    def record_command(ctx: click.Context, key: str, value: str, at_text: str | None, force: bool) -> None:
        """Record VALUE for KPI KEY ("12,450", "$1.2M", "3.2%"), replacing the period's value if any."""
        runtime = open_runtime(ctx)
        kpi = resolve_kpi(runtime, key)
        try:  # the value first: --force never makes a bad value acceptable
            number = parse_value(value, kpi)
        except ValueParseError as error:
            raise click.ClickException(f"{kpi.key}: {error} (nothing recorded)") from None
        if kpi.source.kind != "push" and not force:
            raise click.ClickException(
                f"{kpi.key} comes from its {kpi.source.kind} source, "
                "so a refresh would replace a recorded value (use --force to record it anyway)"
            )
        day = parse_at(at_text, runtime.timezone) if at_text else runtime.service.today()
        now = runtime.clock.now()
        store = runtime.service.store
        result = store.record(kpi.key, day, number, source="push", now=now)
        shown = format_kpi_value(kpi, number, compact=False)
        click.echo(f"recorded {kpi.name} ({kpi.key}) = {shown} for {period_label(result.period, kpi.grain)}")
        if result.replaced:
            entry = store.history(kpi.key, result.period)[-1]
            old = format_kpi_value(kpi, entry.old_value, compact=False)
            click.echo(
                f"replaced {old} ({entry.old_source}, recorded {entry.old_recorded_at:%Y-%m-%d %H:%M} UTC)"
            )
        elif result.outcome == "unchanged":
            click.echo("unchanged: that value was already recorded")
        if result.outcome != "unchanged":
            derived = recompute_formulas(runtime.config, runtime.db, now=now, changed=[kpi.key])
            if derived:
                click.echo("recomputed " + ", ".join(r.key for r in derived))
            evaluate_after_change(runtime, [kpi.key, *(r.key for r in derived)])
        runtime.close()

    @cli.command("import")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Also import values of sql and formula KPIs.")
    @click.option("--strict", is_flag=True, help="Write nothing if any row is bad.")
    @click.option("--dry-run", is_flag=True, help="Check the file, write nothing.")
    @config_option
    @click.pass_context
    def import_command(ctx: click.Context, file: Path, force: bool, strict: bool, dry_run: bool) -> None:
        """Import FILE.csv with columns kpi, period (or date), value; bad rows are listed by row number."""
        runtime = open_runtime(ctx)
        report = import_csv(
            file,
            runtime.config,
            runtime.db,
            now=runtime.clock.now(),
            force=force,
            strict=strict,
            dry_run=dry_run,
        )
        if report.file_error is not None:
            raise click.ClickException(report.file_error)
        for error in report.errors:
            click.echo(str(error), err=True)
        for note in report.notes:
            click.echo(note)
        if report.committed:
            click.echo(
                f"imported {report.accepted} of {report.rows} rows: {report.count('inserted')} new, "
                f"{report.count('replaced')} replaced, {report.count('unchanged')} unchanged"
            )
            if report.derived:
                click.echo("recomputed " + ", ".join(r.key for r in report.derived))
            changed = [w.kpi_key for w in report.written if w.outcome != "unchanged"]
            evaluate_after_change(runtime, [*changed, *(r.key for r in report.derived)])
        else:
            why = (
                "dry run"
                if dry_run
                else ("--strict and some rows are bad" if strict and report.errors else "")
            )
            click.echo(
                f"nothing written ({why or 'no good rows'}): {report.accepted} of {report.rows} rows are good"
            )
        if report.errors:
            click.echo(f"{len(report.errors)} bad row(s) were not imported", err=True)
        runtime.close()
        if report.errors:
            ctx.exit(1)

    @cli.command("show")
    @click.argument("key", required=False)
    @click.option("--all", "show_all", is_flag=True, help="A table of every KPI, grouped by category.")
    @click.option("--window", default=None, help="Series window: 30d, 12w, 6m, 1y, ytd, all.")
    @click.option("--at", "at_text", default=None, help="The date to look at (default: today).")
    @config_option
    @click.pass_context
    def show(
        ctx: click.Context, key: str | None, show_all: bool, window: str | None, at_text: str | None
    ) -> None:
        """Print what `/kpi KEY` shows, as text (KEY may be a name, an alias or a category)."""
        if not key and not show_all:
            raise click.UsageError("give a KPI (kpibot show mrr) or --all")
        try:
            chosen_window = parse_window(window) if window else None
        except WindowError as error:
            raise click.BadParameter(str(error), param_hint="--window") from None
        runtime = open_runtime(ctx)
        at = parse_at(at_text, runtime.timezone) if at_text else None
        catalog = runtime.service.catalog
        category = catalog.find_category(key) if key and not catalog.find(key) else None
        if show_all or category:
            groups = {n: kpis for n, kpis in catalog.categories().items() if show_all or n == category}
            keys = [kpi.key for kpis in groups.values() for kpi in kpis]
            snapshots = {s.kpi.key: s for s in runtime.service.snapshots(keys, at=at)}
            click.echo(render_table({n: [snapshots[k.key] for k in kpis] for n, kpis in groups.items()}))
            shown = list(snapshots.values())
        else:
            kpi = resolve_kpi(runtime, key or "")
            snapshot = runtime.service.snapshot(kpi.key, at=at, window=chosen_window)
            label = chosen_window.label if chosen_window else None
            click.echo(render_snapshot(snapshot, timezone=runtime.timezone, window_label=label))
            shown = [snapshot]
        if all(s.value is None for s in shown):
            url = _safe_url(runtime.settings.database_url)
            click.echo(no_data_hint(database_url=url, demo_exists=Path("data/demo.db").exists()), err=True)
        runtime.close()


def refresh_line(result: KpiRefresh, kpi: KpiDefinition) -> str:
    """`✓ mrr  24 values (2 new, 1 replaced, 21 unchanged) · latest Mar 2026: $12,450` and any notes."""
    if result.error:
        return f"  ✗ {result.key}: {result.error}"
    if result.kind == "push":
        return f"  · {result.key}: push KPI, nothing to refresh (kpibot record / import)"
    text = (
        f"  ✓ {result.key}: {result.values} values ({result.inserted} new, {result.replaced} replaced, "
        f"{result.unchanged} unchanged)"
    )
    if result.latest:
        period, value = result.latest
        text += f" · latest {period_label(period, kpi.grain)}: {format_kpi_value(kpi, value)}"
    return "\n".join([text, *(f"      note: {note}" for note in result.notes)])


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
