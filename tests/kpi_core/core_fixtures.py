"""Small real configs and ad-hoc warehouses for the storage, sources, importer, service and CLI tests."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from kpi_core.config.loader import AppConfig, load_config

BASE_KPIS: dict[str, dict[str, Any]] = {
    "mrr": {
        "name": "Monthly Recurring Revenue",
        "aliases": ["MRR"],
        "category": "revenue",
        "unit": "USD",
        "grain": "monthly",
        "measure": "level",  # a balance: this month's value is current
        "target": 20000,
        "owner": "cfo@example.com",
        "source": {"sql": "SELECT period, amount FROM revenue ORDER BY period", "database": "warehouse"},
    },
    "customers": {
        "name": "Paying customers",
        "category": "revenue",
        "unit": "count",
        "grain": "monthly",
        "measure": "level",
        "source": {"sql": "SELECT period, n FROM customers ORDER BY period", "database": "warehouse"},
    },
    "arpu": {
        "name": "ARPU",
        "category": "revenue",
        "unit": "USD",
        "grain": "monthly",
        "source": {"formula": "mrr / customers"},
    },
    "arr": {
        "name": "Annual Recurring Revenue",
        "category": "revenue",
        "unit": "USD",
        "grain": "monthly",
        "source": {"formula": "mrr * 12"},
    },
    "churn_rate": {
        "name": "Churn rate",
        "category": "retention",
        "unit": "percent",
        "direction": "lower",
        "grain": "monthly",
        "target": 2,
        "thresholds": {"warning": 3, "critical": 5},
    },
    "ltv": {
        "name": "Customer lifetime value",
        "category": "retention",
        "unit": "USD",
        "grain": "monthly",
        "source": {"formula": "arpu / (churn_rate / 100)"},
    },
    "nps": {"name": "Net Promoter Score", "category": "retention", "unit": "score", "grain": "quarterly"},
}


def write_config(
    directory: Path,
    *,
    warehouse_url: str,
    kpis: dict[str, dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a kpis.yml (BASE_KPIS unless `kpis`) to `directory` and return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    document = {"databases": {"warehouse": warehouse_url}, "kpis": kpis if kpis is not None else BASE_KPIS}
    document.update(extra or {})
    (directory / "kpis.yml").write_text(json.dumps(document, indent=2))  # JSON is YAML
    return directory


def make_config(
    directory: Path, *, warehouse_url: str, kpis: dict[str, dict[str, Any]] | None = None
) -> AppConfig:
    return load_config(write_config(directory, warehouse_url=warehouse_url, kpis=kpis), env={})


def fill_warehouse(url: str, statements: Iterable[str]) -> None:
    """Run DDL/DML against a warehouse URL (dialect-neutral SQL)."""
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(textwrap.dedent(statement)))
    engine.dispose()


BASE_WAREHOUSE = [
    "CREATE TABLE revenue (period DATE, amount NUMERIC(12, 2))",
    "INSERT INTO revenue VALUES ('2026-01-01', 10000), ('2026-02-01', 11000), ('2026-03-01', 12450)",
    "CREATE TABLE customers (period DATE, n INTEGER)",
    "INSERT INTO customers VALUES ('2026-01-01', 100), ('2026-02-01', 0), ('2026-03-01', 120)",
]
