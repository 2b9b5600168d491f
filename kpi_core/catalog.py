"""Finding KPIs the way people type them: by key, name or alias, forgiving case and punctuation.

"LTV:CAC", "ltv_cac", "LTV CAC" and "ltv-cac" are the same query. Unknown names get up to three
"did you mean" suggestions (difflib over keys, names and aliases), always returned as keys.

>>> from kpi_core.config.models import KpiDefinition
>>> catalog = Catalog({"ltv_cac": KpiDefinition(key="ltv_cac", name="LTV:CAC")})
>>> catalog.resolve("LTV : cac").key
'ltv_cac'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from difflib import SequenceMatcher

from kpi_core.config.models import KpiDefinition

MAX_SUGGESTIONS = 3
SUGGESTION_CUTOFF = 0.6  # difflib's own default for get_close_matches
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_name(text: str) -> str:
    """The form names are compared in: casefolded, with spaces, underscores and punctuation removed."""
    return _NOT_WORD.sub("", text.casefold())


class UnknownKpiError(LookupError):
    """No KPI matches `query`; `suggestions` are up to three likely keys, best first."""

    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        self.suggestions = suggestions
        super().__init__(query, suggestions)

    def __str__(self) -> str:
        if not self.query.strip():
            return "Which KPI? Give its key or name."
        message = f"No KPI called '{self.query.strip()}'."
        if self.suggestions:
            message += " Did you mean " + _or_list(self.suggestions) + "?"
        return message


class Catalog:
    """The configured KPIs, looked up by key, name or alias, and grouped by category in config order."""

    def __init__(self, kpis: Mapping[str, KpiDefinition]) -> None:
        self._kpis: dict[str, KpiDefinition] = dict(kpis)
        self._position = {key: index for index, key in enumerate(self._kpis)}
        # Keys win over names, names over aliases, earlier KPIs over later ones.
        self._index: dict[str, str] = {}
        self._spellings: list[tuple[str, str]] = []  # (normalized spelling, key) for suggestions
        for rank in range(3):
            for key, kpi in self._kpis.items():
                spellings = ((key,), (kpi.name,), kpi.aliases)[rank]
                for spelling in spellings:
                    normalized = normalize_name(spelling)
                    if normalized:
                        self._index.setdefault(normalized, key)
                        self._spellings.append((normalized, key))
        self._categories: dict[str, list[KpiDefinition]] = {}
        for kpi in self._kpis.values():
            self._categories.setdefault(kpi.category, []).append(kpi)

    def __len__(self) -> int:
        return len(self._kpis)

    def __iter__(self) -> Iterator[KpiDefinition]:
        return iter(self._kpis.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def keys(self) -> list[str]:
        """Every key, in config order."""
        return list(self._kpis)

    def find(self, name: str) -> KpiDefinition | None:
        """The KPI whose key, name or alias matches, or None. `find("LTV:CAC")` is `find("ltv_cac")`."""
        key = self._index.get(normalize_name(name))
        return self._kpis[key] if key is not None else None

    def resolve(self, name: str) -> KpiDefinition:
        """Like `find`, but an unknown name raises UnknownKpiError with suggestions."""
        kpi = self.find(name)
        if kpi is None:
            raise UnknownKpiError(name, self.suggest(name))
        return kpi

    def suggest(self, name: str, *, limit: int = MAX_SUGGESTIONS) -> list[str]:
        """Up to `limit` keys that look like `name`, best first.

        Scores are difflib ratios over every key, name and alias; a query of three or more characters
        that appears inside a spelling ("revenue" in "Monthly Recurring Revenue") scores at least the cutoff.
        """
        query = normalize_name(name)
        if not query:
            return []
        best: dict[str, float] = {}
        for spelling, key in self._spellings:
            score = SequenceMatcher(None, query, spelling).ratio()
            if len(query) >= 3 and query in spelling:
                score = max(score, SUGGESTION_CUTOFF)
            if score >= SUGGESTION_CUTOFF and score > best.get(key, 0.0):
                best[key] = score
        ranked = sorted(best, key=lambda key: (-best[key], self._position[key]))
        return ranked[:limit]

    def categories(self) -> dict[str, list[KpiDefinition]]:
        """KPIs grouped by category: categories in order of first appearance, KPIs in config order."""
        return {category: list(kpis) for category, kpis in self._categories.items()}

    def find_category(self, name: str) -> str | None:
        """The category as configured, matched like KPI names ("Unit economics" finds "unit_economics")."""
        query = normalize_name(name)
        if not query:
            return None
        for category in self._categories:
            if normalize_name(category) == query:
                return category
        return None


def _or_list(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]
