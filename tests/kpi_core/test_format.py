from __future__ import annotations

import doctest
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kpi_core.format
from kpi_core.config.models import PLAIN_UNITS, KpiDefinition
from kpi_core.format import (
    MISSING,
    format_change,
    format_kpi_value,
    format_progress,
    format_value,
)
from kpi_core.snapshot import Change


@pytest.mark.parametrize(
    ("value", "unit", "kwargs", "expected"),
    [
        # The issue's examples, and the seeds' figures.
        (12_450, "USD", {}, "$12,450"),
        (1_200_000, "USD", {}, "$1.2M"),
        (28_000, "EUR", {}, "€28K"),
        (3.2, "percent", {}, "3.2%"),
        (7.7, "ratio", {}, "7.7:1"),
        (45, "days", {}, "45 days"),
        (4.7, "score", {"scale": 5}, "4.7/5"),
        (2_847, "count", {}, "2,847"),
        (52, "score", {}, "52"),
        (1_200_000, "EUR", {}, "€1.2M"),
        (3_800_000, "EUR", {}, "€3.8M"),
        (480_000, "USD", {}, "$480K"),
        (5_800_000, "USD", {}, "$5.8M"),
        (25_000_000, "USD", {}, "$25M"),
        (18_500, "EUR", {}, "€18,500"),
        (2_400, "EUR", {}, "€2,400"),
        (78, "percent", {}, "78%"),
        (99.7, "percent", {}, "99.7%"),
        (0.05, "percent", {}, "0.05%"),
        (10, "ratio", {}, "10:1"),
        (3.8, "ratio", {}, "3.8:1"),
        (4.2, "score", {"scale": 5.0}, "4.2/5"),
        (7.2, "score", {"scale": 10}, "7.2/10"),
        (18, "hours", {}, "18 hours"),
        (3.2, "hours", {}, "3.2 hours"),
        (1, "hours", {}, "1 hour"),
        (9.5, "minutes", {}, "9.5 minutes"),
        (1, "minutes", {}, "1 minute"),
        (1, "days", {}, "1 day"),
        (1.04, "days", {}, "1 day"),
        (1.5, "days", {}, "1.5 days"),
        (4.2, "seconds", {}, "4.2 s"),
        (0.18, "seconds", {}, "180 ms"),
        (0.9999, "seconds", {}, "1 s"),
        (0, "seconds", {}, "0 s"),
        # Currencies: symbols where unambiguous, the code otherwise, cents only for small amounts.
        (1_200, "CHF", {}, "CHF 1,200"),
        (1_200_000, "CHF", {}, "CHF 1.2M"),
        (950, "GBP", {}, "£950"),
        (1_500, "JPY", {}, "¥1,500"),
        (42.5, "USD", {}, "$42.50"),
        (42, "USD", {}, "$42"),
        (1_234.56, "USD", {}, "$1,235"),
        # Compact rule: whole thousands from 10K, everything from 100K, with three significant digits.
        (9_000, "USD", {}, "$9,000"),
        (10_000, "USD", {}, "$10K"),
        (12_500, "USD", {}, "$12,500"),
        (50_000, "USD", {}, "$50K"),
        (50_000.4, "USD", {}, "$50K"),
        (50_001, "USD", {}, "$50,001"),
        (99_999, "USD", {}, "$99,999"),
        (100_000, "USD", {}, "$100K"),
        (123_456, "USD", {}, "$123K"),
        (1_234_567, "USD", {}, "$1.23M"),
        (999_950, "USD", {}, "$1M"),
        (2_500_000_000, "USD", {}, "$2.5B"),
        (3e12, "USD", {}, "$3T"),
        (12_500, "count", {}, "12,500"),
        (12_000, "count", {}, "12K"),
        (125_000, "count", {}, "125K"),
        (12_500_000, "count", {}, "12.5M"),
        (1_200_000, "USD", {"compact": False}, "$1,200,000"),
        (28_000, "EUR", {"compact": False}, "€28,000"),
        # Counts keep precision for small averages.
        (5.2, "count", {}, "5.2"),
        (0.25, "count", {}, "0.25"),
        (150.4, "count", {}, "150"),
        # Negative and zero.
        (-1_200, "USD", {}, "-$1,200"),
        (-1_200, "CHF", {}, "-CHF 1,200"),
        (-2_500_000, "EUR", {}, "-€2.5M"),
        (-0.3, "percent", {}, "-0.3%"),
        (-12, "score", {}, "-12"),
        (-0.01, "score", {"scale": 5}, "0/5"),
        (-0.001, "x5", {}, "0 x5"),
        (-0.001, "USD", {}, "$0"),
        (0, "USD", {}, "$0"),
        (0, "percent", {}, "0%"),
        # An explicit `decimals` is exact; default precision drops trailing zeros.
        (78, "percent", {"decimals": 1}, "78.0%"),
        (99.95, "percent", {"decimals": 2}, "99.95%"),
        (12_450, "USD", {"decimals": 2}, "$12,450.00"),
        (1_200_000, "USD", {"decimals": 0}, "$1.2M"),
        (3.14159, "ratio", {"decimals": 3}, "3.142:1"),
        # Unknown units are appended.
        (12, "widgets", {}, "12 widgets"),
        (7, "", {}, "7"),
    ],
)
def test_format_value(value: float, unit: str, kwargs: dict[str, object], expected: str) -> None:
    assert format_value(value, unit, **kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("unit", ["USD", "percent", "count", "days", "score"])
def test_missing_is_a_dash_never_zero(unit: str) -> None:
    assert format_value(None, unit) == MISSING == "—"
    assert format_value(math.nan, unit) == MISSING


def test_infinity_does_not_raise() -> None:
    assert format_value(math.inf, "USD") == "∞"
    assert format_value(-math.inf, "count") == "-∞"


def test_negative_decimals_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="decimals"):
        format_value(1, "count", decimals=-1)


