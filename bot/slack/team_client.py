"""One Web API client for every workspace kpibot is installed in: the token follows the request.

With OAuth installs each workspace has its own bot token. Bolt's `authorize` finds it per request and
`bind_team_token` (a global middleware) makes it the token of every call the listener makes through
the shared `TeamClient`, including calls from lazy listeners (`ContextExecutor` carries the binding into
the listener threads). Background work (digests, alerts) runs outside any request and uses the home
workspace's token from the installation store.

    client = TeamClient(home_token=installations.home_bot_token, base_url=..., retry_handlers=...)
    app.middleware(bind_team_token)
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from slack_sdk import WebClient

T = TypeVar("T")
CURRENT_TOKEN: contextvars.ContextVar[str | None] = contextvars.ContextVar("kpibot_team_token", default=None)


class TeamClient(WebClient):
    """A WebClient whose token is the bot token of the workspace being served (or the home workspace's)."""

    def __init__(self, *, home_token: Callable[[], str | None], **kwargs: Any) -> None:
        self._home_token = home_token
        super().__init__(token=None, **kwargs)

    @property
    def token(self) -> str | None:
        return CURRENT_TOKEN.get() or self._home_token()

    @token.setter
    def token(self, _value: str | None) -> None:
        """WebClient.__init__ sets a token; this client has none of its own."""


def bind_team_token(context: Any, next: Callable[[], Any]) -> Any:
    """Bolt global middleware: the authorized workspace's bot token for everything this request does.

    Bolt runs its middleware one after the other (not nested around the listeners), so the binding stays
    set in the request's thread until the next request there sets its own. Authorization runs before
    this and stops any request it cannot authorize, so a listener never runs with an earlier binding."""
    CURRENT_TOKEN.set(context.get("bot_token") or context.get("token"))
    return next()


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool that runs each task in a copy of the submitter's context (its bound token)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)
