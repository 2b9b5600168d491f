"""The `/kpi` grammar: text in, a parsed request out. Unknown input becomes a `CommandError`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kpi_core.windows import Window, WindowError, parse_window

Verb = Literal[
    "help",
    "list",
    "dashboard",
    "info",
    "alerts",
    "ack",
    "show",
    "cohorts",
    "at_risk",
    "health",
    "stage",
    "forecast",
]
MAX_LENGTH = 200
_WINDOW_LIKE = re.compile(r"^(\d+\s*[a-z]+|ytd|all)$", re.IGNORECASE)
_VERBS: dict[str, Verb] = {
    "help": "help",
    "?": "help",
    "list": "list",
    "ls": "list",
    "dashboard": "dashboard",
    "dash": "dashboard",
    "info": "info",
    "define": "info",
    "definition": "info",
    "alerts": "alerts",
    "ack": "ack",
    "cohorts": "cohorts",
    "cohort": "cohorts",
    "at-risk": "at_risk",
    "atrisk": "at_risk",
    "health": "health",
    "stage": "stage",
    "stages": "stage",
    "forecast": "forecast",
}
MAX_FORECAST_HORIZON = 120


class CommandError(Exception):
    """A problem the user should see as it is, e.g. an unknown KPI or a bad window."""

    def __init__(self, message: str, *, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions or []


@dataclass(frozen=True)
class KpiRequest:
    """A parsed `/kpi` command. `subject` is a KPI or category name, or an incident id for `ack`."""

    verb: Verb
    subject: str = ""
    window: Window | None = None
    horizon: int | None = None  # `/kpi forecast mrr 6`: periods at the KPI's grain


def parse_command(text: str) -> KpiRequest:
    """Parse the text after `/kpi`.

    >>> parse_command("MRR 6m")
    KpiRequest(verb='show', subject='MRR', window=Window(spec='6m'))
    """
    text = " ".join((text or "").split())
    if len(text) > MAX_LENGTH:
        raise CommandError(
            f"That request is {len(text):,} characters long; KPI names are short. "
            "Try `/kpi list` to see them."
        )
    if not text:
        return KpiRequest("help")
    first, _, rest = text.partition(" ")
    verb = _VERBS.get(first.lower())
    if verb in ("help", "alerts", "at_risk", "health", "stage"):
        return KpiRequest(verb)
    if verb in ("dashboard", "cohorts"):
        return KpiRequest(verb, rest)  # a dashboard's name (`/kpi dashboard sales`), a cohort table
    if verb == "list":
        return KpiRequest("list", rest)
    if verb in ("info", "ack"):
        if not rest:
            what = "a KPI, e.g. `/kpi info mrr`" if verb == "info" else "an alert id, e.g. `/kpi ack 42`"
            raise CommandError(f"`/kpi {verb}` needs {what}.")
        return KpiRequest(verb, rest)
    if verb == "forecast":
        return _forecast_request(first, rest)
    subject, window = text, None
    head, _, last = text.rpartition(" ")
    if head and _WINDOW_LIKE.match(last):
        try:
            window = parse_window(last)
        except WindowError as error:
            raise CommandError(str(error)) from None
        subject = head
    return KpiRequest("show", subject, window)


def _forecast_request(first: str, rest: str) -> KpiRequest:
    """`/kpi forecast mrr [horizon]`: the horizon is a number of periods at the KPI's grain."""
    if not rest:
        raise CommandError(
            f"`/kpi {first.lower()}` needs a KPI, e.g. `/kpi forecast mrr` or `/kpi forecast mrr 6`."
        )
    head, _, last = rest.rpartition(" ")
    if head and last.isdigit():
        horizon = int(last)
        if not 1 <= horizon <= MAX_FORECAST_HORIZON:
            raise CommandError(f"A forecast looks 1 to {MAX_FORECAST_HORIZON} periods ahead, not {horizon}.")
        return KpiRequest("forecast", head, horizon=horizon)
    return KpiRequest("forecast", rest)
