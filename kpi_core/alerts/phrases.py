"""Seed 001's alert phrases: `condition` ("monthly_churn_rate > 4%") and `threshold` ("2 consecutive days").

Both parse to small frozen values; anything that cannot be read raises `PhraseError` listing the
accepted forms, so `alerts.yml` fails at load time with a line number instead of never firing.

>>> c = parse_condition("avg_page_load_time > 5 seconds")
>>> c.kpi, c.op, c.value, c.unit
('avg_page_load_time', '>', 5.0, 'seconds')
>>> parse_threshold("7 day rolling average")
EvaluationSpec(aggregate='avg', window=Span(count=7, unit='day'), for_=None, step=None)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

Op = Literal[">", ">=", "<", "<=", "==", "!="]
Aggregate = Literal["last", "avg", "min", "max"]
SpanUnit = Literal["minute", "hour", "day", "week", "month", "quarter", "year", "period"]
GRAINS: dict[str, float] = {"daily": 1, "weekly": 7, "monthly": 30, "quarterly": 91}
_UNIT_DAYS: dict[str, float] = {
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1,
    "week": 7,
    "month": 30,
    "quarter": 91,
    "year": 365,
}
_UNIT_WORDS: dict[str, SpanUnit] = {
    **{w: "minute" for w in ("m", "min", "mins", "minute", "minutes")},
    **{w: "hour" for w in ("h", "hr", "hrs", "hour", "hours")},
    **{w: "day" for w in ("d", "day", "days", "daily")},
    **{w: "week" for w in ("w", "wk", "week", "weeks", "weekly")},
    **{w: "month" for w in ("mo", "month", "months", "monthly")},
    **{w: "quarter" for w in ("q", "quarter", "quarters", "quarterly")},
    **{w: "year" for w in ("y", "year", "years", "yearly", "annual", "annually")},
    **{w: "period" for w in ("period", "periods")},
}
# Value units a condition may carry, and what they convert to (a time unit's factor is in seconds).
_VALUE_UNITS: dict[str, str] = {
    "%": "percent",
    "percent": "percent",
    "pts": "points",
    "points": "points",
    "pp": "points",
    **{w: "ms" for w in ("ms", "msec", "millisecond", "milliseconds")},
    **{w: "seconds" for w in ("s", "sec", "secs", "second", "seconds")},
    **{w: "minutes" for w in ("min", "mins", "minute", "minutes")},
    **{w: "hours" for w in ("h", "hr", "hrs", "hour", "hours")},
    **{w: "days" for w in ("d", "day", "days")},
}
_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}

CONDITION_FORMS = (
    "'<kpi> <op> <value>[unit]' such as 'monthly_churn_rate > 4%', 'avg_page_load_time > 5 seconds', "
    "'mrr > $50K'; '<kpi> <op> target'; '<kpi> reaches milestone'; '<kpi> reaches <value>'; "
    "'<kpi> is anomalous' (or 'is anomalously high|low') "
    "(operators: >, >=, <, <=, ==, !=)"
)
THRESHOLD_FORMS = (
    "'N consecutive days|weeks|months|periods', 'N day rolling average', 'N-day average', "
    "'Any N-hour period', 'N minute average', 'Daily|Weekly|Monthly|Quarterly average', "
    "'Monthly measurement', 'Monthly survey results', 'latest value', 'Every N <things>'"
)


class PhraseError(ValueError):
    """A condition, threshold or duration that cannot be read. str() says what is accepted."""


@dataclass(frozen=True)
class Span:
    """A stretch of time as written: 7 days, 1 hour, 2 months, 3 periods (of the KPI's grain)."""

    count: int
    unit: SpanUnit

    def periods(self, grain: str) -> tuple[int, str | None]:
        """How many periods of `grain` this span covers (at least 1), with a note when it is rounded up.

        Our finest grain is daily, so a sub-daily span ("Any 1-hour period") becomes one period: the
        latest observation at the KPI's grain.
        """
        if self.unit == "period":
            return self.count, None
        days = self.count * _UNIT_DAYS[self.unit]
        grain_days = GRAINS[grain]
        periods = max(1, math.ceil(days / grain_days - 1e-9))
        if days < grain_days:
            plural = "s" if self.count != 1 else ""
            return periods, (
                f"{self.count} {self.unit}{plural} is finer than the KPI's {grain} data: "
                "evaluated on the latest observation"
            )
        return periods, None


@dataclass(frozen=True)
class EvaluationSpec:
    """How a condition is evaluated over the series: aggregate over `window`, held `for` a span."""

    aggregate: Aggregate = "last"
    window: Span | None = None
    for_: Span | None = None
    step: float | None = None  # milestones: "Every 50 customers"


@dataclass(frozen=True)
class Condition:
    """`<kpi> <op> <value>`: `kpi` is the name as written (key, alias or name), resolved later."""

    kpi: str
    op: Op
    value: float | None
    unit: str | None = None  # "percent", "points", "seconds", "USD", ...; None = the KPI's own unit
    target: bool = False
    milestone: bool = False
    edge: bool = False  # "reaches": fires once when crossed, not while it holds
    anomaly: str | None = None  # "both", "above" or "below": outside the KPI's learned normal range


_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+"
_VALUE = re.compile(
    rf"^(?P<cur>[$€£¥])?\s*(?P<num>{_NUMBER})\s*(?P<suffix>[kKMB](?![a-z]))?\s*(?P<unit>[%a-zA-Z]+)?$"
)
_CONDITION = re.compile(r"^(?P<kpi>.+?)\s*(?P<op>>=|<=|==|!=|=|>|<)\s*(?P<rhs>.+)$")
_REACHES = re.compile(r"^(?P<kpi>.+?)\s+reaches\s+(?P<rhs>.+)$", re.IGNORECASE)
_ANOMALOUS = re.compile(
    r"^(?P<kpi>.+?)\s+is\s+(?:anomalous|unusual)(?:ly\s+(?P<side>high|low))?$", re.IGNORECASE
)
_KPI_NAME = re.compile(r"^[\w][\w .:/()&+-]*$")


def parse_value(text: str) -> tuple[float, str | None]:
    """`4%` -> (4.0, "percent"); `5 seconds` -> (5.0, "seconds"); `$1.2M` -> (1200000.0, "USD")."""
    match = _VALUE.match(text.strip())
    if not match:
        raise PhraseError(
            f"cannot read the value {text!r}: write a number with an optional unit (4%, 5 seconds)"
        )
    value = float(match["num"].replace(",", ""))
    if match["suffix"]:
        value *= _SUFFIX[match["suffix"].lower()]
    unit: str | None = _CURRENCY_SYMBOLS[match["cur"]] if match["cur"] else None
    if match["unit"]:
        word = match["unit"]
        if re.fullmatch(r"[A-Z]{3}", word):
            unit = word
        elif word.lower() in _VALUE_UNITS:
            unit = _VALUE_UNITS[word.lower()]
        else:
            raise PhraseError(
                f"unknown unit {word!r} in {text!r}: use %, pts, ms, seconds, minutes, hours, days"
            )
    return value, unit


def parse_condition(text: str) -> Condition:
    """Read a seed 001 `condition`. Raises PhraseError listing the accepted forms."""
    cleaned = " ".join(str(text).split())
    anomalous = _ANOMALOUS.match(cleaned)
    if anomalous:
        side = {"high": "above", "low": "below"}.get((anomalous["side"] or "").lower(), "both")
        return Condition(kpi=_kpi_name(anomalous["kpi"].strip(), text), op="!=", value=None, anomaly=side)
    reaches = _REACHES.match(cleaned)
    if reaches:
        kpi, rhs = reaches["kpi"].strip(), reaches["rhs"].strip()
        if rhs.lower() in ("milestone", "a milestone", "milestones", "next milestone"):
            return Condition(kpi=_kpi_name(kpi, text), op=">=", value=None, milestone=True, edge=True)
        value, unit = _value_or_error(rhs, text)
        return Condition(kpi=_kpi_name(kpi, text), op=">=", value=value, unit=unit, edge=True)
    match = _CONDITION.match(cleaned)
    if not match:
        raise PhraseError(f"cannot read the condition {text!r}: write {CONDITION_FORMS}")
    op = "==" if match["op"] == "=" else match["op"]
    kpi, rhs = _kpi_name(match["kpi"].strip(), text), match["rhs"].strip()
    if rhs.lower() in ("target", "the target", "its target"):
        return Condition(kpi=kpi, op=op, value=None, target=True)  # type: ignore[arg-type]
    value, unit = _value_or_error(rhs, text)
    return Condition(kpi=kpi, op=op, value=value, unit=unit)  # type: ignore[arg-type]


def _kpi_name(name: str, text: str) -> str:
    if not _KPI_NAME.match(name):
        raise PhraseError(
            f"cannot read the condition {text!r}: {name!r} is not a KPI name; write {CONDITION_FORMS}"
        )
    return name


def _value_or_error(rhs: str, text: str) -> tuple[float, str | None]:
    try:
        return parse_value(rhs)
    except PhraseError as error:
        raise PhraseError(f"cannot read the condition {text!r}: {error}; write {CONDITION_FORMS}") from None


_N = r"(?P<n>\d+|an?|one|two|three|four|five|six|seven|ten|twelve)"
_U = r"(?P<u>[a-z]+)"
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_WORDS |= {"ten": 10, "twelve": 12}
_THRESHOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (rf"^{_N}\s+consecutive\s+{_U}$", "for"),
        (rf"^(?:for\s+)?(?:at\s+least\s+)?{_N}[\s-]*{_U}\s+in\s+a\s+row$", "for"),
        (rf"^for\s+{_N}[\s-]*{_U}$", "for"),
        (
            rf"^{_N}[\s-]*{_U}\s+(?:rolling\s+|moving\s+)?(?P<agg>average|avg|mean|minimum|min|maximum|max)$",
            "agg",
        ),
        (rf"^(?:rolling|moving)\s+{_N}[\s-]*{_U}\s+(?P<agg>average|avg|mean)$", "agg"),
        (rf"^any\s+{_N}[\s-]*{_U}\s+(?:period|window|interval)$", "any"),
        (
            r"^(?P<u>daily|weekly|monthly|quarterly)\s+(?P<agg>average|avg|mean|minimum|min|maximum|max)$",
            "agg1",
        ),
        (
            r"^(?P<u>daily|weekly|monthly|quarterly)\s+(?:measurement|survey(?:\s+results?)?|results?|value|data|check|review)$",
            "last",
        ),
        (
            r"^(?:latest|last|current)(?:\s+(?:value|observation|period|measurement))?$|^immediately$|^any$",
            "last",
        ),
        (r"^every\s+(?P<step>[\d,]+(?:\.\d+)?)(?:\s+\S.*)?$", "step"),
    )
)


