"""Debian's chromium logs in, opens each dashboard, waits for every chart, and sees no error.

A PNG per dashboard is saved to MILLRACE_TEST_OUT/screenshots (target/analytics-it/screenshots).
Playwright drives the system chromium (MILLRACE_CHROMIUM); it never downloads a browser.
"""

import os

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

CHART_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def page(superset, out):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ["MILLRACE_CHROMIUM"], headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1600, "height": 1000}, timezone_id="UTC")
        page = context.new_page()
        log_in(page, superset, out)
        yield page
        context.close()
        browser.close()


def log_in(page, superset, out) -> None:
    """The login form, as a person uses it. On a loaded machine the page may still be wiring up its
    form when it first shows it, so a login that does not leave /login/ is tried again."""
    for attempt in range(3):
        page.goto(f"{superset.url}/login/")
        user = page.locator("input[name=username], #username").first
        user.wait_for(state="visible", timeout=120_000)
        user.fill("admin")
        page.locator("input[name=password], #password").first.fill(superset.password)
        page.locator("button[type=submit], [data-test=login-button]").first.click()
        try:
            page.wait_for_url(lambda url: "/login" not in url, wait_until="commit", timeout=60_000)
            return
        except PlaywrightTimeout:
            page.screenshot(path=str(out / f"login-attempt-{attempt + 1}.png"))
    raise AssertionError(f"still on the login page after 3 attempts; see {out}/login-attempt-*.png")


def dashboards(assets):
    return [(d["dashboard_title"], d["slug"], sum(1 for v in d["position"].values()
                                                  if isinstance(v, dict) and v.get("type") == "CHART"))
            for d in assets["dashboards"]]


def test_every_dashboard_renders_every_chart_without_an_error(page, superset, assets, out):
    shots = out / "screenshots"
    shots.mkdir(exist_ok=True)
    for title, slug, chart_count in dashboards(assets):
        page.goto(f"{superset.url}/superset/dashboard/{slug}/?standalone=0")
        holders = page.locator("[data-test=dashboard-component-chart-holder]")
        expect(holders).to_have_count(chart_count, timeout=CHART_TIMEOUT_MS)
        # Each chart holder shows a spinner until its query has answered and the chart has drawn.
        expect(page.locator("[data-test=dashboard-component-chart-holder] [data-test=loading-indicator]")) \
            .to_have_count(0, timeout=CHART_TIMEOUT_MS)
        for i in range(chart_count):
            holder = holders.nth(i)
            expect(holder.locator("svg, canvas, table, .header-line, .big-number, [data-test=chart-container] *").first) \
                .to_be_visible(timeout=CHART_TIMEOUT_MS)
        errors = page.locator("[data-test=dashboard-component-chart-holder] :is(.alert-danger, "
                              ".ant-alert-error, [role=alert])")
        # Off the charts (no hover tooltip), and past ECharts' entry animation, for the picture.
        page.mouse.move(0, 0)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shots / f"{slug}.png"), full_page=True)
        assert errors.count() == 0, f"{title}: " + " | ".join(errors.all_inner_texts())
