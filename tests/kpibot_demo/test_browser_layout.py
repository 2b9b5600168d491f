"""The demo page on a phone and on a desktop, in light and dark mode (Playwright driving Debian's Chromium).

KPIBOT_SCREENSHOTS=docs/screenshots python -m pytest tests/kpibot_demo/test_browser_layout.py -m browser
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kpibot_demo import DemoApp
from tests.kpibot_demo.conftest import Opener
from tests.kpibot_demo.test_browser import SHOTS, card, expect_image_loaded, send

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1366, "height": 900}
SCREENS = [
    pytest.param(PHONE, "light", id="phone-light"),
    pytest.param(PHONE, "dark", id="phone-dark"),
    pytest.param(DESKTOP, "light", id="desktop-light"),
    pytest.param(DESKTOP, "dark", id="desktop-dark"),
]

# Every point of the top bar (a grid, 8 px apart) must show the top bar itself, not something on top of it;
# and no two of its controls may overlap.
TOP_BAR_CHECK = """() => {
  const bar = document.querySelector('.topbar');
  const box = bar.getBoundingClientRect();
  const covered = [];
  for (let y = box.top + 2; y < box.bottom - 1; y += 8) {
    for (let x = box.left + 2; x < box.right - 1; x += 8) {
      const hit = document.elementFromPoint(x, y);
      const what = hit && (hit.className || hit.tagName);
      if (hit && !bar.contains(hit)) covered.push(`${Math.round(x)},${Math.round(y)}: ${what}`);
    }
  }
  const rects = Array.from(bar.querySelectorAll('.brand, #drawer-toggle, #clock, .actas, .tour button'))
    .map((el) => [el.id || el.className || el.textContent, el.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0 && r.height > 0);
  const overlaps = [];
  for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
    const [a, ra] = rects[i], [b, rb] = rects[j];
    if (ra.left < rb.right - 1 && rb.left < ra.right - 1 && ra.top < rb.bottom - 1 && rb.top < ra.bottom - 1)
      overlaps.push(`${a} / ${b}`);
  }
  return {covered: covered.slice(0, 5), overlaps, wide: document.documentElement.scrollWidth - innerWidth,
          barBottom: box.bottom, layoutTop: document.querySelector('.layout').getBoundingClientRect().top};
}"""


@pytest.fixture
def open_screen(open_page: Opener) -> Opener:
    """`open_screen(PHONE, "dark")`: the page at a screen size and colour scheme."""

    def opener(viewport: dict[str, int], scheme: str, *, channel: str = "general") -> Page:
        return open_page(viewport=viewport, scheme=scheme, channel=channel)

    return opener


def assert_top_bar_clear(page: Page) -> None:
    found = page.evaluate(TOP_BAR_CHECK)
    assert found["covered"] == [], found
    assert found["overlaps"] == [], found
    assert found["wide"] <= 0, f"the page is {found['wide']} px wider than the screen"
    assert found["layoutTop"] >= found["barBottom"] - 0.5, found


def shoot(page: Page, name: str) -> None:
    if not SHOTS:
        return
    page.evaluate(
        "document.querySelector('#toast').className = '';"
        "document.querySelectorAll('.updated').forEach(el => el.classList.remove('updated'))"
    )
    page.wait_for_timeout(300)
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


@pytest.mark.parametrize(("viewport", "scheme"), SCREENS)
def test_kpi_chart_fills_the_screen_and_nothing_covers_the_top_bar(
    open_screen: Opener, viewport: dict[str, int], scheme: str
) -> None:
    page = open_screen(viewport, scheme)
    assert_top_bar_clear(page)
    send(page, "/kpi mrr")
    answer = card(page, "Monthly Recurring Revenue", ephemeral=True)
    chart = answer.locator("img.b-image")
    expect_image_loaded(chart)
    chart.scroll_into_view_if_needed()
    width = chart.evaluate("img => img.getBoundingClientRect().width")
    assert width >= 300, f"the chart is {width} px wide"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(26, 29, 33)" if scheme == "dark" else "rgb(255, 255, 255)")
    assert_top_bar_clear(page)
    shoot(page, f"kpi-mrr-{'phone' if viewport is PHONE else 'desktop'}-{scheme}")


def test_phone_channel_drawer(open_screen: Opener) -> None:
    page = open_screen(PHONE, "light")
    sidebar = page.locator("#sidebar")
    assert sidebar.evaluate("el => el.getBoundingClientRect().right") <= 0  # off screen
    page.click("#drawer-toggle")
    expect(page.locator("#drawer-toggle")).to_have_attribute("aria-expanded", "true")
    page.wait_for_function("document.querySelector('#sidebar').getBoundingClientRect().left >= 0")
    shoot(page, "drawer-phone-light")
    page.locator("#channels [data-channel]", has_text="kpi-daily").click()
    expect(page.locator("#conv-title")).to_have_text("# kpi-daily")
    page.wait_for_function("document.querySelector('#sidebar').getBoundingClientRect().right <= 0")
    assert_top_bar_clear(page)


def test_phone_advance_shows_what_happened(open_screen: Opener) -> None:
    page = open_screen(PHONE, "dark")
    page.click("[data-advance='1']")
    report = page.locator("#report")
    expect(report).to_be_visible()
    expect(page.locator("#report-title")).to_have_text("Clock advanced by 1 hour: what happened")
    expect(report.locator("li").first).to_be_visible()
    assert_top_bar_clear(page)
    page.click("#report-close")
    expect(report).to_be_hidden()


def record_churn(page: Page, value: str) -> None:
    page.click("#record-open")
    page.select_option("#record-kpi", "monthly_churn_rate")
    page.fill("#record-value", value)
    page.click("#record-form button[type=submit]")
    expect(page.locator("#toast")).to_contain_text("Recorded Monthly Churn Rate")


@pytest.mark.parametrize(("viewport", "scheme"), [SCREENS[1], SCREENS[2]])
def test_home_tab_shows_the_owners_kpis_and_acknowledges_an_alert(
    open_screen: Opener, demo: DemoApp, viewport: dict[str, int], scheme: str
) -> None:
    page = open_screen(viewport, scheme)
    record_churn(page, "9%")
    page.select_option("#actas", demo.stack.user("head-of-cs"))
    if viewport is PHONE:
        page.click("#drawer-toggle")
    page.click("[data-home]")
    if viewport is PHONE:  # choosing Home closes the drawer (it slides out)
        page.wait_for_function("document.querySelector('#sidebar').getBoundingClientRect().right <= 0")
    home = page.locator("[data-home-view]")
    expect(home.locator(".b-header").first).to_have_text("Your kpibot")
    expect(home).to_contain_text("Your KPIs")
    expect(home).to_contain_text("Monthly Churn Rate")
    alert = home.locator(".b-section", has_text="Churn Rate Spike")
    expect(alert).to_be_visible()
    assert_top_bar_clear(page)
    shoot(page, f"home-{'phone' if viewport is PHONE else 'desktop'}-{scheme}")
    home.locator("button.btn[data-action-id^='kpibot:alert_ack']").first.click()
    expect(home).to_contain_text("Acknowledged by")


def test_home_tab_for_someone_who_owns_nothing(open_screen: Opener) -> None:
    page = open_screen(DESKTOP, "light")
    page.click("[data-home]")
    expect(page.locator("[data-home-view]")).to_contain_text("You own no KPIs")
    expect(page.locator(".composer-wrap")).to_be_hidden()
