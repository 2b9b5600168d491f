"""OAuth v2 in the emulator: someone approves an install, the app trades the code for the workspace's
bot token (`oauth.v2.access`), and uninstalling revokes the token and tells the app.

    emu.enable_oauth(client_id="111.222", client_secret="s3cret")
    redirect = emu.approve_install(authorize_url, team="T2", user="ana")   # Slack's "Allow" button
    # the browser follows `redirect` to the app's /slack/oauth_redirect?code=...&state=...
    emu.uninstall(team="T2")   # tokens_revoked + app_uninstalled events; the token stops working

Slack's rules kept here: a code works once, within 10 minutes, for the client it was issued to, with the
redirect_uri of the authorize request when one was given; a revoked token answers `token_revoked`.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, urlencode, urlsplit

from slack_sandbox.http_server import Reply
from slack_sandbox.recording import Call, Delivery
from slack_sandbox.state import EmulatorError
from slack_sandbox.workspace import Workspace

CODE_SECONDS = 600
ACCESS_METHOD = "oauth.v2.access"


@dataclass(frozen=True)
class Grant:
    team: str
    user: str
    scopes: tuple[str, ...]
    redirect_uri: str | None
    client_id: str
    issued_at: float


class OAuthMixin:
    """Mixed into SlackEmulator (which provides these attributes)."""

    _lock: threading.RLock
    now: Callable[[], float]
    _workspaces: dict[str, Workspace]
    oauth_redirect_uri: str | None = None  # the app config's redirect URL (used without redirect_uri)

    if TYPE_CHECKING:  # provided by SlackEmulator

        def _ws(self, team: str | None) -> Workspace: ...

    def enable_oauth(self, *, client_id: str, client_secret: str) -> None:
        """The app's credentials (Basic Information → App Credentials)."""
        with self._lock:
            self._oauth_client = (client_id, client_secret)
            self._codes: dict[str, Grant] = {}
            self._revoked: set[str] = set()

    def approve_install(self, authorize_url: str, *, team: str, user: str) -> str:
        """`user` of `team` clicks "Allow" on the authorize page: the URL the browser is sent back to."""
        query = {k: v[-1] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        with self._lock:
            client = getattr(self, "_oauth_client", None)
            if client is None or query.get("client_id") != client[0]:
                raise EmulatorError(f"unknown client_id {query.get('client_id')!r}: call enable_oauth first")
            if not query.get("redirect_uri") and not getattr(self, "oauth_redirect_uri", None):
                raise EmulatorError("no redirect_uri in the authorize URL and none configured for the app")
            ws = self._ws(team)
            code = f"{ws.team_id}.{secrets.token_hex(12)}"
            redirect = query.get("redirect_uri")
            self._codes[code] = Grant(
                team=ws.team_id,
                user=ws.user(user).id,
                scopes=tuple(s for s in query.get("scope", "").split(",") if s),
                redirect_uri=redirect,
                client_id=client[0],
                issued_at=self.now(),
            )
        target = redirect or self.oauth_redirect_uri
        assert target is not None  # checked above
        back = {"code": code, **({"state": query["state"]} if "state" in query else {})}
        return f"{target}{'&' if '?' in target else '?'}{urlencode(back)}"

    def uninstall(self, *, team: str) -> tuple[Delivery, Delivery]:
        """Someone removes the app from `team`: its bot token is revoked, then Slack sends
        `tokens_revoked` and `app_uninstalled` to the app."""
        with self._lock:
            ws = self._ws(team)
            self.__dict__.setdefault("_revoked", set()).add(ws.bot_token)
            bot_user = ws.bot_user.id
        send_event = cast(Any, self).send_event  # SendingMixin's
        revoked: Delivery = send_event(
            {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [bot_user]}}, team=ws.team_id
        )
        return revoked, send_event({"type": "app_uninstalled"}, team=ws.team_id)

    def oauth_api_reply(
        self, method: str, args: dict[str, Any], token: str | None, call: Call
    ) -> Reply | None:
        """oauth.v2.access, and refusing revoked tokens; None lets the Web API go on as usual."""
        if token is not None and token in getattr(self, "_revoked", ()):
            return Reply(body={"ok": False, "error": "token_revoked"})
        if method != ACCESS_METHOD:
            return None
        client = getattr(self, "_oauth_client", None)
        if client is None or args.get("client_id") != client[0]:
            return Reply(body={"ok": False, "error": "invalid_client_id"})
        if args.get("client_secret") != client[1]:
            return Reply(body={"ok": False, "error": "bad_client_secret"})
        grant = self._codes.pop(str(args.get("code") or ""), None)
        if grant is None or self.now() - grant.issued_at > CODE_SECONDS:
            return Reply(body={"ok": False, "error": "invalid_code"})
        if grant.redirect_uri is not None and args.get("redirect_uri") != grant.redirect_uri:
            return Reply(body={"ok": False, "error": "bad_redirect_uri"})
        ws = self._workspaces[grant.team]
        call.team = ws.team_id
        return Reply(body=_access_body(ws, grant))


def _access_body(ws: Workspace, grant: Grant) -> dict[str, Any]:
    return {
        "ok": True,
        "access_token": ws.bot_token,
        "token_type": "bot",
        "scope": ",".join(grant.scopes),
        "bot_user_id": ws.bot_user.id,
        "app_id": ws.app_id,
        "team": {"id": ws.team_id, "name": ws.name},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": grant.user},
    }
