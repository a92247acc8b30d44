"""A clerk registers a person and their new job in the browser (issue 3 "done when"): one form, the
township fixed for them, saved in one page load and one post; the list then shows the person with the ID
number masked. Screenshot of the entry form for the README: docs/screenshots/entry.png."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from conftest import STRONG_PASSWORD
from tests.browser.test_dashboard_browser import _login, _watch, browser  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ID_NUMBER = "500101199005010031"  # valid check character; a man born 1 May 1990


@pytest.fixture
def site(live_server, reference_data):
    from targets.services import staff_user_save

    staff_user_save(username="clerk_entry", role="clerk", township="甘宁镇", password=STRONG_PASSWORD)
    return live_server


def test_clerk_registers_a_person_and_a_job_in_one_form(site, browser):  # noqa: F811
    from workers.validators import id_number_check_char

    assert id_number_check_char(ID_NUMBER[:17]) == ID_NUMBER[17]
    base = site.url
    admin = f"{base}/{settings.ADMIN_URL.strip('/')}"
    failed, errors = [], []
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    _watch(page, failed, errors)
    _login(page, base, "clerk_entry")

    pages = []  # every page the browser loads (redirects included), as (method, path)

    def loaded(request):
        if request.resource_type == "document":
            pages.append((request.method, urlsplit(request.url).path))

    page.on("request", loaded)
    page.goto(f"{admin}/workers/worker/add/")
    # The township is fixed for a clerk: no choice to make, and no other township offered.
    assert (
        page.locator("select#id_township").count() == 0
        or page.locator("select#id_township option").count() <= 2
    )
    page.fill("#id_id_number", ID_NUMBER.replace("0", "０", 1))  # a full-width digit is normalised
    page.fill("#id_name", "谭明军")
    page.fill("#id_phone", "13812345678")
    page.fill("#id_village", "柳湾村")
    page.fill("#id_employments-0-new_employer_name", "重庆万州某某食品有限公司")
    page.select_option("#id_employments-0-industry", label="制造业")
    page.select_option("#id_employments-0-workplace", value="in_district")
    page.select_option("#id_employments-0-workplace_township", label="甘宁镇")
    page.select_option("#id_employments-0-form", value="单位就业")
    page.fill("#id_employments-0-start_date", "2026-03-02")
    page.fill("#id_employments-0-monthly_income", "3500")
    docs = Path(settings.BASE_DIR) / "docs" / "screenshots"
    docs.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(docs / "entry.png"), full_page=True)
    page.click("input[name=_save]")
    page.wait_for_load_state()

    body = page.content()
    assert "/workers/worker/" in page.url and "/add/" not in page.url, body[:2000]
    assert "谭明军" in body
    assert "500101********0031" in body and ID_NUMBER not in body  # the list masks the ID number
    # The whole entry is one form: its page, its post, and the list the post leads to - nothing else.
    add = f"/{settings.ADMIN_URL.strip('/')}/workers/worker/add/"
    assert pages == [("GET", add), ("POST", add), ("GET", add.removesuffix("add/"))], pages
    assert failed == [] and errors == [], (failed, errors)
