"""The whole demo in-process: emulator + real bot + background + page server, on a copy of the prepared
demo database (tests/stack_fixtures.py's session template), with time frozen at DEMO_NOW (no ticker)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from kpi_core.clock import ManualClock
from kpibot_demo import DemoApp, start_demo
from tests.conftest import DEMO_CONFIG
from tests.stack_fixtures import DEMO_NOW

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
DESKTOP = {"width": 1280, "height": 800}
Opener = Callable[..., Page]


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
        with urllib.request.urlopen(request, timeout=180) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (a failure in CI, where .ci/run installs it; a skip elsewhere)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI: .ci/run installs it (apt-get install chromium)")
        pytest.skip("no /usr/bin/chromium on this machine (apt-get install chromium)")
    expect.set_options(timeout=30_000)  # charts render on a busy 2-core machine
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=[*FLAGS, "--no-first-run"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser, demo: DemoApp) -> Iterator[Opener]:
    """Open the demo page as someone, in a channel, at a size and colour scheme; fails the test on any
    script error on a page it opened."""
    pages: list[tuple[Page, list[str]]] = []

    def opener(
        *,
        as_user: str = "dana",
        channel: str = "general",
        viewport: dict[str, int] | None = None,
        scheme: str = "light",
    ) -> Page:
        context = browser.new_context(
            viewport=viewport or DESKTOP,  # type: ignore[arg-type]
            color_scheme=scheme,  # type: ignore[arg-type]
            timezone_id="UTC",
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{demo.url}/?as={as_user}&channel={channel}")
        page.wait_for_selector("body[data-ready='1']")
        pages.append((page, errors))
        return page

    yield opener
    for page, errors in pages:
        assert errors == [], errors  # no script errors on the page
        page.context.close()
