"""Block Kit for the analytics answers: cohort tables, accounts at risk, the health score, the stage."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.blocks.health_line import BAND_EMOJI
from bot.blocks.primitives import Message, chart_image, context, divider, escape, fields, header, section
from kpi_core.cohorts import CohortKind, CohortTable
from kpi_core.customers.churn import Evaluation, RiskLevel
from kpi_core.customers.segments import SegmentSummary
from kpi_core.customers.service import AtRiskAccount
from kpi_core.format import format_value
from kpi_core.health import HealthScore, KpiPoints
from kpi_core.stages import StageReport

COHORT_TITLES = {
    CohortKind.RETENTION: "📈 Retention cohorts",
    CohortKind.REVENUE: "💰 Revenue cohorts",
    CohortKind.ADOPTION: "🧩 Feature adoption cohorts",
}
RISK_EMOJI = {RiskLevel.HIGH: "🔴", RiskLevel.MEDIUM: "🟠", RiskLevel.LOW: "🟢"}  # the shared health colours
MET_EMOJI = {True: "✅", False: "❌", None: "⚪"}


def build_cohort_message(table: CohortTable, *, chart_file_id: str | None, chart_alt_text: str) -> Message:
    """The heatmap, then the insight lines (the table itself is in the image and its alt text)."""
    period = "months" if table.period_name == "Month" else "weeks"
    blocks: list[Block] = [
        header(COHORT_TITLES[table.kind]),
        context(f"📅 Complete {period} to {table.as_of:%-d %b %Y} · blank cells: not over yet"),
    ]
    if chart_file_id:
        blocks.append(chart_image(chart_file_id, chart_alt_text, title=table.title))
    if table.insights:
        blocks.append(section("*Insights*\n" + "\n".join(f"• {escape(line)}" for line in table.insights)))
    other = [k.value for k in CohortKind if k is not table.kind]
    blocks.append(context(f"Also: `/kpi cohorts {other[0]}`, `/kpi cohorts {other[1]}`"))
    text = f"{table.title}: " + "; ".join(table.insights[:2])
    return Message(text=text, blocks=blocks)


def build_at_risk(
    accounts: Sequence[AtRiskAccount],
    *,
    evaluation: Evaluation,
    customers: int,
    as_of: str,
    segments: Sequence[SegmentSummary] = (),
    currency: str = "USD",
) -> Message:
    """The riskiest accounts with value, risk, why and the next step. Sent only to the person who asked."""
    blocks: list[Block] = [
        header("⚠️ Accounts at risk of churning"),
        context(
            f"🔒 Only you can see this · {len(accounts)} of {customers} customers at medium or high risk, "
            f"as of {as_of} · model accuracy (AUC) {evaluation.auc:.2f} on held-back history"
        ),
    ]
    if not accounts:
        blocks.append(section("✅ No account is at medium or high churn risk."))
    for account in accounts[:20]:
        risk = account.risk
        value = "" if risk.contract_value is None else f" · {format_value(risk.contract_value, currency)}/mo"
        segment = f" · {account.segment.segment}" if account.segment else ""
        why = ", ".join(
            f"{f.label} {format_value(f.value, 'count') if f.value is not None else '—'} "
            f"(typical {format_value(f.typical, 'count')})"
            for f in risk.factors
        )
        blocks.append(
            section(
                f"{RISK_EMOJI[risk.level]} *{escape(risk.name)}*{value}{segment}\n"
                f"*{risk.level.value}* risk ({risk.probability:.0%}) · "
                f"why: {why or 'no single factor stands out'}\n"
                f"➡️ {escape(account.action)}"
            )
        )
    if segments:
        counts = " · ".join(f"{s.segment.value} {s.customers}" for s in segments)
        blocks.append(context(f"👥 Customer segments (recency, usage, contract value): {counts}"))
    names = ", ".join(a.risk.name for a in accounts[:5])
    return Message(text=f"Accounts at risk of churning: {names or 'none'}", blocks=blocks[:50])


def _drag_line(k: KpiPoints) -> str:
    standing = {"met": "target met", "on_pace": "on pace", "behind": "behind target", None: ""}[k.goal]
    health = {"healthy": "", "warning": "warning threshold crossed", "critical": "critical threshold crossed"}
    reasons = ", ".join(
        part for part in (standing if k.goal != "met" else "", health[k.health or "healthy"]) if part
    )
    return f"• *{escape(k.name)}*: −{k.drag:.0f} points ({reasons or 'below full marks'})"


def build_health(
    score: HealthScore, *, updated: str, chart_file_id: str | None = None, chart_alt_text: str = ""
) -> Message:
    """The overall score with its band, a sub-score per category (and their chart), what pulls it down."""
    overall = f"{BAND_EMOJI[score.band]} *{score.band.value}* ({score.score:.0f}/100)"
    blocks: list[Block] = [
        header("🩺 Company health"),
        context(f"📅 {updated} · from every KPI's target and thresholds, weighted by tier"),
        section(f"*Overall health:* {overall}"),
    ]
    blocks.extend(
        fields(
            [
                (c.category.replace("_", " ").title(), f"{BAND_EMOJI[c.band]} {c.band.value} ({c.score:.0f})")
                for c in score.categories
            ]
        )
    )
    if chart_file_id:
        blocks.append(chart_image(chart_file_id, chart_alt_text or "Company health by category"))
    if score.drags:
        blocks.append(divider())
        blocks.append(section("*What pulls it down*\n" + "\n".join(_drag_line(k) for k in score.drags)))
    if score.unrated:
        blocks.append(context(f"Not rated (no target or thresholds): {escape(', '.join(score.unrated))}"))
    text = f"Overall health: {score.band.value} ({score.score:.0f}/100)"
    return Message(text=text, blocks=blocks)


def build_stage(report: StageReport) -> Message:
    """The current stage: each category's targets with the KPI's value, met or not."""
    blocks: list[Block] = [
        header(f"🎯 Stage {report.position} of {report.of}: {report.name}"),
        context(
            " · ".join(
                part
                for part in (
                    escape(report.focus),
                    f"months {report.months}" if report.months else "",
                    f"next: {escape(report.next_stage)}" if report.next_stage else "",
                )
                if part
            )
        ),
    ]
    for criterion in report.criteria:
        checks = "\n".join(
            f"{MET_EMOJI[t.met]} {escape(t.text)}" + (f" · now {t.value}" if t.value else " · not measured")
            for t in criterion.targets
        )
        title = f"{MET_EMOJI[criterion.met]} *{escape(criterion.category)}*"
        if criterion.success:
            title += f" · {escape(criterion.success)}"
        blocks.append(section(f"{title}\n{checks}"))
    measured = sum(1 for c in report.criteria if c.met is not None)
    blocks.append(
        context(
            f"{report.met} of {len(report.criteria)} criteria met · "
            "⚪ not measured: judged by people or no data"
        )
    )
    text = f"Stage {report.position} of {report.of}: {report.name}, {report.met} of {measured} measured met"
    return Message(text=text, blocks=blocks)
