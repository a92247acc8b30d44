"""A clerk's quarterly return in the browser (issue 4 "done when").

A messy return (two title rows above the header, one merged across it; a wrong check digit; a start date
in the future) is refused with every problem listed by row and column and nothing written; the corrected
file is previewed, confirmed and imported; the township dashboard then counts its people once, and
uploading the same file again is told it is the batch already imported and leaves the count where it was. Screenshot of the
refused upload for the README: docs/screenshots/return.png.
"""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from conftest import STRONG_PASSWORD
from tests.browser.test_dashboard_browser import _login, _watch, browser  # noqa: F401 - fixture
from workers.resources import H_ID, H_START
from workers.tests.test_returns import id_for, person, write_return

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GANNING = "500101139"  # 甘宁镇


@pytest.fixture
def site(live_server, reference_data, tmp_path, settings):
    """The clerk and both files. All database work happens here, before Playwright starts (its sync API
    runs an event loop in the test's thread, where Django refuses synchronous queries)."""
    from targets.services import staff_user_save

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    staff_user_save(username="clerk_return", role="clerk", township="甘宁镇", password=STRONG_PASSWORD)
    good_rows = [person(1), person(2), person(3, **{H_START: "2025-02-20"})]
    wrong_digit = id_for(2)[:17] + ("1" if id_for(2)[17] != "1" else "2")
    bad_rows = [person(1), person(2, **{H_ID: wrong_digit}), person(3, **{H_START: "2099-01-01"})]
    bad = write_return(tmp_path / "甘宁镇2025年第1季度.xlsx", bad_rows, title_rows=2, merge_title=True)
    good = write_return(tmp_path / "甘宁镇2025年第1季度（修改）.xlsx", good_rows, title_rows=2)
    return SimpleNamespace(url=live_server.url, bad=bad, good=good, wrong_digit=wrong_digit)


def _upload(page, base: str, path: Path) -> None:
    page.goto(f"{base}/ledger/returns/upload/")
    assert page.locator("#id_township").count() == 0  # a clerk reports for their own township only
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_year", "2025")
    page.select_option("#id_quarter", "1")
    page.click("form[enctype='multipart/form-data'] button[type=submit]")  # not the header's logout
    page.wait_for_load_state()


def _confirm(page) -> None:
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#status-text").inner_text() == "已导入"


def _township_count(page, base: str) -> str:
    page.goto(f"{base}/targets/dashboard/township/{GANNING}/?year=2025")
    return page.locator(".kpis .kpi").first.locator("a.count").inner_text().strip()


def test_clerk_fixes_a_refused_return_and_the_dashboard_counts_it_once(site, browser):  # noqa: F811
    base = site.url
    failed, errors = [], []
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    _watch(page, failed, errors)
    _login(page, base, "clerk_return")

    # 1. The messy file: refused, every problem listed with its row (the header is row 3) and column.
    _upload(page, base, site.bad)
    assert page.locator("#status-text").inner_text() == "有错误，未导入"
    assert "没有写入任何数据" in page.content()
    rows = page.locator("table.data tbody tr")
    listed = {
        (rows.nth(i).locator("td").nth(0).inner_text(), rows.nth(i).locator("td").nth(1).inner_text())
        for i in range(rows.count())
    }
    assert ("5", H_ID) in listed and ("6", H_START) in listed, listed
    assert site.wrong_digit in page.locator("table.data").inner_text()  # the value as written, to find it
    assert page.locator("form[action$='/confirm/']").count() == 0  # nothing to confirm
    docs = Path(settings.BASE_DIR) / "docs" / "screenshots"
    docs.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(docs / "return.png"), full_page=True)
    assert _township_count(page, base) == "0"

    # 2. The corrected file: previewed (nothing written yet), confirmed, counted.
    _upload(page, base, site.good)
    assert page.locator("#status-text").inner_text() == "校验通过，待确认"
    assert "新增 3，未变化 0" in page.content()
    assert _township_count(page, base) == "0"  # a preview writes nothing
    page.go_back()
    page.wait_for_load_state()
    _confirm(page)
    assert _township_count(page, base) == "3"

    # 3. The same file again: told it is the batch just imported (issue 17), no second batch, no new count.
    _upload(page, base, site.good)
    assert "是同一个文件，没有重复导入" in page.locator("#same-file").inner_text()
    page.click("#same-file a")
    page.wait_for_load_state()
    assert page.locator("#status-text").inner_text() == "已导入"
    assert _township_count(page, base) == "3"
    assert failed == [] and errors == [], (failed, errors)
