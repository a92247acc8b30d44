"""Every page of every role in a real browser on a 390×844 phone (issue 18, items 9 and 10): no
content-security-policy violation, no console error, no failed request, and no page that scrolls sideways.

The pages are the project's URL patterns without parameters, taken from the resolver as the security
crawl does (tests/security/test_crawl.py), so a new page is walked without being listed here. A page a
role may not open answers 403 (or 404): that refusal is deliberate, but the refusal page itself is held
to the same rules. Downloads and the session-ending patterns are not walked (SKIPPED).
"""

import pytest
from django.urls import get_resolver

from conftest import STRONG_PASSWORD
from tests.browser.watch import login, module_browser, no_sideways_scroll, open_page  # noqa: F401
from tests.security.test_crawl import _patterns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SKIPPED = {
    "logout": "ends the session",
    "admin:logout": "ends the session",
    "set_language": "POST only; changes the session's language",
    "api-schema": "the OpenAPI document, a download",
}
DOWNLOAD_SUFFIXES = (".xlsx", ".docx", ".csv", ".ndjson")
REFUSED = (400, 403, 404, 405)  # a role asking for a page that is not for it


def _pages() -> list[str]:
    pages = []
    for route, name in _patterns(get_resolver()):
        if "<" in route or "(?" in route or name in SKIPPED or route.endswith(DOWNLOAD_SUFFIXES):
            continue
        pages.append("/" + route)
    return sorted(set(pages))


@pytest.fixture
def users(live_server, reference_data):
    from targets.services import staff_user_save

    for username, role, extra in [
        ("clerk_w", "clerk", {"township": "甘宁镇"}),
        ("bureau_w", "bureau", {}),
        ("reviewer_w", "reviewer", {}),
        ("industry_w", "industry", {"industries": ["制造业"]}),
    ]:
        staff_user_save(username=username, role=role, password=STRONG_PASSWORD, **extra)
    return live_server


@pytest.mark.parametrize("username", ["clerk_w", "bureau_w", "reviewer_w", "industry_w"])
def test_every_page_loads_cleanly_on_a_phone(users, module_browser, username):  # noqa: F811
    base = users.url
    pages = _pages()
    assert len(pages) > 60 and "/api/docs/" in pages and "/ledger/returns/board/" in pages
    context, page, watch = open_page(module_browser, "phone")
    login(page, base, username)
    overflowing, shown = [], 0
    for path in pages:
        for status in REFUSED:
            watch.expect(status, path)
        response = page.goto(base + path)
        # The API docs fetch the schema after load; leaving before it arrives would abort the request.
        page.wait_for_load_state("networkidle" if path.startswith("/api/") else "load")
        if response.status == 200 and response.headers.get("content-type", "").startswith("text/html"):
            shown += 1
            if page.evaluate("document.documentElement.scrollWidth") > page.viewport_size["width"] + 1:
                overflowing.append(path)
    assert shown > 10
    assert overflowing == [], f"pages wider than the phone: {overflowing}"
    watch.check()
    context.close()
