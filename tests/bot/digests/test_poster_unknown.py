"""Digest posts whose outcome is unknown (the answer came after the client gave up, the connection was reset):
the next attempt finds its own message, thread parts and chart file by their metadata and file names, and
adopts them. Exactly one of each lands, and the message shows its chart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.digests import DigestPostError, SlackDigestPoster
from scheduling.ledger import PostProgress
from slack_sandbox import SlackEmulator
from tests.bot.digests.factories import KPIS, make_content, many_kpis

TOKEN = "xoxb-poster-test"
TIMEOUT = 0.3
LATE = 0.5  # the emulator answers after the client gave up


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator.with_workspace(channels=["kpi-daily", "kpi-ops"], bot_token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=TOKEN, timeout=TIMEOUT, retry_handlers=[])  # type: ignore[arg-type]


class Progress(list[PostProgress]):
    def __call__(self, step: PostProgress) -> None:
        self.append(step)

    @property
    def last(self) -> PostProgress:
        return self[-1] if self else PostProgress("#kpi-daily")


def chart_shares(emu: SlackEmulator) -> list[str]:
    [message] = emu.messages("kpi-daily")
    return [f for r in message.replies if r.via == "files.completeUploadExternal" for f in r.files]


def shown_file(emu: SlackEmulator) -> str:
    [message] = emu.messages("kpi-daily")
    [image] = [b for b in message.blocks if b["type"] == "image"]
    return str(image["slack_file"]["id"])


@pytest.mark.parametrize("kind", ["late", "timeout", "reset", "server_error"])
def test_a_main_post_with_a_lost_answer_is_adopted(emu: SlackEmulator, client: WebClient, kind: str) -> None:
    emu.inject_fault("chat.postMessage", kind, hold=LATE, processed=True)
    poster, progress = SlackDigestPoster(client, ops_channel="#kpi-ops"), Progress()
    with pytest.raises(DigestPostError) as failure:
        poster(make_content(), channel="#kpi-daily", resume=PostProgress("#kpi-daily"), on_progress=progress)
    assert failure.value.retryable and progress == []  # the ledger knows nothing: the outcome is unknown
    final = poster(
        make_content(),
        channel="#kpi-daily",
        resume=PostProgress("#kpi-daily", attempt=2),
        on_progress=progress,
    )
    [message] = emu.messages("kpi-daily")  # adopted, not posted again
    assert final.ts == message.ts and final.done and final.charts_attached
    assert chart_shares(emu) == [shown_file(emu)]
    assert [c.method for c in emu.calls if c.method == "conversations.history"] == ["conversations.history"]


def test_a_first_attempt_does_not_look(emu: SlackEmulator, client: WebClient) -> None:
    SlackDigestPoster(client)(
        make_content(), channel="#kpi-daily", resume=PostProgress("#kpi-daily"), on_progress=Progress()
    )
    assert not [c for c in emu.calls if c.method in ("conversations.history", "conversations.replies")]


def test_an_upload_whose_answer_was_lost_is_found_in_the_thread(
    emu: SlackEmulator, client: WebClient
) -> None:
    emu.inject_fault("files.completeUploadExternal", "late", hold=LATE, processed=True)
    progress = Progress()
    final = SlackDigestPoster(client, ops_channel="#kpi-ops")(
        make_content(), channel="#kpi-daily", resume=PostProgress("#kpi-daily"), on_progress=progress
    )
    assert final.charts_attached and chart_shares(emu) == [shown_file(emu)]
    assert emu.messages("kpi-ops") == []  # nothing went wrong that a person must hear about


def test_an_edit_cut_off_is_redone_without_uploading_again(emu: SlackEmulator, client: WebClient) -> None:
    emu.inject_fault("chat.update", "reset", processed=False)
    poster, progress = SlackDigestPoster(client), Progress()
    with pytest.raises(DigestPostError) as failure:
        poster(make_content(), channel="#kpi-daily", resume=PostProgress("#kpi-daily"), on_progress=progress)
    assert failure.value.retryable
    assert progress.last.charts and not progress.last.charts_attached  # uploaded, not yet shown
    final = poster(
        make_content(), channel="#kpi-daily", resume=replace_attempt(progress.last), on_progress=progress
    )
    assert final.charts_attached and chart_shares(emu) == [shown_file(emu)]
    assert len(emu.calls_to("files.completeUploadExternal")) == 1


def replace_attempt(progress: PostProgress, attempt: int = 2) -> PostProgress:
    return PostProgress(**{**progress.__dict__, "attempt": attempt})


def test_thread_parts_with_lost_answers_are_adopted(emu: SlackEmulator, client: WebClient) -> None:
    kpis, snapshots = many_kpis(300, categories=120)
    content = make_content(kpis={**KPIS, **kpis}, snapshots=snapshots, sections=["table"])

    class CutAfterFirstReply(Progress):
        def __call__(self, step: PostProgress) -> None:
            super().__call__(step)
            if step.thread_parts == 1:  # the second reply lands, its answer is lost
                emu.inject_fault("chat.postMessage", "late", hold=LATE, processed=True)

    poster, progress = SlackDigestPoster(client), CutAfterFirstReply()
    with pytest.raises(DigestPostError):
        poster(content, channel="#kpi-daily", resume=PostProgress("#kpi-daily"), on_progress=progress)
    assert progress.last.thread_parts == 1
    final = poster(
        content, channel="#kpi-daily", resume=replace_attempt(progress.last), on_progress=Progress()
    )
    [message] = emu.messages("kpi-daily")
    parts = [r.metadata["event_payload"]["part"] for r in message.replies if r.metadata]
    assert parts == list(range(1, final.thread_parts + 1))  # each part exactly once, in order
    assert final.thread_parts >= 2 and final.done
