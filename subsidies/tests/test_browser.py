"""Issue 8's "done when", in a real browser (Debian's chromium through Playwright): a clerk's draft goes to
paid with the right people — clerk 甘宁镇 enters and submits, a second clerk does the township review, a
reviewer approves and publishes the notice, another reviewer records the payment. Screenshots of the
application page go to `artifacts/subsidy-*.png`. Skipped without /usr/bin/chromium unless REQUIRE_BROWSER=1.
"""

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from conftest import STRONG_PASSWORD
from subsidies.models import Application, Status
from tests.browser.test_dashboard_browser import browser  # noqa: F401 - the shared Playwright fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _in_thread(func):
    """Database work while Playwright's event loop runs in this thread (Django refuses it here)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = func()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return outcome.get("value")


@pytest.fixture
def site(live_server, reference_data, tmp_path):
    from targets.services import staff_user_save
    from workers.models import EmploymentForm
    from workers.tests.factories import EmployerFactory, EmploymentFactory, HouseholdFactory, WorkerFactory

    from .conftest import make_credit_code

    for username, role, township in [
        ("clerk_gn", "clerk", "甘宁镇"),
        ("clerk_gn2", "clerk", "甘宁镇"),
        ("reviewer_1", "reviewer", None),
        ("reviewer_2", "reviewer", None),
    ]:
        staff_user_save(username=username, role=role, township=township, password=STRONG_PASSWORD)
    worker = WorkerFactory(name="冉建国", household=HouseholdFactory())
    EmploymentFactory(
        worker=worker,
        employer=EmployerFactory(name="万州建国农业专业合作社", credit_code=make_credit_code()),
        form=EmploymentForm.SELF_EMPLOYED,
        start_date=date(2025, 3, 1),
    )
    evidence = tmp_path / "营业执照.pdf"
    evidence.write_bytes(PDF)
    return live_server, worker.id_number, evidence


def _session(browser, base, username):  # noqa: F811 - `browser` is the fixture
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", STRONG_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def _move(page, label):
    page.click(f"a.button:has-text('{label}')")
    page.wait_for_load_state()
    assert "请确认" in page.content()
    page.click("form button.primary")
    page.wait_for_load_state()


def test_draft_to_paid_in_chromium(site, browser):  # noqa: F811 - `browser` is the fixture
    server, id_number, evidence = site
    base = server.url
    artifacts = Path(settings.BASE_DIR) / "artifacts"
    artifacts.mkdir(exist_ok=True)
    errors = []

    context, page = _session(browser, base, "clerk_gn")
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.click("nav.mainnav a:has-text('补贴')")
    page.wait_for_load_state()
    assert "还没有补贴申请" in page.content()
    page.click("text=新建申请")
    page.click(".tile:has-text('创业补贴')")
    page.fill("#id_worker_id_number", id_number)
    page.fill("#id_amount_requested", "8000")
    page.click("button:has-text('保存草稿')")
    page.wait_for_load_state()
    assert "申请已保存为草稿" in page.content()
    page.set_input_files("#id_file", str(evidence))
    page.click("button:has-text('上传')")
    page.wait_for_load_state()
    assert "营业执照.pdf" in page.content()
    _move(page, "提交审核")
    assert "已提交" in page.content()
    detail_url = page.url
    context.close()

    context, page = _session(browser, base, "clerk_gn2")
    page.goto(detail_url)
    _move(page, "镇街初审通过")
    context.close()

    context, page = _session(browser, base, "reviewer_1")
    page.goto(f"{base}/subsidies/review/")
    assert "冉建国" in page.content()  # waiting for the district review
    page.goto(detail_url)
    page.screenshot(path=str(artifacts / "subsidy-detail.png"), full_page=True)
    _move(page, "区级审核通过")
    _move(page, "开始公示")
    assert "公示中" in page.content()
    page.goto(f"{base}/subsidies/notice/")
    assert "冉建国" in page.content() and id_number not in page.content()
    context.close()

    # The notice period ends (5 working days): move its end into the past.
    _in_thread(lambda: Application.objects.update(notice_end=date.today() - timedelta(days=1)))
    context, page = _session(browser, base, "reviewer_1")
    page.goto(detail_url)
    _move(page, "公示期满，转待发放")
    context.close()

    context, page = _session(browser, base, "reviewer_2")
    page.goto(detail_url)
    page.click("a.button:has-text('登记发放')")
    page.fill("#id_voucher_no", "WZ-2025-0001")
    page.click("form button.primary")
    page.wait_for_load_state()
    assert "已发放" in page.content() and "WZ-2025-0001" in page.content()
    page.screenshot(path=str(artifacts / "subsidy-paid.png"), full_page=True)
    context.close()

    assert errors == []
    status = _in_thread(lambda: Application.objects.get().status)
    assert status == Status.PAID