def test_format_kpi_value_uses_the_kpis_unit_scale_and_decimals() -> None:
    csat = KpiDefinition(key="csat", name="CSAT", unit="score", scale=5)
    uptime = KpiDefinition(key="uptime", name="Uptime", unit="percent", decimals=2)
    arr = KpiDefinition(key="arr", name="ARR", unit="EUR")
    assert format_kpi_value(csat, 4.7) == "4.7/5"
    assert format_kpi_value(uptime, 99.9) == "99.90%"
    assert format_kpi_value(arr, 1_200_000) == "€1.2M"
    assert format_kpi_value(arr, 1_200_000, compact=False) == "€1,200,000"
    assert format_kpi_value(arr, None) == "—"


def _change(absolute: float, reference: float, label: str = "MoM") -> Change:
    percent = absolute / abs(reference) * 100 if reference else None
    return Change(reference=reference, absolute=absolute, percent=percent, label=label, improved=None)


@pytest.mark.parametrize(
    ("change", "unit", "expected"),
    [
        (_change(1_334, 11_116), "USD", "↑ 12% MoM"),
        (_change(-300, 2_000, "WoW"), "count", "↓ 15% WoW"),
        (_change(0.2, 8.0), "count", "↑ 2.5% MoM"),
        (_change(0.01, 10.0), "count", "↑ 0.1% MoM"),
        (_change(0.0001, 1_000.0), "count", "↑ <0.01% MoM"),
        (_change(0, 500, "WoW"), "USD", "→ 0% WoW"),
        (_change(0, 0, "DoD"), "count", "→ 0% DoD"),
        # Percent KPIs move in points, not in percent of a percent.
        (_change(-0.3, 3.5), "percent", "↓ 0.3 pts MoM"),
        (_change(2, 20), "percent", "↑ 2 pts MoM"),
        (_change(1, 20, "QoQ"), "percent", "↑ 1 pt QoQ"),
        (_change(0, 3.2, "WoW"), "percent", "→ 0 pts WoW"),
        (_change(0.05, 0.1), "percent", "↑ 0.05 pts MoM"),
        # No relative change from a zero reference: the absolute change in the unit.
        (_change(500, 0), "USD", "↑ $500 MoM"),
        (_change(-3, 0, "DoD"), "count", "↓ 3 DoD"),
        (_change(2, 0), "days", "↑ 2 days MoM"),
        (_change(0.5, 0), "ratio", "↑ 0.5 MoM"),
        (_change(1_000_000, 200_000, "YoY"), "EUR", "↑ 500% YoY"),
    ],
)
def test_format_change(change: Change, unit: str, expected: str) -> None:
    assert format_change(change, unit) == expected


