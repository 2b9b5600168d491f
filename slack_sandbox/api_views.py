"""views.publish: the App Home tab, checked against Slack's view limits, kept per user.

Limits (Slack's reference for views and surfaces): a Home tab has at most 100 blocks; `private_metadata`
at most 3,000 characters; `callback_id` and `external_id` at most 255; each block follows the same
rules as in messages (slack_sandbox/blocks_check.py). A `hash` that is not the current view's answers
`hash_conflict`, so an app cannot overwrite a newer view with an older one.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from slack_sandbox.api_common import ApiCall, Handler
from slack_sandbox.blocks_check import check_blocks
from slack_sandbox.interactions import build_action, find_element
from slack_sandbox.recording import Delivery
from slack_sandbox.state import EmulatorError, MethodError
from slack_sandbox.workspace import Workspace

VIEW_BLOCKS = 100
PRIVATE_METADATA = 3000
VIEW_ID_LENGTH = 255


def _view_arg(call: ApiCall) -> dict[str, Any]:
    raw = call.args.get("view")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise MethodError("invalid_arguments") from None
    if not isinstance(raw, dict):
        raise MethodError("invalid_arguments")
    return raw


def check_view(view: dict[str, Any], *, kind: str) -> list[str]:
    """Every problem Slack would report for this view; empty when it is valid."""
    errors = []
    if view.get("type") != kind:
        errors.append(f"must be a {kind} view [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return [*errors, "missing required field: blocks [json-pointer:/view/blocks]"]
    if len(blocks) > VIEW_BLOCKS:
        errors.append(f"no more than {VIEW_BLOCKS} items allowed [json-pointer:/view/blocks]")
    # the message checks cap blocks at 50; a view allows 100, checked above
    errors += [e for e in check_blocks(blocks) if not e.startswith("no more than 50 items")]
    if len(str(view.get("private_metadata") or "")) > PRIVATE_METADATA:
        errors.append(
            f"must be less than {PRIVATE_METADATA} characters [json-pointer:/view/private_metadata]"
        )
    for name in ("callback_id", "external_id"):
        if len(str(view.get(name) or "")) > VIEW_ID_LENGTH:
            errors.append(f"must be less than {VIEW_ID_LENGTH} characters [json-pointer:/view/{name}]")
    return errors


def views_publish(call: ApiCall) -> dict[str, Any]:
    user = call.ws.find_user(call.require("user_id", "invalid_arguments"))
    if user is None:
        raise MethodError("user_not_found")
    view = _view_arg(call)
    errors = check_view(view, kind="home")
    if errors:
        raise MethodError(
            "invalid_arguments", response_metadata={"messages": [f"[ERROR] {e}" for e in errors]}
        )
    homes: dict[str, dict[str, Any]] = call.ws.__dict__.setdefault("home_views", {})
    current = homes.get(user.id)
    wanted_hash = call.arg("hash")
    if wanted_hash is not None and current is not None and wanted_hash != current["hash"]:
        raise MethodError("hash_conflict")
    published = {
        **view,
        "id": current["id"] if current else f"V{secrets.token_hex(5).upper()}",
        "team_id": call.ws.team_id,
        "app_id": call.ws.app_id,
        "bot_id": call.ws.bot_id,
        "hash": f"{call.ws.clock():.6f}.{secrets.token_hex(4)}",
        "state": {"values": {}},
    }
    homes[user.id] = published
    call.ws.emit("home_published", user=user.id, data={"view_id": published["id"]})
    return {"ok": True, "view": published}


METHODS: dict[str, Handler] = {"views.publish": views_publish}


class ViewsMixin:
    """Mixed into SlackEmulator: someone opens the app's Home tab; what it shows them."""

    _lock: Any

    if TYPE_CHECKING:  # provided by SlackEmulator

        def _ws(self, team: str | None) -> Workspace: ...

    def home_view(self, user: str, *, team: str | None = None) -> dict[str, Any] | None:
        """The Home tab `user` sees (the last views.publish for them), or None."""
        with self._lock:
            ws = self._ws(team)
            homes: dict[str, dict[str, Any]] = ws.__dict__.get("home_views", {})
            return homes.get(ws.user(user).id)

    def open_home(self, user: str, *, team: str | None = None) -> Delivery:
        """`user` clicks the app's name and lands on its Home tab: Slack sends `app_home_opened`."""
        with self._lock:
            ws = self._ws(team)
            uid = ws.user(user).id
            view = ws.__dict__.get("home_views", {}).get(uid)
        event: dict[str, Any] = {"type": "app_home_opened", "user": uid, "channel": "", "tab": "home"}
        if view is not None:
            event["view"] = view
        send_event = cast(Any, self).send_event  # SendingMixin's
        delivery: Delivery = send_event(event, team=ws.team_id)
        return delivery

    def click_home(
        self,
        *,
        user: str,
        action_id: str,
        value: str | None = None,
        selected: Any = None,
        block_id: str | None = None,
        team: str | None = None,
    ) -> Delivery:
        """`user` clicks an element of their Home tab: signed `block_actions` from a view (no
        response_url: the app answers by updating the view or posting)."""
        emulator = cast(Any, self)
        with self._lock:
            ws = self._ws(team)
            usr = ws.user(user)
            view = ws.__dict__.get("home_views", {}).get(usr.id)
            if view is None:
                raise EmulatorError(f"{usr.name} has no Home tab to click in")
            found_block, element = find_element(
                view["blocks"], action_id=action_id, block_id=block_id, value=value
            )
            action = build_action(
                element, block_id=found_block, action_ts=f"{emulator.now():.6f}", selected=selected
            )
            payload = {
                "type": "block_actions",
                "token": emulator.verification_token,
                "user": {"id": usr.id, "username": usr.name, "name": usr.name, "team_id": ws.team_id},
                "api_app_id": ws.app_id,
                "team": {"id": ws.team_id, "domain": ws.domain},
                "container": {"type": "view", "view_id": view["id"]},
                "trigger_id": emulator._trigger_id(ws),
                "view": view,
                "actions": [action],
                "is_enterprise_install": False,
                "enterprise": None,
            }
        delivery: Delivery = emulator._deliver(
            "block_actions",
            urlencode({"payload": json.dumps(payload)}),
            payload,
            app_url=None,
            forge=False,
            skew=0,
            team=ws.team_id,
        )
        return delivery
