"""The one formatter: every number kpibot shows (Slack cards, digests, alerts, the CLI) goes through here.

The rules, so that the same value always reads the same way:

- Missing (None or NaN) is "—"; it is never shown as 0.
- Currencies (ISO codes) use the symbol where it is unambiguous ($, €, £, ¥ for JPY, ₹, ₩) and the
  code otherwise ("CHF 1,200"). Cents are shown below 1,000 when there are any ("$42.50"); whole
  amounts otherwise ("$12,450"). JPY and KRW never show fractions.
- Compact form (K, M, B, T), for currencies, counts and unknown units when `compact=True`:
  at 100,000 and above always, with three significant digits ("$1.2M", "$480K", "$1.23M");
  from 10,000 to 100,000 only for whole thousands ("€28K", "$50K", but "$12,450" and "€18,500", as
  seed 002 writes them); below 10,000 never.
  `compact=False` always writes the full number.
- percent "3.2%" (stored in percentage points), ratio "7.7:1", score "4.7/5" with a scale else "52",
  days "45 days" / "1 day", hours "18 hours" / "3.2 hours", minutes "9.5 minutes", seconds "4.2 s"
  (and "180 ms" below one second), count "2,847".
- Default precision depends on the unit and the magnitude and is a maximum: trailing zeros are dropped
  ("78%", "3.2%", "0.05%"). An explicit `decimals` is exact ("78.0%") and applies to the full form;
  the compact form always has three significant digits (a KPI with `decimals: 0` still reads "$1.2M").
- Negative numbers carry a leading minus before any symbol ("-$1,200"); a value that rounds to zero
  has no sign.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from kpi_core.config.models import KpiDefinition
from kpi_core.periods import period_label
from kpi_core.snapshot import Change, KpiSnapshot

MISSING = "—"
COMPACT_FROM = 100_000  # at and above: always compact
EXACT_COMPACT_FROM = 10_000  # from here up to COMPACT_FROM: compact only for whole thousands

CURRENCY_SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩"}
_WHOLE_CURRENCIES = frozenset({"JPY", "KRW"})
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SUFFIXES: tuple[tuple[float, str], ...] = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
_DURATIONS: dict[str, tuple[str, str]] = {
    "days": ("day", "days"),
    "hours": ("hour", "hours"),
    "minutes": ("minute", "minutes"),
}


def format_value(
    value: float | None,
    unit: str,
    *,
    scale: float | None = None,
    decimals: int | None = None,
    compact: bool = True,
) -> str:
    """A value as people read it, in its unit.

    >>> format_value(12450, "USD"), format_value(1_200_000, "USD"), format_value(28_000, "EUR")
    ('$12,450', '$1.2M', '€28K')
    >>> format_value(3.2, "percent"), format_value(7.7, "ratio"), format_value(4.7, "score", scale=5)
    ('3.2%', '7.7:1', '4.7/5')
    """
    if decimals is not None and decimals < 0:
        raise ValueError(f"decimals must be 0 or more, not {decimals}")
    if value is None or math.isnan(value):
        return MISSING
    if math.isinf(value):
        return "-∞" if value < 0 else "∞"
    number, text = _body(abs(float(value)), unit, scale=scale, decimals=decimals, compact=compact)
    if value < 0 and any(ch in "123456789" for ch in number):
        return "-" + text
    return text


def format_kpi_value(kpi: KpiDefinition, value: float | None, *, compact: bool = True) -> str:
    """`format_value` with the KPI's unit, scale and configured decimals."""
    return format_value(value, kpi.unit, scale=kpi.scale, decimals=kpi.decimals, compact=compact)


def format_change(change: Change, unit: str) -> str:
    """A change as an arrow, an amount and its label: "↑ 12% MoM", "↓ 0.3 pts MoM", "→ 0% WoW".

    Percent KPIs move in percentage points, never in percent of a percent. When the reference is 0
    there is no relative change, so the absolute change is shown in the KPI's unit ("↑ $500 MoM").
    The arrow shows the movement; whether it is good news is `change.improved`.
    """
    absolute = change.absolute
    if absolute > 0:
        arrow = "↑"
    elif absolute < 0:
        arrow = "↓"
    else:
        arrow = "→"
    if unit == "percent":
        amount = _points(abs(absolute))
    elif absolute == 0:
        amount = "0%"
    elif change.percent is None or not math.isfinite(change.percent):
        plain = unit in ("ratio", "score")
        amount = format_value(abs(absolute), "count" if plain else unit)
    else:
        amount = _relative(abs(change.percent))
    return f"{arrow} {amount} {change.label}"


def format_progress(progress: float | None) -> str:
    """Progress to target as a whole percent: 0.89 -> "89%". Just short of target never reads "100%"."""
    if progress is None or not math.isfinite(progress):
        return MISSING
    percent = round(progress * 100)
    if progress < 1 and percent >= 100:
        percent = 99
    if progress > 0 and percent == 0:
        return "<1%"
    return f"{percent:,}%"


