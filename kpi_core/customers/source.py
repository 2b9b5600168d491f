"""Reading customer snapshots from a query result (what the `customers:` source in kpis.yml returns),
and labelling them: churned within the horizon after the snapshot, stayed, or not known yet."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from kpi_core.customers.churn import CustomerSnapshot
from kpi_core.warehouse_sql import SourceError, parse_period

REQUIRED = ("customer_id", "name", "as_of", "churned_on")


class CustomerDataError(ValueError):
    """The customer query's result cannot be used; the message says which row or column."""


def snapshots_from_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    features: Sequence[str],
    horizon_days: int,
    value: str = "contract_value",
) -> list[CustomerSnapshot]:
    """Every row as a snapshot; `churned` is known only when the horizon has passed by the newest as_of."""
    lowered = [c.lower() for c in columns]
    missing = [name for name in (*REQUIRED, *features) if name not in lowered]
    if missing:
        raise CustomerDataError(
            f"the customer query must return {', '.join((*REQUIRED, *features))}; "
            f"missing: {', '.join(missing)}"
        )
    at = {name: lowered.index(name) for name in lowered}
    parsed = []
    for number, row in enumerate(rows, start=1):
        try:
            as_of = parse_period(row[at["as_of"]], f"row {number} as_of")
            raw_churn = row[at["churned_on"]]
            churned_on = None if raw_churn is None else parse_period(raw_churn, f"row {number} churned_on")
        except SourceError as error:
            raise CustomerDataError(str(error)) from None
        numbers = {name: _number(row[at[name]], number, name) for name in features}
        worth = _number(row[at[value]], number, value) if value in at else None
        parsed.append((row, as_of, churned_on, numbers, worth))
    newest = max((as_of for _, as_of, _, _, _ in parsed), default=None)
    horizon = timedelta(days=horizon_days)
    result = []
    for row, as_of, churned_on, numbers, worth in parsed:
        result.append(
            CustomerSnapshot(
                str(row[at["customer_id"]]),
                str(row[at["name"]]),
                as_of,
                numbers,
                _label(as_of, churned_on, newest=newest, horizon=horizon),
                worth,
            )
        )
    return result


def _label(as_of: date, churned_on: date | None, *, newest: date | None, horizon: timedelta) -> bool | None:
    if churned_on is not None and as_of < churned_on <= as_of + horizon:
        return True
    if newest is not None and as_of + horizon <= newest:
        return False
    return None


def _number(raw: Any, number: int, column: str) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise CustomerDataError(f"row {number}: {column} is {raw!r}, not a number") from None
    if not math.isfinite(value):
        raise CustomerDataError(f"row {number}: {column} is not a finite number")
    return value


def latest_snapshots(snapshots: Sequence[CustomerSnapshot]) -> list[CustomerSnapshot]:
    """Each customer's newest snapshot on the newest snapshot day (the customers active now)."""
    if not snapshots:
        return []
    newest = max(s.as_of for s in snapshots)
    return [s for s in snapshots if s.as_of == newest]
