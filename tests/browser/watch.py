"""What the journeys and the page walk hold every page to (issue 18, item 10 and "done when"): no console
error, no content-security-policy violation, no failed request and no response of 400 or more unless the
test expects it. One browser per module; the database is reachable from the test's thread while
Playwright's event loop runs there (DJANGO_ALLOW_ASYNC_UNSAFE, tests only)."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from conftest import STRONG_PASSWORD
from tests.browser.test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"

# A violation is reported to the test through a binding, whatever page the browser is on.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolation(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " on " + e.documentURI);
});
"""


@pytest.fixture(scope="module")
def module_browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} 不存在：apt-get install -y chromium fonts-noto-cjk"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Watcher:
    """Everything that went wrong on a page, as readable lines; `expect(status, path)` allows one."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        self.expected: set[tuple[int, str]] = set()
        self.ignored_failures: set[str] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.expose_function("__cspViolation", lambda text: self.problems.append(f"CSP: {text}"))
        page.add_init_script(_CSP_LISTENER)

    def _console(self, message):
        if message.type == "error" and not self._is_expected_status(message.text):
            self.problems.append(f"console error: {message.text} ({self.page.url})")

    def _is_expected_status(self, text: str) -> bool:
        # Chromium logs every response of 400 or more as a console error; allowed ones are allowed there too.
        return any(f"status of {status}" in text for status, _path in self.expected)

    def _failed(self, request):
        if urlsplit(request.url).path not in self.ignored_failures:
            self.problems.append(f"request failed: {request.url} {request.failure}")

    def _response(self, response):
        path = urlsplit(response.url).path
        if response.status >= 400 and (response.status, path) not in self.expected:
            self.problems.append(f"{response.status} {response.url}")

    def expect(self, status: int, path: str) -> None:
        self.expected.add((status, path))

    def check(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


def open_page(browser, viewport: str):
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
    page = context.new_page()
    return context, page, Watcher(page)


def login(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", STRONG_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def shot(page, name: str) -> None:
    """A screenshot of what the user sees (the viewport), for docs/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def no_sideways_scroll(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, page.url


def nav_click(page, label: str) -> None:
    """Follow a link of the main navigation, through the menu button on a phone."""
    toggle = page.locator("[data-menu-toggle]")
    if toggle.is_visible():
        assert page.locator("#site-menu").is_hidden()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
    link = page.locator("nav.mainnav a", has_text=label).first
    link.click()
    page.wait_for_load_state()
