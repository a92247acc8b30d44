"""The working day of each role in a real browser (issue 18, "done when"), at 1366×768 and on a 390×844
phone: every page loads with no console error, no content-security-policy violation and no failed request
(tests/browser/watch.py), the page never scrolls sideways on the phone, and each step is photographed into
docs/screenshots/journey-<role>-<viewport>-<n>-<step>.png.

- clerk: workbench → 登记人员与就业 (the person form) → saved person with a job → upload a return →
  confirm it → imported;
- bureau: workbench → dashboard → one township → the monthly briefing (a download) → the returns board;
- reviewer: workbench → review queue → one application;
- industry department: workbench → its industry's page.
"""

from datetime import date
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import pytest

from conftest import STRONG_PASSWORD
from tests.browser.watch import login, module_browser, nav_click, no_sideways_scroll, open_page, shot  # noqa: F401
from workers.tests.test_returns import person, write_return

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = ["desktop", "phone"]
ID_NUMBER = "500101199005010031"  # valid check character
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def site(live_server, reference_data, tmp_path, settings):
    from subsidies import services as subsidy_services
    from subsidies.models import ApplicantType, SubsidyKind
    from subsidies.services import attachments
    from subsidies.tests.conftest import make_credit_code
    from targets.models import Township
    from targets.services import staff_user_save
    from workers.models import EmploymentForm
    from workers.tests.factories import EmployerFactory, EmploymentFactory, HouseholdFactory, WorkerFactory

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SUBSIDY_ATTACHMENT_ROOT = tmp_path / "attachments"
    users = {}
    for username, role, extra in [
        ("clerk_j", "clerk", {"township": "甘宁镇"}),
        ("clerk_j2", "clerk", {"township": "甘宁镇"}),
        ("bureau_j", "bureau", {}),
        ("reviewer_j", "reviewer", {}),
        ("industry_j", "industry", {"industries": ["制造业"]}),
    ]:
        users[username] = staff_user_save(username=username, role=role, password=STRONG_PASSWORD, **extra)

    # An application waiting for the district review: entered and submitted by one clerk of 甘宁镇,
    # approved by the other.
    ganning = Township.objects.get(name="甘宁镇")
    worker = WorkerFactory(name="冉建国", township=ganning, household=HouseholdFactory(township=ganning))
    job = EmploymentFactory(
        worker=worker,
        employer=EmployerFactory(name="万州建国农业专业合作社", credit_code=make_credit_code()),
        form=EmploymentForm.SELF_EMPLOYED,
        start_date=date(2025, 3, 1),
    )
    application = subsidy_services.application_create(
        acting_user=users["clerk_j"],
        data=subsidy_services.ApplicationData(
            kind=SubsidyKind.objects.get(code="startup"),
            year=2025,
            applicant_type=ApplicantType.WORKER,
            worker=worker,
            employment=job,
            amount_requested=Decimal(5000),
        ),
    )
    attachments.attachment_add(
        acting_user=users["clerk_j"], application=application, file_obj=BytesIO(PDF), file_name="营业执照.pdf"
    )
    subsidy_services.application_submit(acting_user=users["clerk_j"], application=application)
    subsidy_services.application_township_approve(acting_user=users["clerk_j2"], application=application)

    good = write_return(tmp_path / "甘宁镇2025年第1季度.xlsx", [person(1), person(2)], title_rows=1)
    return SimpleNamespace(url=live_server.url, application=application, worker=worker, good=good)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_clerk_registers_a_person_and_imports_a_return(site, module_browser, viewport):  # noqa: F811
    base = site.url
    context, page, watch = open_page(module_browser, viewport)
    name = f"journey-clerk-{viewport}"
    login(page, base, "clerk_j")
    assert page.url == f"{base}/" and page.title().startswith("工作台")
    shot(page, f"{name}-1-workbench")

    page.click("a.tile:has-text('登记人员与就业')")
    page.wait_for_load_state()
    assert page.url.endswith("/workers/worker/add/"), page.url
    page.fill("#id_id_number", ID_NUMBER)
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
    shot(page, f"{name}-2-person-form")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    assert "/add/" not in page.url and "谭明军" in page.content(), page.content()[:2000]
    shot(page, f"{name}-3-saved")

    nav_click(page, "季度报表")
    assert page.url.endswith("/ledger/returns/")
    page.click("a.button:has-text('上传季度报表')")
    page.wait_for_load_state()
    page.set_input_files("#id_file", str(site.good))
    page.select_option("#id_year", "2025")
    page.select_option("#id_quarter", "1")
    shot(page, f"{name}-4-upload")
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#status-text").inner_text() == "校验通过，待确认"
    no_sideways_scroll(page)
    shot(page, f"{name}-5-preview")
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#status-text").inner_text() == "已导入"
    no_sideways_scroll(page)
    shot(page, f"{name}-6-imported")
    watch.check()
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_bureau_dashboard_township_briefing_returns_board(site, module_browser, viewport):  # noqa: F811
    base = site.url
    context, page, watch = open_page(module_browser, viewport)
    name = f"journey-bureau-{viewport}"
    login(page, base, "bureau_j")
    assert page.url == f"{base}/" and page.locator("#todo li").count() == 2
    shot(page, f"{name}-1-workbench")

    nav_click(page, "全区进度")
    assert page.url.startswith(f"{base}/targets/dashboard/")
    page.wait_for_selector("#trend-chart canvas", timeout=15000)
    no_sideways_scroll(page)
    shot(page, f"{name}-2-dashboard")

    page.click("#township-table tr[data-code='500101139'] td:nth-child(2) a")  # 甘宁镇
    page.wait_for_selector("#trend-chart canvas", timeout=15000)
    assert "甘宁镇" in page.title()
    no_sideways_scroll(page)
    shot(page, f"{name}-3-township")

    page.go_back()
    page.wait_for_load_state()
    briefing = page.locator("a[href*='briefing.xlsx']").first
    with page.expect_download() as download:
        briefing.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    watch.ignored_failures.add("/targets/dashboard/briefing.xlsx")  # a download ends its navigation

    nav_click(page, "报表报送")
    assert page.url.startswith(f"{base}/ledger/returns/board/")
    assert page.locator("h1").first.inner_text().strip() != ""
    no_sideways_scroll(page)
    shot(page, f"{name}-4-returns-board")
    watch.check()
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_reviewer_queue_to_application(site, module_browser, viewport):  # noqa: F811
    base = site.url
    context, page, watch = open_page(module_browser, viewport)
    name = f"journey-reviewer-{viewport}"
    login(page, base, "reviewer_j")
    assert page.url == f"{base}/"
    shot(page, f"{name}-1-workbench")

    page.click("a.tile:has-text('补贴审核')")
    page.wait_for_load_state()
    assert page.url.startswith(f"{base}/subsidies/review/")
    detail = f"/subsidies/{site.application.pk}/"
    assert page.locator(f"a[href='{detail}']").count() >= 1  # waiting for this reviewer, on the default tab
    no_sideways_scroll(page)
    shot(page, f"{name}-2-queue")

    page.locator(f"a[href='{detail}']").first.click()
    page.wait_for_load_state()
    assert page.url == f"{base}{detail}" and "冉建国" in page.content()
    no_sideways_scroll(page)
    shot(page, f"{name}-3-application")
    watch.check()
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_industry_department_sees_its_industry(site, module_browser, viewport):  # noqa: F811
    base = site.url
    context, page, watch = open_page(module_browser, viewport)
    name = f"journey-industry-{viewport}"
    login(page, base, "industry_j")
    assert page.url == f"{base}/"
    shot(page, f"{name}-1-workbench")

    page.click("a.tile:has-text('本行业进度')")
    page.wait_for_load_state()
    assert "/targets/dashboard/industry/" in page.url and "制造业" in page.title(), page.url
    no_sideways_scroll(page)
    shot(page, f"{name}-2-industry")
    watch.check()
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_clerk_edits_a_person_whose_job_is_in_a_locked_quarter(site, module_browser, viewport):  # noqa: F811
    """Issue 18, item 1: the lock's reason is on the first screen (no scrolling at 1366×768), the locked job
    is read-only, and the person's phone saves."""
    from targets.models import Township
    from targets.services import quarter_lock, staff_user_save
    from workers.models import Worker
    from workers.tests.factories import EmploymentFactory, WorkerFactory

    bureau = staff_user_save(username="bureau_lock", role="bureau", password=STRONG_PASSWORD)
    worker = WorkerFactory(name="锁定测", township=Township.objects.get(name="甘宁镇"), phone="13800001111")
    EmploymentFactory(worker=worker, start_date=date(2026, 2, 10))
    quarter_lock(acting_user=bureau, year=2026, quarter=1, reason="一季度数据审定")

    base = site.url
    context, page, watch = open_page(module_browser, viewport)
    name = f"journey-locked-{viewport}"
    login(page, base, "clerk_j")
    page.goto(f"{base}/manage/workers/worker/{worker.pk}/change/")
    page.wait_for_load_state()
    notice = page.locator("text=开始于已锁定的季度").first
    assert notice.is_visible()
    if viewport == "desktop":
        box = notice.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 768, box  # seen without scrolling
    assert page.locator("#id_employments-0-channel").is_disabled()
    assert page.locator("text=已锁定，只读").first.is_visible()
    no_sideways_scroll(page)
    shot(page, f"{name}-1-person")
    page.fill("#id_phone", "13900002222")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    assert "/change/" not in page.url, page.content()[:2000]
    assert Worker.objects.get(pk=worker.pk).phone == "13900002222"
    shot(page, f"{name}-2-saved")
    watch.check()
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_reviewer_approves_from_the_queue(site, module_browser, viewport):  # noqa: F811
    from subsidies.models import Application, Status

    base = site.url
    context, page, watch = open_page(module_browser, viewport)
    name = f"journey-approve-{viewport}"
    login(page, base, "reviewer_j")
    page.goto(f"{base}/subsidies/{site.application.pk}/")
    page.click("a.button:has-text('区级审核通过')")
    page.wait_for_load_state()
    page.fill("#id_amount", "5000")
    shot(page, f"{name}-1-confirm")
    page.click("form button[type=submit].primary")
    page.wait_for_load_state()
    assert Application.objects.get(pk=site.application.pk).status == Status.DISTRICT_APPROVED
    no_sideways_scroll(page)
    shot(page, f"{name}-2-approved")
    watch.check()
    context.close()
