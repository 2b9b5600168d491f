"""Posting digests to Slack: `SlackDigestPoster` is the `scheduling.jobs.DigestPoster` of `kpibot serve`.

    poster = SlackDigestPoster(client, ops_channel="#kpi-ops", charts=answers.charts)
    progress = poster(digest, channel="#kpi-daily", resume=PostProgress("#kpi-daily"), on_progress=save)

Per channel: the message goes out first (so a chart can never cost the text), the chart is shared into
the message's thread and the message updated to show it, then any overflow is posted into the same thread.
`on_progress` is called after every Slack call that worked, so a resumed run skips what is already there.
Failures are classified (bot.slack.errors), logged, told to the ops channel, and raised as
`DigestPostError` with `retryable` set: channel_not_found, not_in_channel and auth problems are not retried.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from slack_sdk import WebClient

from bot.blocks.digest import ChartSlot, DigestMessages, build_digest_messages
from bot.blocks.primitives import Message, section
from bot.charts import ChartCache
from bot.digest_charts import DigestCharts, chart_filename, render_digest_charts
from bot.digest_lookup import (
    digest_metadata,
    find_main_message,
    posted_parts,
    read_thread,
    shared_files,
    upload_chart,
)
from bot.slack.channels import ChannelDirectory
from bot.slack.errors import (
    SlackAuthError,
    SlackError,
    SlackNotFoundError,
    SlackNotInChannelError,
    SlackRateLimitedError,
    SlackTransientError,
    classify,
)
from kpi_core.digests.content import Digest
from scheduling.ledger import ClaimLostError, PostProgress

log = logging.getLogger(__name__)
UPLOAD_FAILED = "the chart could not be uploaded; `/kpi dashboard` has the trends"
MAX_RATE_LIMIT_WAIT = 60.0


class DigestPostError(Exception):
    """Posting a digest to one channel failed. `retryable` is False where trying again cannot help."""

    def __init__(self, *, channel: str, problem: SlackError) -> None:
        self.channel, self.problem = channel, problem
        self.code, self.retryable = problem.code, problem.retryable
        super().__init__(f"{problem} ({hint(problem)})")  # the job's log line names the channel


def hint(problem: SlackError) -> str:
    """What a person can do about a failure, in a few words."""
    if isinstance(problem, SlackNotFoundError):
        return "the channel does not exist, is archived, or is private without the bot: fix digests.yml"
    if isinstance(problem, SlackNotInChannelError):
        return "the bot is not a member of the channel: /invite @kpibot there"
    if isinstance(problem, SlackAuthError):
        return "the bot token is invalid or lacks a scope: check SLACK_BOT_TOKEN and the app's scopes"
    if problem.retryable:
        return "Slack is busy or unavailable: kpibot will try again"
    return "Slack rejected the message: not retried"


class SlackDigestPoster:
    """Posts a `Digest` to one channel per call; see the module docstring for the order of calls."""

    def __init__(
        self,
        client: WebClient,
        *,
        ops_channel: str = "",
        charts: ChartCache | None = None,
        channels: ChannelDirectory | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rate_limit_retries: int = 2,
    ) -> None:
        self.client, self.ops_channel = client, ops_channel.strip()
        self.charts = charts if charts is not None else ChartCache(max_entries=32)
        self.channels = channels or ChannelDirectory(client)
        self._sleep, self._retries = sleep, rate_limit_retries
        self._reported: set[tuple[str, ...]] = set()
        self._lock = threading.Lock()

    def __call__(
        self,
        digest: Digest,
        *,
        channel: str,
        resume: PostProgress,
        on_progress: Callable[[PostProgress], None],
    ) -> PostProgress:
        try:
            return self._post(digest, channel, resume, on_progress)
        except ClaimLostError:
            raise
        except Exception as error:
            problem = classify(error)
            failure = DigestPostError(channel=channel, problem=problem)
            retry = "kpibot will try again." if failure.retryable else "Not retried."
            self.report(
                (digest.name, digest.period.key, channel, problem.code),
                f"⚠️ kpibot could not post *{digest.header.title}* ({digest.header.period_label}) to "
                f"{channel}: `{problem.code}`. {hint(problem).capitalize()}. {retry}",
            )
            raise failure from error

    def _post(
        self,
        digest: Digest,
        channel: str,
        resume: PostProgress,
        on_progress: Callable[[PostProgress], None],
    ) -> PostProgress:
        charts = render_digest_charts(digest, cache=self.charts)
        slots = {index: ChartSlot(note=problem) for index, problem in charts.problems.items()}
        unsure = resume.attempt > 1  # an earlier attempt may have been cut off after Slack acted
        progress = resume
        channel_id = resume.channel_id or self.channels.resolve(channel)
        if progress.ts is None:
            ts = None
            if unsure:
                ts = find_main_message(
                    self._lookup, channel_id=channel_id, digest=digest, channel=channel, since=resume.since
                )
            if ts is None:
                message = build_digest_messages(digest, charts=slots).main
                meta = digest_metadata(digest, channel=channel, attempt=resume.attempt, part=0)
                response = self._call(
                    "chat.postMessage", partial(self._send, message, channel=channel_id, metadata=meta)
                )
                ts, channel_id = str(response["ts"]), str(response.get("channel") or channel_id)
                self.channels.remember(channel, channel_id)
            progress = replace(progress, ts=ts, channel_id=channel_id)
            on_progress(progress)
        assert progress.ts is not None
        thread = read_thread(self._lookup, channel_id=channel_id, ts=progress.ts) if unsure else []
        if charts.images:
            progress = self._attach_charts(digest, charts, slots, progress, thread, on_progress)
        messages: DigestMessages = build_digest_messages(digest, charts=slots)
        done = posted_parts(thread, digest, channel)
        for part in range(progress.thread_parts, len(messages.thread)):
            if part + 1 not in done:
                meta = digest_metadata(digest, channel=channel, attempt=resume.attempt, part=part + 1)
                reply = messages.thread[part]
                self._call(
                    "chat.postMessage",
                    partial(self._send, reply, channel=channel_id, thread_ts=progress.ts, metadata=meta),
                )
            progress = replace(progress, thread_parts=part + 1)
            on_progress(progress)
        return replace(progress, thread_parts=len(messages.thread), done=True)

    def _attach_charts(
        self,
        digest: Digest,
        charts: DigestCharts,
        slots: dict[int, ChartSlot],
        progress: PostProgress,
        thread: list[dict[str, Any]],
        on_progress: Callable[[PostProgress], None],
    ) -> PostProgress:
        """Upload the charts not uploaded yet (adopting files an earlier attempt shared), then edit the
        message to show them; each step is recorded, so a resumed run does only what is missing."""
        ts, channel_id = progress.ts, progress.channel_id
        assert ts is not None and channel_id is not None
        names = {index: chart_filename(digest, index) for index in charts.images}
        files = {**shared_files(thread, names), **dict(progress.charts)}
        if files != dict(progress.charts):
            progress = replace(progress, charts=tuple(sorted(files.items())))
            on_progress(progress)
        missing = DigestCharts({i: image for i, image in charts.images.items() if i not in files})
        if missing.images:

            def uploaded(index: int, file_id: str) -> None:
                nonlocal progress
                files[index] = file_id
                progress = replace(progress, charts=tuple(sorted(files.items())))
                on_progress(progress)

            slots.update(
                self._share_charts(
                    digest, missing, channel=progress.channel, channel_id=channel_id, ts=ts, on_file=uploaded
                )
            )
        for index, file_id in files.items():
            slots[index] = ChartSlot(file_id=file_id, alt_text=charts.images[index].alt_text)
        if not progress.charts_attached:
            meta = digest_metadata(digest, channel=progress.channel, attempt=progress.attempt, part=0)
            message = build_digest_messages(digest, charts=slots).main
            if self._update(message, channel_id=channel_id, ts=ts, metadata=meta):
                progress = replace(progress, charts_attached=True)
                on_progress(progress)
        return progress

    def _share_charts(
        self,
        digest: Digest,
        charts: DigestCharts,
        *,
        channel: str,
        channel_id: str,
        ts: str,
        on_file: Callable[[int, str], None],
    ) -> dict[int, ChartSlot]:
        """Upload each chart into the message's thread; a failed upload becomes a note, never an error."""
        slots: dict[int, ChartSlot] = {}
        for index, image in charts.images.items():
            try:
                file_id = upload_chart(
                    self.client, image, filename=chart_filename(digest, index), channel_id=channel_id, ts=ts
                )
            except Exception as error:
                problem = classify(error, method="files_upload_v2")
                adopted = self._find_upload(digest, index, problem, channel_id=channel_id, ts=ts)
                if adopted is not None:  # the answer was lost, the upload was not
                    on_file(index, adopted)
                    slots[index] = ChartSlot(file_id=adopted, alt_text=image.alt_text)
                    continue
                log.warning(
                    "digest %s %s: chart upload to %s failed: %s",
                    digest.name,
                    digest.period.key,
                    channel,
                    problem,
                )
                self.report(
                    (digest.name, digest.period.key, channel, "chart", problem.code),
                    f"⚠️ *{digest.header.title}* ({digest.header.period_label}) was posted to {channel} "
                    f"without its chart: the upload failed (`{problem}`).",
                )
                slots[index] = ChartSlot(note=UPLOAD_FAILED)
                continue
            on_file(index, file_id)
            slots[index] = ChartSlot(file_id=file_id, alt_text=image.alt_text)
        return slots

    def _find_upload(
        self, digest: Digest, index: int, problem: SlackError, *, channel_id: str, ts: str
    ) -> str | None:
        """After an upload with an unknown outcome (timeout, reset, 5xx): is the file in the thread?"""
        if not isinstance(problem, SlackTransientError):
            return None
        thread = read_thread(self._lookup, channel_id=channel_id, ts=ts)
        return shared_files(thread, {index: chart_filename(digest, index)}).get(index)

    def _update(self, message: Message, *, channel_id: str, ts: str, metadata: dict[str, Any]) -> bool:
        """Edit the message (idempotent: a resumed run simply edits again); False when it did not work."""
        try:
            self._call(
                "chat.update",
                lambda: self.client.chat_update(
                    channel=channel_id, ts=ts, metadata=metadata, **message.as_kwargs()
                ),
            )
        except Exception as error:
            problem = classify(error, method="chat.update")
            if problem.retryable:  # unknown or rate-limited: the run is retried, and edits again
                raise problem from error
            log.warning(
                "could not add the chart to %s/%s: %s", channel_id, ts, problem
            )  # it stands, imageless
            return False
        return True

    def _send(
        self,
        message: Message,
        *,
        channel: str,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Any:
        return self.client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
            **message.as_kwargs(),
        )

    def _lookup(self, method: str, **kwargs: Any) -> Any:
        """A read for `digest_lookup` (conversations.history / replies), rate limits waited out."""
        return self._call(method, lambda: self.client.api_call(method, http_verb="GET", params=kwargs))

    def _call(self, method: str, call: Callable[[], Any]) -> Any:
        """One Slack call; a rate limit is waited out (Retry-After) a couple of times before giving up."""
        for attempt in range(self._retries + 1):
            try:
                return call()
            except Exception as error:
                problem = classify(error, method=method)
                wait = problem.retry_after or 1.0
                if not isinstance(problem, SlackRateLimitedError) or attempt == self._retries:
                    raise problem from error
                if wait > MAX_RATE_LIMIT_WAIT:
                    raise problem from error
                log.warning("%s rate-limited: waiting %.0f s", method, wait)
                self._sleep(wait)
        raise AssertionError("unreachable")

    def report(self, key: tuple[str, ...], text: str) -> None:
        """Tell the ops channel (once per key), if one is configured; never raises."""
        if not self.ops_channel:
            return
        with self._lock:
            if key in self._reported:
                return
            self._reported.add(key)
        try:
            target = self.channels.resolve(self.ops_channel)
            self._send(Message(text, [section(text)]), channel=target)
        except Exception as error:
            log.error(
                "could not report to the ops channel %s: %s (%s)", self.ops_channel, classify(error), text
            )
