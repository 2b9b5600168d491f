"""Rate limits on the injected clock, slack_sdk's retry handlers against them, and injected faults."""

from __future__ import annotations

import contextlib
import itertools
import urllib.error

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from slack_sandbox import RateLimit, SlackEmulator
from slack_sandbox.limits import RateLimiter
from tests.slack_sandbox.conftest import TOKEN, FakeClock


def failure(call, *args, **kwargs) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return info.value


def test_bucket_math() -> None:
    limiter = RateLimiter(overrides={"m": RateLimit(per_minute=30, burst=2)})
    take = lambda now: limiter.acquire(team="T", method="m", channel=None, now=now)  # noqa: E731
    assert (take(0.0), take(0.0)) == (None, None)
    assert take(0.0) == 2  # one call every 2 s
    assert take(1.0) == 1  # half a token back already
    assert take(2.0) is None
    assert limiter.acquire(team="T", method="other", channel=None, now=0.0) is None  # limits off: no limit


def test_post_message_limit_per_channel(emu: SlackEmulator, client: WebClient, clock: FakeClock) -> None:
    emu.rate_limits = True
    for i in range(3):  # the burst
        client.chat_postMessage(channel="general", text=f"m{i}")
    limited = failure(client.chat_postMessage, channel="general", text="too fast")
    assert limited.response.status_code == 429
    assert limited.response.headers["Retry-After"] == "1"
    assert limited.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="kpi-daily", text="other channel")["ok"]  # its own bucket
    clock.advance(1)
    assert client.chat_postMessage(channel="general", text="after the wait")["ok"]
    assert [m.text for m in emu.messages("general")] == ["m0", "m1", "m2", "after the wait"]
    assert [c.status for c in emu.calls_to("chat.postMessage")] == [200, 200, 200, 429, 200, 200]


def test_per_method_override_without_global_limits(emu: SlackEmulator, client: WebClient) -> None:
    emu.set_rate_limit("users.lookupByEmail", RateLimit(per_minute=1, burst=1))
    client.users_lookupByEmail(email="ana@example.com")
    limited = failure(client.users_lookupByEmail, email="ana@example.com")
    assert limited.response.headers["Retry-After"] == "60"
    client.users_info(user=emu.user("ana").id)  # other methods unaffected
    emu.rate_limits = True
    emu.set_rate_limit("users.info", None)  # exempt even when limits are on
    for _ in range(150):
        client.users_info(user=emu.user("ana").id)


def test_rate_limit_retry_handler_recovers(emu: SlackEmulator, clock: FakeClock, monkeypatch) -> None:
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the handler "waits" by moving the emulator's clock
        slept.append(seconds)
        clock.advance(seconds)

    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.time.sleep", sleep)
    emu.set_rate_limit("chat.postMessage", RateLimit(per_minute=60, burst=1, per_channel=True))
    client = WebClient(base_url=emu.api_url, token=TOKEN, retry_handlers=[RateLimitErrorRetryHandler(2)])
    client.chat_postMessage(channel="general", text="first")
    assert client.chat_postMessage(channel="general", text="second")["ok"]
    assert len(slept) == 1 and 1 <= slept[0] < 2  # Retry-After: 1 plus jitter
    assert [c.status for c in emu.calls_to("chat.postMessage")] == [200, 429, 200]
    assert [m.text for m in emu.messages("general")] == ["first", "second"]


def test_fault_ratelimited_and_server_errors(emu: SlackEmulator, client: WebClient, monkeypatch) -> None:
    emu.inject_fault("chat.postMessage", "ratelimited", retry_after=7)
    limited = failure(client.chat_postMessage, channel="general", text="x")
    assert (limited.response.status_code, limited.response.headers["Retry-After"]) == (429, "7")
    emu.inject_fault("chat.postMessage", "server_error", status=503)
    unavailable = failure(client.chat_postMessage, channel="general", text="x")
    assert (unavailable.response.status_code, unavailable.response["error"]) == (503, "service_unavailable")
    assert failure(emu_fault(emu, "server_error"), channel="general", text="x").response.status_code == 500
    assert emu.messages("general") == []
    assert client.chat_postMessage(channel="general", text="fine now")["ok"]  # faults are used up
    assert [c.fault for c in emu.calls_to("chat.postMessage")] == [
        "ratelimited",
        "server_error",
        "server_error",
        None,
    ]

    monkeypatch.setattr("slack_sdk.http_retry.handler.time.sleep", lambda _s: None)
    emu.inject_fault("chat.postMessage", "server_error", times=1)
    retrying = WebClient(base_url=emu.api_url, token=TOKEN, retry_handlers=[ServerErrorRetryHandler(1)])
    assert retrying.chat_postMessage(channel="general", text="retried")["ok"]


def emu_fault(emu: SlackEmulator, kind: str):
    emu.inject_fault("chat.postMessage", kind)
    return WebClient(base_url=emu.api_url, token=TOKEN).chat_postMessage


