"""SlackDigestPoster against the local Slack emulator: message first, chart into its thread, overflow in
the thread, resume from progress, and failures classified, logged and told to the ops channel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.digests import DigestPostError, SlackDigestPoster
from scheduling.ledger import PostProgress
from slack_sandbox import SlackEmulator
from tests.bot.digests.factories import KPIS, make_content, many_kpis

TOKEN = "xoxb-poster-test"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator.with_workspace(
        channels=[
            "kpi-daily",
            "kpi-ops",
            {"name": "outside", "bot_member": False},
            {"name": "exec", "private": True},
        ],
        users=["dana"],
        bot_token=TOKEN,
    )
    with emulator:
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=TOKEN, timeout=5, retry_handlers=[])


class Progress(list[PostProgress]):
    def __call__(self, step: PostProgress) -> None:
        self.append(step)


def test_one_message_with_its_chart_shared_in_the_channel(emu: SlackEmulator, client: WebClient) -> None:
    progress = Progress()
    poster = SlackDigestPoster(client, ops_channel="#kpi-ops")
    final = poster(
        make_content(), channel="#kpi-daily", resume=PostProgress("#kpi-daily"), on_progress=progress
    )
    channel = emu.channel("kpi-daily")
    [message] = emu.messages(channel.id)
    [image] = [b for b in message.blocks if b["type"] == "image"]
    file_id = image["slack_file"]["id"]
    posted = PostProgress("#kpi-daily", message.ts, 0, channel_id=channel.id)
    uploaded = PostProgress("#kpi-daily", message.ts, 0, channel_id=channel.id, charts=((1, file_id),))
    shown = PostProgress(
        "#kpi-daily", message.ts, 0, channel_id=channel.id, charts=((1, file_id),), charts_attached=True
    )
    assert progress == [posted, uploaded, shown]  # each step recorded right after Slack took it
    assert final == PostProgress(**{**shown.__dict__, "done": True})
    assert message.metadata == {
        "event_type": "kpibot_digest",
        "event_payload": {
            "digest": "daily",
            "period": "2026-11-16",
            "channel": "#kpi-daily",
            "attempt": 1,
            "part": 0,
        },
    }
    file = emu.file(image["slack_file"]["id"])
    assert file.content.startswith(b"\x89PNG") and file.is_shared_in(channel.id)
    assert message.text.startswith("Daily KPIs · Monday 16 Nov 2026 (Europe/Berlin): ")
    # the chart went into the message's own thread, never as a second top-level post
    assert [r.via for r in message.replies] == ["files.completeUploadExternal"]
    assert [c.method for c in emu.calls if c.method.startswith("chat.")] == [
        "chat.postMessage",
        "chat.update",
    ]
    assert emu.messages("kpi-ops") == []


def test_overflow_goes_into_the_thread_and_a_resume_posts_only_what_is_missing(
    emu: SlackEmulator, client: WebClient
) -> None:
    kpis, snapshots = many_kpis(300, categories=120)
    content = make_content(kpis={**KPIS, **kpis}, snapshots=snapshots, sections=["table"])
    poster = SlackDigestPoster(client)
    progress = Progress()
    final = poster(content, channel="kpi-daily", resume=PostProgress("kpi-daily"), on_progress=progress)
    [message] = emu.messages("kpi-daily")
    replies = [r for r in message.replies if r.via == "chat.postMessage"]
    assert final.thread_parts == len(replies) >= 2 and final.done
    assert [p.thread_parts for p in progress if p.charts_attached or not p.charts] == list(
        range(len(replies) + 1)
    )
    # a crash after the first reply: the next attempt posts the rest, and neither message nor reply 1 again
    first_reply = PostProgress("kpi-daily", message.ts, 1, channel_id=message.channel)
    again = poster(content, channel="kpi-daily", resume=first_reply, on_progress=Progress())
    [same] = emu.messages("kpi-daily")
    assert same.ts == message.ts and again.done
    assert len([r for r in same.replies if r.via == "chat.postMessage"]) == 2 * len(replies) - 1


def test_a_failed_upload_still_posts_the_text_and_tells_ops(emu: SlackEmulator, client: WebClient) -> None:
    emu.inject_fault("upload", "server_error")
    poster = SlackDigestPoster(client, ops_channel="#kpi-ops")
    final = poster(
        make_content(), channel="#kpi-daily", resume=PostProgress("#kpi-daily"), on_progress=Progress()
    )
    [message] = emu.messages("kpi-daily")
    assert final.done and not any(b["type"] == "image" for b in message.blocks)
    assert "could not be uploaded" in str(message.blocks)
    [report] = emu.messages("kpi-ops")
    assert "posted to #kpi-daily without its chart" in report.text


@pytest.mark.parametrize(
    ("channel", "code"),
    [("#no-such-channel", "channel_not_found"), ("#outside", "not_in_channel")],
)
def test_permanent_failures_are_not_retried_and_reach_ops(
    emu: SlackEmulator, client: WebClient, channel: str, code: str
) -> None:
    poster = SlackDigestPoster(client, ops_channel="#kpi-ops")
    with pytest.raises(DigestPostError) as failure:
        poster(make_content(), channel=channel, resume=PostProgress(channel), on_progress=Progress())
    assert failure.value.retryable is False and failure.value.code == code
    assert f": {code} (" in str(failure.value)  # e.g. "chat.postMessage: not_in_channel (the bot is ...)"
    [report] = emu.messages("kpi-ops")
    assert (
        f"could not post *Daily KPIs* (Monday 16 Nov 2026 (Europe/Berlin)) to {channel}: `{code}`"
        in report.text
    )
    assert "Not retried." in report.text
    # the same failure again (a retry of the run) is not reported twice
    with pytest.raises(DigestPostError):
        poster(make_content(), channel=channel, resume=PostProgress(channel), on_progress=Progress())
    assert len(emu.messages("kpi-ops")) == 1


def test_auth_problems_are_not_retried(emu: SlackEmulator, client: WebClient) -> None:
    emu.inject_fault("chat.postMessage", "invalid_auth")
    with pytest.raises(DigestPostError) as failure:
        SlackDigestPoster(client, ops_channel="kpi-ops")(
            make_content(), channel="#exec", resume=PostProgress("#exec"), on_progress=Progress()
        )
    assert (failure.value.code, failure.value.retryable) == ("invalid_auth", False)
    assert "check SLACK_BOT_TOKEN" in str(failure.value)
    assert "`invalid_auth`" in emu.messages("kpi-ops")[0].text


def test_a_rate_limit_is_waited_out_and_the_digest_posted_once(emu: SlackEmulator, client: WebClient) -> None:
    emu.inject_fault("chat.postMessage", "ratelimited", retry_after=3)
    waited: list[float] = []
    poster = SlackDigestPoster(client, sleep=waited.append)
    poster(make_content(), channel="kpi-daily", resume=PostProgress("kpi-daily"), on_progress=Progress())
    assert waited == [3.0]
    assert len(emu.messages("kpi-daily")) == 1
    assert [c.status for c in emu.calls_to("chat.postMessage")] == [429, 200]


def test_server_errors_are_retryable(emu: SlackEmulator, client: WebClient) -> None:
    emu.inject_fault("chat.postMessage", "server_error", status=503)
    with pytest.raises(DigestPostError) as failure:
        SlackDigestPoster(client)(
            make_content(), channel="kpi-daily", resume=PostProgress("kpi-daily"), on_progress=Progress()
        )
    assert failure.value.retryable is True
    assert emu.messages("kpi-daily") == []


def test_channel_names_are_resolved_once(emu: SlackEmulator, client: WebClient) -> None:
    poster = SlackDigestPoster(client)
    for _ in range(2):
        poster(
            make_content(alerts=()),
            channel="#kpi-daily",
            resume=PostProgress("#kpi-daily"),
            on_progress=Progress(),
        )
    assert len(emu.calls_to("conversations.list")) == 1
    channel_id = emu.channel("kpi-daily").id
    assert {c.args["channel"] for c in emu.calls_to("chat.postMessage")} == {channel_id}
    assert len(emu.messages("kpi-daily")) == 2
