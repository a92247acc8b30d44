"""The quarterly reporting cycle in a real browser (issue 23, "done when"): the clerk submits with an
acknowledged warning → bureau staff return it with a reason → the clerk reads it on the first screen, fixes
the record and resubmits → bureau staff approve (the township's quarter is locked) → they grant an unlock
until tomorrow → beat closes it after the date (time moved by running the close as of the day after
tomorrow). Each step is photographed into docs/screenshots/reporting-<n>-<step>.png."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from conftest import STRONG_PASSWORD
from tests.browser.watch import login, module_browser, open_page, shot  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, reference_data):
    from targets.models import Township
    from targets.services import staff_user_save
    from workers.tests.factories import EmploymentFactory, WorkerFactory, make_id_number

    users = {
        name: staff_user_save(username=name, role=role, password=STRONG_PASSWORD, **extra)
        for name, role, extra in [
            ("clerk_r", "clerk", {"township": "甘宁镇"}),
            ("bureau_r", "bureau", {}),
        ]
    }
    ganning = Township.objects.get(name="甘宁镇")
    worker = WorkerFactory(name="向小勇", township=ganning, id_number=make_id_number(date(1988, 8, 8)))
    # A job that ended three days after it started: a warning the clerk acknowledges.
    job = EmploymentFactory(worker=worker, start_date=date(2026, 2, 2), end_date=date(2026, 2, 5))
    return SimpleNamespace(url=live_server.url, users=users, township=ganning, job=job)


def _post_and_wait(page, selector: str) -> None:
    page.click(selector)
    page.wait_for_load_state()


def test_the_reporting_cycle(site, module_browser):  # noqa: F811
    from django.utils import timezone

    from reporting.models import QuarterReport
    from targets.models import QuarterLock, QuarterUnlockException
    from targets.services import quarter_exceptions_close

    base = site.url
    quarter_url = f"{base}/reporting/{site.township.code}/?year=2026&quarter=1"

    context, page, watch = open_page(module_browser, "desktop")
    login(page, base, "clerk_r")
    page.goto(quarter_url)
    page.click("#run-check")
    page.wait_for_load_state()
    assert "1条就业记录在开始后7天内结束，请核实。" in page.locator("#findings").inner_text()
    shot(page, "reporting-1-clerk-findings")
    watch.expect(400, "/reporting/" + site.township.code + "/")
    _post_and_wait(page, "#do-submit")  # no note: refused, says what to do
    assert "请逐项核实并在“核实说明”中写明情况后再报送" in page.content()
    page.fill("#note", "向小勇试用期内离职，已电话核实")
    _post_and_wait(page, "#do-submit")
    assert page.locator("#status").inner_text() == "已报送"
    shot(page, "reporting-2-submitted")
    context.close()

    context, page, watch2 = open_page(module_browser, "desktop")
    login(page, base, "bureau_r")
    page.goto(quarter_url)
    assert (
        "向小勇试用期内离职，已电话核实" in page.locator("#events").inner_text()
    )  # what the clerk acknowledged
    page.fill("#reason", "请补充向小勇的离职原因和就业单位联系电话")
    _post_and_wait(page, "#do-return")
    assert page.locator("#status").inner_text() == "已退回"
    shot(page, "reporting-3-returned")
    context.close()

    context, page, watch3 = open_page(module_browser, "desktop")
    login(page, base, "clerk_r")
    assert "请补充向小勇的离职原因和就业单位联系电话" in page.locator(".return-reason").inner_text()
    shot(page, "reporting-4-clerk-first-screen")
    page.click("a:has-text('报送被退回')")
    page.wait_for_load_state()
    page.fill("#note", "已补充离职原因：试用期不合格")
    _post_and_wait(page, "#do-submit")
    assert page.locator("#status").inner_text() == "已报送"
    context.close()

    context, page, watch4 = open_page(module_browser, "desktop")
    login(page, base, "bureau_r")
    page.goto(quarter_url)
    _post_and_wait(page, "#do-approve")
    assert page.locator("#status").inner_text() == "已审核"
    assert QuarterLock.objects.filter(township=site.township, year=2026, quarter=1).exists()
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.select_option("#clerk", label="clerk_r")
    page.fill("#until", tomorrow.isoformat())
    page.fill("#exception-reason", "补录一名遗漏人员")
    _post_and_wait(page, "#do-exception")
    assert f"至 {tomorrow.isoformat()}" in page.locator("#exception").inner_text()
    shot(page, "reporting-5-approved-and-opened")
    page.goto(f"{base}/reporting/?year=2026")
    assert f"临时开放 至{tomorrow:%m-%d}" in page.locator("#calendar").inner_text()
    shot(page, "reporting-6-calendar")

    # Beat runs the day after tomorrow: the exception is closed, the calendar shows the approval again.
    assert len(quarter_exceptions_close(today=tomorrow + timedelta(days=1))) == 1
    assert QuarterUnlockException.objects.get().closed_at is not None
    page.goto(f"{base}/reporting/?year=2026")
    cell = page.locator("#calendar tr:has-text('甘宁镇') td.state-approved").first.inner_text()
    assert cell == "已审核"
    assert QuarterReport.objects.get().status == "approved"
    for w in (watch, watch2, watch3, watch4):
        w.check()
    context.close()
