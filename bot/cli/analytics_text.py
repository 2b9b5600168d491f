"""Plain-text layouts of the analytics for the terminal: a cohort table, the at-risk list, the model."""

from __future__ import annotations

from kpi_core.cohorts import CohortKind, CohortTable
from kpi_core.customers.churn import Evaluation
from kpi_core.customers.service import AtRiskAccount
from kpi_core.format import format_value

MISSING = "-"


def _cell(table: CohortTable, value: float | None) -> str:
    if value is None:
        return MISSING
    if table.unit == "percent":
        return format_value(value, "percent", decimals=0)
    return format_value(value, table.unit, decimals=0)


def cohort_text(table: CohortTable) -> str:
    """The table the way the framework lays it out, then its targets and insights."""
    first = "Feature" if table.kind is CohortKind.ADOPTION else "Cohort"
    header = [first, *(f"{table.period_name} {p}" for p in table.periods)]
    if table.kind is CohortKind.REVENUE:
        header.append("NRR")
    lines = []
    for row in table.rows:
        cells = [row.label, *(_cell(table, v) for v in row.cells)]
        if table.kind is CohortKind.REVENUE:
            nrr = MISSING if row.nrr is None else format_value(row.nrr, "percent", decimals=0)
            cells.append(
                nrr if row.nrr_month in (None, table.nrr_target_month) else f"{nrr} (M{row.nrr_month})"
            )
        lines.append(cells)
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

    def render(cells: list[str]) -> str:
        first_cell = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return " | ".join([first_cell, *rest]).rstrip()

    out = [
        table.title,
        f"Complete {table.period_name.lower()}s to {table.as_of:%-d %b %Y}; - means not over yet",
        "",
    ]
    out.append(render(header))
    out.append("-+-".join("-" * width for width in widths))
    out += [render(cells) for cells in lines]
    if table.insights:
        out += ["", "Insights:", *(f"• {line}" for line in table.insights)]
    return "\n".join(out)


def evaluation_text(evaluation: Evaluation) -> str:
    return (
        f"Churn model: AUC {evaluation.auc:.2f} on {evaluation.test_snapshots:,} held-back snapshots "
        f"(from {evaluation.test_from:%-d %b %Y}, {evaluation.test_churned} churned), trained on "
        f"{evaluation.train_snapshots:,}; {evaluation.seconds:.1f} s"
    )


def at_risk_text(accounts: tuple[AtRiskAccount, ...], *, currency: str = "USD") -> str:
    if not accounts:
        return "No account is at medium or high churn risk."
    lines = []
    for account in accounts:
        risk = account.risk
        value = (
            MISSING if risk.contract_value is None else format_value(risk.contract_value, currency) + "/mo"
        )
        factors = ", ".join(
            f"{f.label} {format_value(f.value, 'count') if f.value is not None else MISSING} "
            f"(typical {format_value(f.typical, 'count')})"
            for f in risk.factors
        )
        segment = f" · {account.segment.segment}" if account.segment else ""
        lines.append(f"{risk.level} {risk.probability:.0%}  {risk.name}  {value}{segment}")
        lines.append(f"    why: {factors or 'no single factor stands out'}")
        lines.append(f"    next: {account.action}")
    return "\n".join(lines)