def parse_threshold(text: str | None) -> EvaluationSpec:
    """Read a seed 001 `threshold` phrase into an EvaluationSpec. None or "" means the latest value."""
    if text is None or not str(text).strip():
        return EvaluationSpec()
    cleaned = " ".join(str(text).lower().split())
    for pattern, kind in _THRESHOLDS:
        match = pattern.match(cleaned)
        if not match:
            continue
        groups = match.groupdict()
        if kind == "step":
            step = float(groups["step"].replace(",", ""))
            if step <= 0:
                break
            return EvaluationSpec(step=step)
        if kind == "last":
            return EvaluationSpec()
        unit = _UNIT_WORDS.get(groups["u"])
        if unit is None:
            break
        count = 1 if kind == "agg1" else _count(groups["n"])
        if count <= 0:
            break
        span = Span(count, unit)
        if kind in ("for", "any"):
            return EvaluationSpec(for_=span)
        return EvaluationSpec(aggregate=_aggregate(groups["agg"]), window=span)
    raise PhraseError(f"cannot read the threshold {text!r}: write one of {THRESHOLD_FORMS}")


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _WORDS[word]


def _aggregate(word: str) -> Aggregate:
    if word.startswith("min"):
        return "min"
    if word.startswith("max"):
        return "max"
    return "avg"


_SPAN = re.compile(r"^(?P<n>\d+)\s*(?P<u>[a-z]+)$")


MAX_SPAN = 10_000  # periods, days, weeks or months: far beyond any history kpibot keeps


def parse_span(value: int | str) -> Span:
    """`7` (periods), "7d", "7 days", "2 months", "3 periods" -> Span. Raises PhraseError."""
    if isinstance(value, bool):
        raise PhraseError(f"{value!r} is not a span: write a number of periods or '7 days', '2 weeks'")
    if isinstance(value, int):
        if not 1 <= value <= MAX_SPAN:
            raise PhraseError(f"{value} is not a span: it must be 1 to {MAX_SPAN} periods")
        return Span(value, "period")
    match = _SPAN.match(" ".join(str(value).lower().split()))
    unit = _UNIT_WORDS.get(match["u"]) if match else None
    if not match or unit is None or not 1 <= int(match["n"]) <= MAX_SPAN:
        raise PhraseError(
            f"cannot read {value!r} as a span: write a number of periods, or '7 days', '2 weeks', '3 months'"
        )
    return Span(int(match["n"]), unit)