def _body(
    magnitude: float, unit: str, *, scale: float | None, decimals: int | None, compact: bool
) -> tuple[str, str]:
    """(the number alone, the number in its unit): the sign depends on the number alone."""
    if _CURRENCY.match(unit):
        number = _currency_number(magnitude, unit, decimals=decimals, compact=compact)
        symbol = CURRENCY_SYMBOLS.get(unit)
        return number, f"{symbol}{number}" if symbol else f"{unit} {number}"
    if unit == "percent":
        number = _number(magnitude, 2 if magnitude < 1 else 1, decimals)
        return number, number + "%"
    if unit == "ratio":
        number = _number(magnitude, 2 if magnitude < 1 else 1, decimals)
        return number, number + ":1"
    if unit == "score":
        number = _number(magnitude, 1, decimals)
        if scale is not None and math.isfinite(scale):
            return number, number + "/" + _number(abs(scale), 1, None)
        return number, number
    if unit in _DURATIONS:
        number = _number(magnitude, 1 if magnitude < 10 else 0, decimals)
        singular, plural = _DURATIONS[unit]
        return number, f"{number} {singular if number == '1' else plural}"
    if unit == "seconds":
        if decimals is None and 0 < magnitude < 1:
            millis = magnitude * 1000
            number = _number(millis, 1 if millis < 10 else 0, None)
            if number != "1,000":
                return number, f"{number} ms"
        number = _number(magnitude, 1 if magnitude < 100 else 0, decimals)
        return number, number + " s"
    places = 2 if magnitude < 10 else 1 if magnitude < 100 else 0
    full = _number(magnitude, places, decimals)
    number = _maybe_compact(magnitude, full) if compact else full
    return number, number if unit in ("count", "") else f"{number} {unit}"


def _currency_number(magnitude: float, code: str, *, decimals: int | None, compact: bool) -> str:
    if decimals is not None:
        full = _fixed(magnitude, decimals, strip=False)
    elif code in _WHOLE_CURRENCIES or magnitude >= 1000 or round(magnitude, 2) == round(magnitude):
        full = _fixed(magnitude, 0, strip=False)
    else:
        full = _fixed(magnitude, 2, strip=False)
    return _maybe_compact(magnitude, full) if compact else full


def _maybe_compact(magnitude: float, full: str) -> str:
    if magnitude < EXACT_COMPACT_FROM:
        return full
    short = _compact(magnitude)
    if magnitude >= COMPACT_FROM or ("." not in short and _same_number(short, full)):
        return short
    return full


def _compact(magnitude: float) -> str:
    """Three significant digits after scaling by K, M, B or T; scientific notation beyond that."""
    for index, (divisor, suffix) in enumerate(_SUFFIXES):
        if magnitude < divisor:
            continue
        scaled = magnitude / divisor
        number = _fixed(scaled, 0 if scaled >= 100 else 1 if scaled >= 10 else 2, strip=True)
        if Decimal(number.replace(",", "")) < 1000:
            return number + suffix
        if index > 0:  # 999,950 rounds to "1000K": that is "1M"
            bigger, bigger_suffix = _SUFFIXES[index - 1]
            return _fixed(magnitude / bigger, 2, strip=True) + bigger_suffix
        return f"{magnitude:.3g}"
    return _fixed(magnitude, 0, strip=False)


def _same_number(short: str, full: str) -> bool:
    multipliers = {suffix: Decimal(int(divisor)) for divisor, suffix in _SUFFIXES}
    suffix = short[-1]
    if suffix not in multipliers:
        return False
    return Decimal(short[:-1].replace(",", "")) * multipliers[suffix] == Decimal(full.replace(",", ""))


def _number(magnitude: float, default_places: int, decimals: int | None) -> str:
    """Explicit decimals are exact; default places are a maximum (trailing zeros dropped)."""
    if decimals is not None:
        return _fixed(magnitude, decimals, strip=False)
    return _fixed(magnitude, default_places, strip=True)


def _fixed(magnitude: float, places: int, *, strip: bool) -> str:
    text = f"{magnitude:,.{places}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _relative(percent: float) -> str:
    text = _fixed(percent, 0 if percent >= 10 else 1 if percent >= 1 else 2, strip=True)
    return "<0.01%" if text == "0" and percent > 0 else text + "%"


def _points(points: float) -> str:
    text = _fixed(points, 1 if points >= 1 else 2, strip=True)
    if text == "0" and points > 0:
        return "<0.01 pts"
    return f"{text} {'pt' if text == '1' else 'pts'}"


def format_as_of(snapshot: KpiSnapshot, *, timezone: str, name_zone: bool = False) -> str:
    """`As of Nov 2026 · updated 21 Nov 2026 09:00 CET`: which period the value is, and when it was recorded.

    `name_zone` adds the IANA name when the abbreviation alone is ambiguous (the CLI prints it).
    """
    if snapshot.period is None:
        text = "No data recorded yet"
    else:
        text = f"As of {period_label(snapshot.period, snapshot.kpi.grain)}"
    if snapshot.recorded_at is not None:
        local = snapshot.recorded_at.astimezone(ZoneInfo(timezone))
        zone = f" ({timezone})" if name_zone and local.tzname() != timezone else ""
        text += f" · updated {local:%-d %b %Y %H:%M} {local.tzname()}{zone}"
    return text
