"""The whole demo in-process: emulator + real bot + background + page server, on a copy of the prepared
demo database (tests/bot/conftest.py's session template), with time frozen at DEMO_NOW (no ticker)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from bot.demo import DemoApp, start_demo
from kpi_core.clock import ManualClock
from tests.bot.conftest import DEMO_NOW
from tests.conftest import DEMO_CONFIG


@pytest.fixture
def demo(demo_db_url: str) -> Iterator[DemoApp]:
    with start_demo(
        config_dir=DEMO_CONFIG,
        database_url=demo_db_url,
        port=0,
        clock=ManualClock(DEMO_NOW),
        prepare=False,
        tick_interval=None,
    ) as app:
        yield app


def call(
    app: DemoApp, path: str, body: Any = None, *, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """GET (no body) or POST JSON to the page server; returns (status, parsed JSON)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        app.url + path,
        data=data,
        headers={"Content-Type": "application/json", **(headers or {})},
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
