"""`/kpi cohorts`, `/kpi at-risk`, `/kpi health`, `/kpi stage` and `/kpi dashboard <role>`.

Registered as extra verbs on `Answers` (like the alert commands), so the core `/kpi` answers stay as they
are. Each handler asks kpi_core, renders a chart when there is one, and lays out blocks.
"""

from __future__ import annotations

from functools import partial

from bot.answers import Answers
from bot.blocks.analytics import build_at_risk, build_cohort_message, build_health, build_stage
from bot.blocks.dashboard import build_dashboard
from bot.blocks.kpi_card import local_now
from bot.blocks.primitives import Message
from bot.charts import Panel, chart_cache_key, render_panels
from bot.charts.cohort_chart import render_cohort_heatmap
from bot.charts.health_chart import render_health_chart
from bot.grammar import CommandError, KpiRequest
from bot.slack.uploads import share_chart
from kpi_core.cohorts import CohortDataError, CohortKind
from kpi_core.cohorts.service import cohort_table
from kpi_core.customers.churn import ChurnModelUnavailableError, NotEnoughHistoryError
from kpi_core.customers.service import customer_report
from kpi_core.customers.source import CustomerDataError
from kpi_core.health import HealthWeights, NoRatedKpisError, health_score
from kpi_core.health_inputs import health_inputs, stage_values
from kpi_core.stages import current_stage, evaluate_stage

AT_RISK_LIMIT = 10


def answer_cohorts(answers: Answers, request: KpiRequest, user_id: str, channel_id: str) -> list[Message]:
    kinds = {k.value: k for k in CohortKind}
    name = request.subject.strip().lower() or "retention"
    if name not in kinds:
        raise CommandError(
            "Cohort tables: `/kpi cohorts retention`, `/kpi cohorts revenue` or `/kpi cohorts adoption`."
        )
    try:
        table = cohort_table(answers.runtime.config, kind=kinds[name], today=answers.runtime.service.today())
    except CohortDataError as error:
        raise CommandError(f"No cohort table: {error}.") from None
    key = ("cohorts", table.kind.value, table.as_of, tuple((r.label, r.cells, r.nrr) for r in table.rows))
    chart = answers.charts.get_or_render(key, partial(render_cohort_heatmap, table))
    channel = answers.private_channel(user_id, channel_id)
    file_id = share_chart(answers.client, chart, channel=channel) if channel else None
    return [build_cohort_message(table, chart_file_id=file_id, chart_alt_text=chart.alt_text)]


def answer_at_risk(answers: Answers, request: KpiRequest, user_id: str, channel_id: str) -> list[Message]:
    try:
        report = customer_report(answers.runtime.config)
    except NotEnoughHistoryError as error:
        raise CommandError(f"I am not scoring churn risk yet: {error}.") from None
    except (ChurnModelUnavailableError, CustomerDataError) as error:
        raise CommandError(f"Churn risk is not available: {error}.") from None
    return [
        build_at_risk(
            report.at_risk(limit=AT_RISK_LIMIT),
            evaluation=report.model.evaluation,
            customers=len(report.risks),
            as_of=f"{report.as_of:%-d %b %Y}",
            segments=report.summary,
        )
    ]


def answer_health(answers: Answers, request: KpiRequest, user_id: str, channel_id: str) -> list[Message]:
    service = answers.runtime.service
    weights = HealthWeights(
        tiers={str(tier): w for tier, w in answers.runtime.config.catalog.health.tiers.items()}
    )
    try:
        score = health_score(health_inputs(service.snapshots()), weights=weights)
    except NoRatedKpisError as error:
        raise CommandError(f"No health score yet: {error}.") from None
    key = ("health", round(score.score, 3), tuple((c.category, round(c.score, 3)) for c in score.categories))
    chart = answers.charts.get_or_render(key, partial(render_health_chart, score))
    channel = answers.private_channel(user_id, channel_id)
    file_id = share_chart(answers.client, chart, channel=channel) if channel else None
    updated = local_now(answers.runtime.clock.now(), answers.timezone)
    return [build_health(score, updated=updated, chart_file_id=file_id, chart_alt_text=chart.alt_text)]


def answer_stage(answers: Answers, request: KpiRequest, user_id: str, channel_id: str) -> list[Message]:
    stages = answers.runtime.config.catalog.stages
    if not stages:
        raise CommandError("No business stages are set up for this workspace.")
    service = answers.runtime.service
    stage = current_stage(stages, today=service.today())
    keys = [t.kpi for c in stage.criteria for t in c.targets if t.kpi is not None]
    values = stage_values(service.snapshots(list(dict.fromkeys(keys))))
    return [build_stage(evaluate_stage(stages, stage, values=values))]


def answer_dashboard(answers: Answers, request: KpiRequest, user_id: str, channel_id: str) -> list[Message]:
    channel = answers.private_channel(user_id, channel_id)
    name = request.subject.strip().lower().replace(" ", "_").replace("-", "_")
    if not name:
        return [answers.dashboard(chart_channel=channel)]
    boards = answers.runtime.config.catalog.dashboards
    if name not in boards:
        choices = ", ".join(f"`/kpi dashboard {key}`" for key in boards) or "none are set up"
        raise CommandError(f"There is no dashboard called “{request.subject[:40]}”. Dashboards: {choices}.")
    layout = boards[name]
    data = answers.runtime.service.dashboard(layout=layout)
    panels = [Panel(title=p.title, snapshots=tuple(p.snapshots), kind=p.kind) for p in data.panels]
    chart = None
    if panels:
        key = ("dashboard", name, *(chart_cache_key(s) for p in panels for s in p.snapshots))
        chart = answers.charts.get_or_render(key, partial(render_panels, panels, title=layout.title))
    file_id = share_chart(answers.client, chart, channel=channel) if chart and channel else None
    return [
        build_dashboard(
            headline=data.headline,
            quick_stats=data.quick_stats,
            alerts=answers.open_alert_lines(),
            updated=local_now(answers.runtime.clock.now(), answers.timezone),
            chart_file_id=file_id,
            chart_alt_text=chart.alt_text if chart else "",
            title=layout.title,
            audience=layout.audience,
            health=answers.company_health(),
        )
    ]


def register(answers: Answers) -> None:
    """Add the analytics verbs to `/kpi`."""
    for verb, handler in (
        ("cohorts", answer_cohorts),
        ("at_risk", answer_at_risk),
        ("health", answer_health),
        ("stage", answer_stage),
        ("dashboard", answer_dashboard),
    ):
        answers.extra_verbs[verb] = partial(handler, answers)