def test_fault_error_codes(emu: SlackEmulator, client: WebClient) -> None:
    emu.inject_fault("chat.postMessage", "channel_not_found", times=2)
    emu.inject_fault("*", "invalid_auth")
    assert (
        failure(client.chat_postMessage, channel="general", text="x").response["error"] == "channel_not_found"
    )
    assert (
        failure(client.chat_postMessage, channel="general", text="x").response["error"] == "channel_not_found"
    )
    assert failure(client.auth_test).response["error"] == "invalid_auth"
    emu.inject_fault("users.lookupByEmail", "account_inactive")
    assert (
        failure(client.users_lookupByEmail, email="ana@example.com").response["error"] == "account_inactive"
    )
    assert client.auth_test()["ok"] and emu.faults.pending() == []


def test_fault_timeout_and_disconnect(emu: SlackEmulator) -> None:
    impatient = WebClient(base_url=emu.api_url, token=TOKEN, timeout=0.2, retry_handlers=[])  # type: ignore[arg-type]
    emu.inject_fault("chat.postMessage", "timeout", hold=10)
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="general", text="lost")
    assert emu.messages("general") == []
    # processed=True: Slack posted it, but the answer never arrived (the bot must not post twice).
    emu.inject_fault("chat.postMessage", "timeout", hold=10, processed=True)
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="general", text="posted anyway")
    assert [m.text for m in emu.messages("general")] == ["posted anyway"]
    emu.inject_fault("chat.postMessage", "disconnect")
    with pytest.raises(OSError):
        impatient.chat_postMessage(channel="general", text="reset")
    assert [c.fault for c in emu.calls_to("chat.postMessage")] == ["timeout", "timeout", "disconnect"]
    assert all(c.response is None for c in emu.calls_to("chat.postMessage"))


def test_upload_fault(emu: SlackEmulator, client: WebClient) -> None:
    emu.inject_fault("upload", "server_error")
    with pytest.raises(urllib.error.HTTPError, match="500"):  # slack_sdk lets the upload's HTTPError through
        client.files_upload_v2(channel=emu.channel("general").id, content=b"png", filename="c.png")
    assert emu.messages("general") == []


def test_fault_late_answer_and_reset(emu: SlackEmulator) -> None:
    impatient = WebClient(base_url=emu.api_url, token=TOKEN, timeout=0.2, retry_handlers=[])  # type: ignore[arg-type]
    patient = WebClient(base_url=emu.api_url, token=TOKEN, timeout=5, retry_handlers=[])  # type: ignore[arg-type]
    emu.inject_fault("chat.postMessage", "late", hold=0.4, processed=True)
    with pytest.raises(TimeoutError):  # the answer comes after the client gave up; the post landed
        impatient.chat_postMessage(channel="general", text="landed")
    emu.inject_fault("chat.postMessage", "late", hold=0.3, processed=True)
    assert patient.chat_postMessage(channel="general", text="slow but fine")["ok"]  # a slow answer is fine
    emu.inject_fault("chat.postMessage", "reset", processed=True)
    with pytest.raises(OSError):
        impatient.chat_postMessage(channel="general", text="reset after landing")
    emu.inject_fault("chat.postMessage", "reset")
    with pytest.raises(OSError):
        impatient.chat_postMessage(channel="general", text="never landed")
    texts = [m.text for m in emu.messages("general")]
    assert sorted(texts) == ["landed", "reset after landing", "slow but fine"]


def test_history_shows_metadata_only_when_asked(emu: SlackEmulator, client: WebClient) -> None:
    meta = {"event_type": "kpibot_test", "event_payload": {"keys": ["a"]}}
    client.chat_postMessage(channel="general", text="tagged", metadata=meta)
    channel = emu.channel("general").id
    [plain] = client.conversations_history(channel=channel)["messages"]
    [full] = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    assert "metadata" not in plain and full["metadata"] == meta


def test_fault_storm_is_seeded_with_bursts_and_streaks(emu: SlackEmulator, client: WebClient) -> None:
    from slack_sandbox import FaultStorm

    def run(seed: int) -> list[str | None]:
        emu.clear_recordings()
        emu.start_fault_storm(
            FaultStorm(seed=seed, rate=0.5, methods=("chat.update",), kinds=("ratelimited", "server_error"))
        )
        for _ in range(40):
            with contextlib.suppress(SlackApiError):
                client.chat_update(channel="general", ts="1.0", text="x")
        emu.clear_faults()
        return [c.fault for c in emu.calls_to("chat.update")]

    first, again, other = run(3), run(3), run(4)
    assert first == again and first != other
    faults = [f for f in first if f]
    assert 10 <= len(faults) <= 38 and {"ratelimited", "server_error"} <= set(faults)
    runs = [len(list(g)) for f, g in itertools.groupby(first) if f]
    assert max(runs) >= 2  # bursts of 429 and streaks of 5xx
