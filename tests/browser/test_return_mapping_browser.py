"""Issue 17, done when: a clerk downloads the template, fills rows, uploads, sees the row preview, confirms;
uploads a file with other headers, maps the columns, confirms; uploads the same file again and is told it
is the same file. Screenshots of the preview and the mapping page: docs/screenshots/return_preview.png and
docs/screenshots/return_mapping.png."""

from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from django.conf import settings

from conftest import STRONG_PASSWORD
from tests.browser.test_dashboard_browser import _login, _watch, browser  # noqa: F401 - fixture
from workers.resources import ALL_HEADERS, H_ID, H_TOWNSHIP
from workers.tests.test_return_preview import OFFICE, OFFICE_HEADERS
from workers.tests.test_returns import id_for, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, reference_data, tmp_path, settings):
    """The clerk and the office's own file; all database work before Playwright starts."""
    from targets.services import staff_user_save

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    staff_user_save(username="clerk_map", role="clerk", township="甘宁镇", password=STRONG_PASSWORD)
    workbook = openpyxl.Workbook()
    workbook.active.append([*OFFICE.values(), "备注"])
    for n in (11, 12, 13):
        workbook.active.append([person(n).get(h, "") for h in OFFICE_HEADERS] + ["已核实"])
    office = tmp_path / "甘宁镇花名册.xlsx"
    workbook.save(office)
    return SimpleNamespace(url=live_server.url, office=office, tmp=tmp_path)


def _upload(page, base: str, path: Path) -> None:
    page.goto(f"{base}/ledger/returns/upload/")
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_year", "2025")
    page.select_option("#id_quarter", "1")
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_load_state()


def _confirm(page) -> None:
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#status-text").inner_text() == "已导入"


def test_template_preview_mapping_and_the_same_file_again(site, browser):  # noqa: F811
    base = site.url
    docs = Path(settings.BASE_DIR) / "docs" / "screenshots"
    docs.mkdir(parents=True, exist_ok=True)
    failed, errors = [], []
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    _watch(page, failed, errors)
    _login(page, base, "clerk_map")

    # 1. The template, downloaded from the upload page and filled in three rows (the rest left as delivered).
    page.goto(f"{base}/ledger/returns/upload/")
    with page.expect_download() as download:
        page.click("a[href$='/returns/template.xlsx']")
    template = openpyxl.load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    sheet = template["季度报表"]
    assert sheet.cell(row=5001, column=ALL_HEADERS.index(H_TOWNSHIP) + 1).value == "甘宁镇"  # pre-filled
    for offset, n in enumerate((1, 2, 3)):
        for column, header in enumerate(ALL_HEADERS, start=1):
            sheet.cell(row=2 + offset, column=column, value=person(n).get(header, ""))
    filled = site.tmp / "季度报表模板-甘宁镇（已填）.xlsx"
    template.save(filled)

    # 2. Uploaded: the preview lists the rows as they will be written, IDs masked; confirmed.
    _upload(page, base, filled)
    assert page.locator("#status-text").inner_text() == "校验通过，待确认"
    preview = page.locator("#preview table tbody tr")
    assert preview.count() == 3
    first = preview.nth(0).inner_text()
    assert id_for(1)[:6] + "********" + id_for(1)[-4:] in first and "新增" in first and "甘宁镇" in first
    assert id_for(1) not in page.content()
    page.screenshot(path=str(docs / "return_preview.png"), full_page=True)
    _confirm(page)

    # 3. A file with the office's own headers: the mapping page, pre-selected; the clerk confirms it.
    _upload(page, base, site.office)
    assert "/columns/" in page.url
    assert page.locator("#col_1").input_value() == H_ID  # 身份证 → 公民身份号码, guessed
    assert page.locator("#col_8").input_value() == ""  # 备注: not read
    page.screenshot(path=str(docs / "return_mapping.png"), full_page=True)
    page.click("#confirm-columns")
    page.wait_for_load_state()
    assert page.locator("#status-text").inner_text() == "校验通过，待确认"
    assert page.locator("#preview table tbody tr").count() == 3
    assert "已按确认的列对应读取" in page.content()
    _confirm(page)

    # 4. The same file again: told it is the batch just imported, with a link to it; nothing else.
    _upload(page, base, site.office)
    same = page.locator("#same-file")
    assert "是同一个文件，没有重复导入" in same.inner_text()
    same.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("#status-text").inner_text() == "已导入"
    assert failed == [] and errors == [], (failed, errors)
