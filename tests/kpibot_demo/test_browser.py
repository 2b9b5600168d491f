"""The demo page in a real browser (Playwright driving Debian's Chromium), against the real bot.

Set KPIBOT_SCREENSHOTS=docs/screenshots to also write the README's screenshots from these states:
    KPIBOT_SCREENSHOTS=docs/screenshots python -m pytest tests/kpibot_demo/test_browser.py -m browser
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from kpibot_demo import DemoApp
from tests.kpibot_demo.conftest import Opener

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("KPIBOT_SCREENSHOTS")


def send(page: Page, text: str) -> None:
    page.fill("#composer-input", text)
    page.press("#composer-input", "Enter")


def expect_image_loaded(image: Locator) -> None:
    expect(image).to_be_visible()
    image.evaluate(
        "img => img.complete && img.naturalWidth > 0 || new Promise((ok, fail) => {"
        " img.addEventListener('load', () => ok(true)); img.addEventListener('error', fail); })"
    )
    assert image.evaluate("img => img.naturalWidth") > 0


def card(page: Page, title: str, *, ephemeral: bool | None = None) -> Locator:
    """The message in the conversation (not the thread pane) whose header contains `title`."""
    kind = ".msg" + {True: ".ephemeral", False: ":not(.ephemeral)", None: ""}[ephemeral]
    return page.locator("#messages").locator(kind, has=page.locator(".b-header", has_text=title))


def screenshot(page: Page, name: str, *, top: Locator | None = None, height: int = 800) -> None:
    """Write docs/screenshots/<name>.png when KPIBOT_SCREENSHOTS is set (a still page, no hover)."""
    if not SHOTS:
        return
    page.set_viewport_size({"width": 1280, "height": height})
    page.mouse.move(1270, height - 10)
    page.evaluate(
        "document.querySelector('#toast').className = '';"
        "document.querySelectorAll('.updated').forEach(el => el.classList.remove('updated'))"
    )
    if top is not None:
        top.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.evaluate("document.querySelector('#messages').scrollTop -= 36")
    page.wait_for_timeout(300)
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))
    page.set_viewport_size({"width": 1280, "height": 800})


def test_kpi_card_with_its_chart(open_page: Opener) -> None:
    page = open_page()
    send(page, "/kpi mrr")
    answer = card(page, "Monthly Recurring Revenue", ephemeral=True)
    expect(answer.locator(".eph-note")).to_have_text("Only visible to you")
    expect(answer.locator(".b-field").first).to_contain_text("Change")
    expect_image_loaded(answer.locator("img.b-image"))
    expect(answer.locator("button.btn", has_text="Share in channel")).to_be_visible()
    expect(page.locator("#composer-input")).to_have_value("")
    screenshot(page, "kpi-mrr")


def test_share_in_channel_as_a_non_owner(open_page: Opener, demo: DemoApp) -> None:
    page = open_page(as_user="cfo")
    page.select_option("#actas", demo.stack.user("dana"))
    expect(page.locator("#toast")).to_contain_text("You are now Dana (analyst)")
    send(page, "/kpi churn")
    answer = card(page, "Monthly Churn Rate", ephemeral=True)
    answer.locator("button.btn", has_text="Share in channel").click()
    shared = card(page, "Monthly Churn Rate", ephemeral=False)
    expect(shared.locator(".b-context")).to_contain_text("Shared by @Dana (analyst)")
    expect(answer).to_have_count(0)  # the private answer is replaced by the shared card
    expect_image_loaded(shared.locator("img.b-image"))
    page.select_option("#actas", demo.stack.user("cfo"))
    expect(card(page, "Monthly Churn Rate", ephemeral=False)).to_be_visible()  # everyone sees it


def test_daily_digest_with_its_chart(open_page: Opener) -> None:
    page = open_page(channel="kpi-daily")
    expect(page.locator("#conv-about")).to_contain_text("weekdays at 09:00")
    page.click("[data-digest=daily]")
    digest = card(page, "Daily metrics", ephemeral=False)
    expect(digest).to_be_visible()
    expect_image_loaded(digest.locator("img.b-image").first)
    expect(page.locator("#toast")).to_contain_text("The daily digest: posted")
    screenshot(page, "daily-digest", top=digest, height=940)
    digest.locator(".reply-link").click()  # the chart's file sits in the thread
    expect(page.locator("#thread .msg").first).to_contain_text("Daily metrics")


def test_critical_alert_acknowledged_by_its_owner(open_page: Opener, demo: DemoApp) -> None:
    page = open_page(channel="exec-alerts")  # as Dana, who owns nothing and is in no alert channel
    # what the demo's ticker does at start: the planted incidents (complete months) fire first, together
    demo.controller.tick()
    expect(page.locator("#messages .msg", has_text="alerts at once")).to_be_visible()
    page.click("#record-open")
    page.select_option("#record-kpi", "monthly_churn_rate")
    page.fill("#record-value", "9%")
    page.click("#record-form button[type=submit]")
    expect(page.locator("#toast")).to_contain_text("Recorded Monthly Churn Rate = 9%")
    alert = card(page, "Churn Rate Spike", ephemeral=False)
    acknowledge = alert.locator("button.btn", has_text="Acknowledge")
    expect(acknowledge).to_be_visible()
    expect(alert).to_contain_text("9%")
    # Dana may not act: she is told why, and nothing changes
    acknowledge.click()
    expect(page.locator(".msg.ephemeral", has_text="Nothing was changed")).to_be_visible()
    expect(alert).not_to_contain_text("Acknowledged by")
    # the owner (head of customer success) acknowledges: the channel copy and the owner's DM both update
    page.select_option("#actas", demo.stack.user("head-of-cs"))
    expect(page.locator(".msg.ephemeral")).to_have_count(0)  # Dana's notice was only for Dana
    acknowledge.click()
    expect(alert).to_contain_text("Acknowledged by Head of CS")
    expect(alert.locator(".edited")).to_be_visible()
    screenshot(page, "alert-acknowledged", top=alert)
    alert.locator(".reply-link").click()  # the incident's timeline is its thread
    expect(page.locator("#thread .msg").last).to_contain_text("Head of CS")
    page.locator("#dms [data-channel]").click()
    expect(page.locator("#conv-title")).to_have_text("kpibot")
    expect(card(page, "Churn Rate Spike")).to_contain_text("Acknowledged by Head of CS")
