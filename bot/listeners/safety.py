"""The one place where a failed answer becomes a friendly reply plus a log line with a correlation id."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from bot.blocks.catalog import build_error
from bot.grammar import CommandError

log = logging.getLogger("kpibot")


def reply_error(respond: Callable[..., Any], error: BaseException) -> None:
    """Show a CommandError as it is; anything else as a short apology with a reference to the log line."""
    if isinstance(error, CommandError):
        message = build_error(error.message, suggestions=error.suggestions)
    else:
        reference = uuid.uuid4().hex[:8]
        log.exception("unexpected error [ref %s]", reference, exc_info=error)
        message = build_error(
            f"Something went wrong on my side (reference `{reference}`). It has been logged."
        )
    try:
        respond(response_type="ephemeral", replace_original=False, **message.as_kwargs())
    except Exception:
        log.exception("could not deliver an error reply")


def guarded(work: Callable[..., None]) -> Callable[..., None]:
    """Wrap a lazy listener so its failures reach the user as `reply_error` replies."""

    @functools.wraps(work)  # Bolt reads the wrapped function's argument names through __wrapped__
    def run(respond: Callable[..., Any], **kwargs: Any) -> None:
        try:
            work(respond=respond, **kwargs)
        except Exception as error:
            reply_error(respond, error)

    return run
