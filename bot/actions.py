"""Action ids: encoded and decoded in one place (like Sentry's encode_action_id/decode_action_id)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

PREFIX = "kpibot"

SHARE_CARD = "share_card"
VIEW_INFO = "view_info"
VIEW_KPI = "view_kpi"
ALERT_ACK = "alert_ack"
ALERT_SNOOZE = "alert_snooze"
ALERT_RESOLVE = "alert_resolve"

ACTION_PATTERN = re.compile(rf"^{PREFIX}:")


@dataclass(frozen=True)
class ActionId:
    """What a button does (`kind`) and the small payload it carries in its value."""

    kind: str
    args: dict[str, str] = field(default_factory=dict)


def encode_action_id(kind: str, *, discriminator: str = "") -> str:
    """`kpibot:<kind>[:<discriminator>]`. Action ids must be unique within a message."""
    return f"{PREFIX}:{kind}" + (f":{discriminator}" if discriminator else "")


def decode_action_id(action_id: str, value: str | None = None) -> ActionId:
    """The kind of an action id and the arguments in its value (a small JSON object)."""
    parts = action_id.split(":")
    if len(parts) < 2 or parts[0] != PREFIX:
        raise ValueError(f"not a kpibot action id: {action_id!r}")
    args: dict[str, str] = {}
    if value:
        try:
            loaded = json.loads(value)
        except json.JSONDecodeError:
            loaded = {"value": value}
        if isinstance(loaded, dict):
            args = {str(k): str(v) for k, v in loaded.items()}
    return ActionId(kind=parts[1], args=args)


def encode_value(**args: str) -> str:
    """A button value carrying `args` (kept compact: Slack allows 2,000 characters)."""
    return json.dumps(args, separators=(",", ":"), sort_keys=True)
