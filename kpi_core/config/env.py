"""`${VAR}` and `${VAR:-default}` in config values (database URLs), expanded from the environment.

>>> expand_env("postgresql://${DB_HOST:-localhost}/kpis", {})
'postgresql://localhost/kpis'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class EnvReferenceError(ValueError):
    """A `${VAR}` that is not set (and has no default), or a malformed `${...}`."""


def expand_env(text: str, env: Mapping[str, str]) -> str:
    """Replace every `${VAR}` / `${VAR:-default}`; raises EnvReferenceError naming what is missing."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name, default = match["name"], match["default"]
        value = env.get(name)
        if value is None or (value == "" and default is not None):
            if default is None:
                missing.append(name)
                return ""
            return default
        return value

    expanded = _REFERENCE.sub(replace, text)
    if missing:
        names = list(dict.fromkeys(missing))
        subject = f"variable {names[0]} is" if len(names) == 1 else f"variables {', '.join(names)} are"
        raise EnvReferenceError(f"environment {subject} not set (set it, or write ${{{names[0]}:-default}})")
    if "${" in _REFERENCE.sub("", text):
        raise EnvReferenceError("malformed ${...}: write ${VAR} or ${VAR:-default}")
    return expanded
