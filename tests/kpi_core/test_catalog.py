from __future__ import annotations

import doctest

import pytest

import kpi_core.catalog
from kpi_core.catalog import Catalog, UnknownKpiError, normalize_name
from kpi_core.config.models import KpiDefinition


def kpi(key: str, name: str, *, category: str, aliases: tuple[str, ...] = ()) -> KpiDefinition:
    return KpiDefinition(key=key, name=name, category=category, aliases=aliases)


KPIS = [
    kpi("mrr", "Monthly Recurring Revenue", category="revenue", aliases=("MRR",)),
    kpi("arr", "Annual Recurring Revenue", category="revenue"),
    kpi("dau_mau", "DAU/MAU", category="growth", aliases=("stickiness",)),
    kpi("ltv", "Customer Lifetime Value", category="unit_economics", aliases=("LTV", "lifetime value")),
    kpi("cac", "Customer Acquisition Cost", category="unit_economics", aliases=("CAC",)),
    kpi("ltv_cac", "LTV:CAC", category="unit_economics", aliases=("LTV to CAC",)),
    kpi("churn_rate", "Monthly Churn Rate", category="revenue", aliases=("churn",)),
    kpi("nps", "Net Promoter Score", category="growth", aliases=("NPS",)),
]


@pytest.fixture
def catalog() -> Catalog:
    return Catalog({k.key: k for k in KPIS})


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("mrr", "mrr"),
        ("MRR", "mrr"),
        ("  Mrr ", "mrr"),
        ("monthly recurring revenue", "mrr"),
        ("Monthly-Recurring-Revenue", "mrr"),
        ("LTV:CAC", "ltv_cac"),
        ("ltv_cac", "ltv_cac"),
        ("ltv cac", "ltv_cac"),
        ("LTV-CAC", "ltv_cac"),
        ("ltv/cac", "ltv_cac"),
        ("ltv to cac", "ltv_cac"),
        ("ltv", "ltv"),
        ("Lifetime Value", "ltv"),
        ("DAU/MAU", "dau_mau"),
        ("dau mau", "dau_mau"),
        ("Stickiness", "dau_mau"),
        ("churn", "churn_rate"),
        ("Churn Rate", "churn_rate"),
        ("net promoter score!", "nps"),
    ],
)
def test_find_by_key_name_or_alias_ignoring_case_and_punctuation(
    catalog: Catalog, query: str, key: str
) -> None:
    found = catalog.find(query)
    assert found is not None and found.key == key
    assert catalog.resolve(query).key == key
    assert query in catalog


@pytest.mark.parametrize("query", ["", "   ", "::", "revenue", "mmr", "ltvcacx"])
def test_find_returns_none_for_no_exact_match(catalog: Catalog, query: str) -> None:
    assert catalog.find(query) is None
    assert query not in catalog


def test_normalize_name() -> None:
    assert normalize_name("LTV:CAC") == normalize_name("ltv_cac") == normalize_name(" ltv cac ") == "ltvcac"
    assert normalize_name("Straße") == "strasse"


@pytest.mark.parametrize(
    ("query", "first"),
    [("mmr", "mrr"), ("chrun", "churn_rate"), ("ltv-cacc", "ltv_cac"), ("NPSS", "nps"), ("dau", "dau_mau")],
)
def test_resolve_suggests_keys_for_typos(catalog: Catalog, query: str, first: str) -> None:
    with pytest.raises(UnknownKpiError) as raised:
        catalog.resolve(query)
    error = raised.value
    assert error.query == query
    assert error.suggestions[0] == first
    assert 1 <= len(error.suggestions) <= 3
    assert set(error.suggestions) <= set(catalog.keys())
    assert f"No KPI called '{query}'" in str(error)
    assert first in str(error)


def test_suggestions_reach_names_and_aliases_and_are_capped_at_three(catalog: Catalog) -> None:
    with pytest.raises(UnknownKpiError) as raised:
        catalog.resolve("revenue")
    # "revenue" is inside both recurring revenue names (and churn's is not).
    assert raised.value.suggestions[:2] == ["mrr", "arr"]
    assert catalog.suggest("customer") == ["ltv", "cac"]
    assert len(catalog.suggest("r")) <= 3
    assert catalog.suggest("lifetime valu") == ["ltv"]


def test_unknown_kpi_without_suggestions(catalog: Catalog) -> None:
    with pytest.raises(UnknownKpiError) as raised:
        catalog.resolve("xyzzy")
    assert raised.value.suggestions == []
    assert str(raised.value) == "No KPI called 'xyzzy'."
    with pytest.raises(UnknownKpiError, match="Which KPI"):
        catalog.resolve("  ")
    assert isinstance(raised.value, LookupError)


def test_error_message_lists_suggestions_readably() -> None:
    assert str(UnknownKpiError("mmr", ["mrr", "arr"])) == "No KPI called 'mmr'. Did you mean mrr or arr?"
    assert str(UnknownKpiError("x", ["a", "b", "c"])) == "No KPI called 'x'. Did you mean a, b or c?"


def test_keys_win_over_names_and_names_over_aliases() -> None:
    catalog = Catalog(
        {
            "burn": kpi("burn", "Burn Rate", category="efficiency", aliases=("runway",)),
            "runway": kpi("runway", "Runway", category="efficiency", aliases=("burn rate",)),
        }
    )
    assert catalog.resolve("runway").key == "runway"  # a key beats burn's alias
    assert catalog.resolve("burn rate").key == "burn"  # a name beats runway's alias


def test_categories_in_config_order(catalog: Catalog) -> None:
    categories = catalog.categories()
    assert list(categories) == ["revenue", "growth", "unit_economics"]
    assert [k.key for k in categories["revenue"]] == ["mrr", "arr", "churn_rate"]
    assert [k.key for k in categories["unit_economics"]] == ["ltv", "cac", "ltv_cac"]
    categories["revenue"].clear()  # a copy: the catalog is unchanged
    assert len(catalog.categories()["revenue"]) == 3


@pytest.mark.parametrize(
    ("query", "category"),
    [
        ("revenue", "revenue"),
        ("Revenue", "revenue"),
        (" GROWTH ", "growth"),
        ("unit economics", "unit_economics"),
        ("Unit-Economics", "unit_economics"),
        ("efficiency", None),
        ("", None),
    ],
)
def test_find_category(catalog: Catalog, query: str, category: str | None) -> None:
    assert catalog.find_category(query) == category


def test_container_protocol(catalog: Catalog) -> None:
    assert len(catalog) == len(KPIS)
    assert [k.key for k in catalog] == [k.key for k in KPIS]
    assert catalog.keys()[0] == "mrr"
    assert 42 not in catalog
    assert len(Catalog({})) == 0 and Catalog({}).categories() == {}


def test_doctests() -> None:
    assert doctest.testmod(kpi_core.catalog).failed == 0