@pytest.mark.parametrize(
    ("progress", "expected"),
    [(0.89, "89%"), (1.0, "100%"), (2.5, "250%"), (0.996, "99%"), (0.001, "<1%"), (0.0, "0%"), (None, "—")],
)
def test_format_progress(progress: float | None, expected: str) -> None:
    assert format_progress(progress) == expected


def test_format_progress_non_finite() -> None:
    assert format_progress(math.nan) == "—"
    assert format_progress(math.inf) == "—"


def test_doctests() -> None:
    assert doctest.testmod(kpi_core.format).failed == 0


# Property tests ------------------------------------------------------------------------------------

UNITS = st.one_of(
    st.sampled_from([*PLAIN_UNITS, "USD", "EUR", "GBP", "JPY", "CHF", "SEK"]), st.text(max_size=8)
)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
SCALES = st.one_of(st.none(), st.floats(min_value=1, max_value=100))
_PREFIX = re.compile(r"^(-?)(\$|€|£|¥|CHF |SEK )?")
_MULTIPLIER = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def _parse(text: str) -> float:
    """Read a formatted value back: sign, symbol, digits, compact suffix or unit."""
    match = _PREFIX.match(text)
    assert match is not None
    sign = -1.0 if match.group(1) else 1.0
    rest = text[match.end() :]
    factor = 1.0
    if rest.endswith(" ms"):
        rest, factor = rest[:-3], 1e-3
    rest = re.sub(r"(%|:1|/\d+| s| days?| hours?| minutes?)$", "", rest)
    if rest and rest[-1] in _MULTIPLIER:
        factor, rest = _MULTIPLIER[rest[-1]], rest[:-1]
    return sign * float(rest.replace(",", "")) * factor


@given(
    value=FINITE,
    unit=UNITS,
    scale=SCALES,
    decimals=st.one_of(st.none(), st.integers(0, 6)),
    compact=st.booleans(),
)
def test_format_value_never_raises(
    value: float, unit: str, scale: float | None, decimals: int | None, compact: bool
) -> None:
    text = format_value(value, unit, scale=scale, decimals=decimals, compact=compact)
    assert text and text != MISSING


@given(
    value=st.floats(min_value=-1e15, max_value=1e15),
    unit=st.sampled_from([*PLAIN_UNITS, "USD", "EUR", "CHF", "SEK", "JPY"]),
    compact=st.booleans(),
)
def test_format_value_round_trips_sign_and_magnitude(value: float, unit: str, compact: bool) -> None:
    text = format_value(value, unit, scale=5 if unit == "score" else None, compact=compact)
    parsed = _parse(text)
    # Full form rounds to at most half a unit; compact form keeps three significant digits.
    assert abs(parsed - value) <= 0.5 + 0.005 * abs(value)
    shown_nonzero = parsed != 0
    assert text.startswith("-") == (value < 0 and shown_nonzero)


@given(value=st.floats(min_value=-1e15, max_value=1e15), unit=st.sampled_from(["USD", "EUR", "count"]))
def test_compact_output_is_short(value: float, unit: str) -> None:
    text = format_value(value, unit, compact=True)
    assert len(text) <= 8, text
    if abs(value) >= 100_000:
        assert text[-1] in "KMBT" or "e+" in text


@given(value=FINITE, reference=FINITE, unit=UNITS, label=st.sampled_from(["DoD", "WoW", "MoM", "QoQ", "YoY"]))
def test_format_change_never_raises(value: float, reference: float, unit: str, label: str) -> None:
    absolute = value - reference
    if not math.isfinite(absolute):
        return
    percent = absolute / abs(reference) * 100 if reference else None
    change = Change(reference=reference, absolute=absolute, percent=percent, label=label, improved=None)
    text = format_change(change, unit)
    assert text.endswith(" " + label)
    assert text[0] == ("↑" if absolute > 0 else "↓" if absolute < 0 else "→")
