"""`/kpi` over Socket Mode, end to end: the real Bolt app behind slack_sdk's SocketModeHandler, connected to
the emulator's WebSocket link, and `kpibot serve` choosing its run mode from SLACK_APP_TOKEN."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kpi_core.clock import ManualClock
from kpibot_demo.stack import BOT_TOKEN, SIGNING_SECRET, SandboxStack
from slack_sandbox import SlackEmulator
from tests.bot.e2e.helpers import all_messages, ask, assert_valid_message, text_of
from tests.conftest import DEMO_CONFIG, REPO
from tests.stack_fixtures import CHANNELS, USERS


@pytest.fixture
def socket_stack(demo_db_url: str, clock: ManualClock) -> Iterator[SandboxStack]:
    with SandboxStack.start(
        config_dir=DEMO_CONFIG,
        database_url=demo_db_url,
        clock=clock,
        channels=CHANNELS,
        users=USERS,
        socket_mode=True,
    ) as running:
        yield running


def images_in(message: object) -> list[dict[str, object]]:
    return [b for b in getattr(message, "blocks", None) or [] if b["type"] == "image"]


def test_kpi_mrr_over_socket_mode_answers_through_response_url(socket_stack: SandboxStack) -> None:
    emulator = socket_stack.emulator
    assert socket_stack.server is None and not socket_stack.settings.slack_signing_secret
    [open_call] = emulator.calls_to("apps.connections.open")
    assert open_call.ok and open_call.response and open_call.response["url"].startswith("ws://127.0.0.1:")

    [answer] = ask(socket_stack, "mrr")

    [delivery] = emulator.deliveries
    assert (delivery.transport, delivery.kind, delivery.status) == ("socket", "slash_command", 200)
    envelope = json.loads(delivery.body)
    assert envelope["type"] == "slash_commands" and envelope["accepts_response_payload"] is True
    assert delivery.ack is not None and delivery.ack["envelope_id"] == delivery.envelope_id
    assert answer.via == "response_url"  # acked first, answered later through the response_url
    assert_valid_message(answer)
    assert answer.blocks[0]["text"]["text"].startswith("Monthly Recurring Revenue · $")
    [image] = images_in(answer)
    file = emulator.file(str(image["slack_file"]["id"]))  # type: ignore[index]
    assert file.content is not None and file.content.startswith(b"\x89PNG")


def test_share_in_channel_over_socket_mode_posts_the_card(socket_stack: SandboxStack) -> None:
    emulator = socket_stack.emulator
    [answer] = ask(socket_stack, "churn", channel="kpi-alerts")
    share = next(
        e for b in answer.blocks if b["type"] == "actions" for e in b["elements"] if "share" in e["action_id"]
    )
    channel = socket_stack.channel("kpi-alerts")
    click = emulator.click(
        user=socket_stack.user("dana"),
        channel=channel,
        ts=answer.ts,
        action_id=share["action_id"],
        value=share["value"],
    )
    assert (click.transport, click.status) == ("socket", 200)
    assert json.loads(click.body)["type"] == "interactive"

    card = emulator.wait_for(
        lambda: next((m for m in emulator.messages(channel) if images_in(m)), None), timeout=20
    )
    assert "Churn" in text_of(card) and "Shared by" in text_of(card)
    assert emulator.file(str(images_in(card)[0]["slack_file"]["id"])).is_shared_in(channel)  # type: ignore[index]
    for message in all_messages(emulator):
        assert_valid_message(message)


# ---------------------------------------------------------------------- `kpibot serve`
def serve_env(emulator: SlackEmulator, database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KPIBOT_", "PORT"))}
    env.update(
        PYTHONPATH=str(REPO),
        PYTHONUNBUFFERED="1",
        SLACK_API_URL=emulator.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        DATABASE_URL=database_url,
        KPIBOT_CONFIG=str(DEMO_CONFIG),
        KPIBOT_WAREHOUSE_URL=os.environ["KPIBOT_WAREHOUSE_URL"],  # set by the demo_template fixture
        **settings,
    )
    return env


@contextmanager
def serving(
    env: dict[str, str], folder: Path, *args: str
) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str]]]:
    """`kpibot serve --no-scheduler` in a subprocess (cwd `folder`, so no stray .env); its stdout lines go
    into the queue. Stopped with SIGINT (Ctrl-C) if the test did not stop it."""
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--no-scheduler", *args],
        env=env,
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=20)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_with_an_app_token_takes_the_socket_mode_path(demo_db_url: str, tmp_path: Path) -> None:
    emulator = SlackEmulator.with_workspace(channels=CHANNELS, users=USERS, app_token="xapp-1-serve-test")
    env = serve_env(emulator.start(), demo_db_url, SLACK_APP_TOKEN="xapp-1-serve-test")
    try:
        with serving(env, tmp_path) as (process, lines):
            [link] = emulator.wait_for(emulator.socket_links, timeout=60)  # imports take a while
            [call] = emulator.calls_to("apps.connections.open")
            assert call.ok
            assert lines.get(timeout=5) == "kpibot: Socket Mode (SLACK_APP_TOKEN is set)"

            dana, general = emulator.user("dana").id, emulator.channel("general").id
            delivery = emulator.send_slash_command("mrr", user=dana, channel=general)
            assert (delivery.transport, delivery.status) == ("socket", 200)
            answer = emulator.wait_for(lambda: emulator.ephemerals(dana), timeout=30)[0]
            assert answer.blocks[0]["text"]["text"].startswith("Monthly Recurring Revenue")

            stop(process)
            emulator.wait_for(lambda: not link.open, timeout=10)  # the process let go of its link
    finally:
        emulator.stop()


def test_serve_without_an_app_token_serves_http_on_port(demo_db_url: str, tmp_path: Path) -> None:
    port = free_port()
    emulator = SlackEmulator.with_workspace(channels=CHANNELS, users=USERS, signing_secret=SIGNING_SECRET)
    env = serve_env(emulator.start(), demo_db_url, SLACK_SIGNING_SECRET=SIGNING_SECRET, PORT=str(port))
    try:
        with serving(env, tmp_path, "--host", "127.0.0.1") as (process, lines):
            url = f"http://127.0.0.1:{port}"
            assert lines.get(timeout=60) == f"kpibot: HTTP on {url}/slack/events (health: {url}/healthz)"
            with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:
                assert json.loads(response.read())["ok"] is True

            emulator.request_url = f"{url}/slack/events"
            dana, general = emulator.user("dana").id, emulator.channel("general").id
            delivery = emulator.send_slash_command("help", user=dana, channel=general)
            assert (delivery.transport, delivery.status) == ("http", 200)
            assert "/kpi list" in text_of(emulator.wait_for(lambda: emulator.ephemerals(dana), timeout=30)[0])
            stop(process)
        assert not emulator.calls_to("apps.connections.open")
    finally:
        emulator.stop()
