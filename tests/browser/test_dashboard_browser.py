"""The district dashboard in a real browser (Debian's chromium through Playwright).

Logs in through the login form as bureau staff, opens the dashboard of 2025 as of 30 September on a
district-sized ledger, checks the 49 + 3 township rows, that the static files load (WhiteNoise, DEBUG off)
and that ECharts drew the trend chart; saves screenshots: `artifacts/dashboard.png` (CI artefact, full page)
and `docs/screenshots/{dashboard,township}.png` (README, 1366×768). Skipped without /usr/bin/chromium unless
REQUIRE_BROWSER=1.
"""

import os
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from conftest import STRONG_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AS_OF = date(2025, 9, 30)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} 不存在：apt-get install -y chromium fonts-noto-cjk"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _seed_district(seed: int = 2025) -> int:
    """A ledger of district size for 2025 up to 30 September: each township between 50 % and 105 % of
    its target's pro-rata share, industries weighted by their targets. Written in bulk (no services)."""
    from targets.models import Industry, IndustryTarget, TownshipTarget
    from workers.models import Employer, Employment, EmploymentForm, Worker, Workplace
    from workers.validators import id_number_check_char

    rng = random.Random(seed)
    employer = Employer.objects.create(
        name="万州浏览器测试企业有限公司", name_key="万州浏览器测试企业有限公司"
    )
    industries = list(Industry.objects.filter(in_plan=True).order_by("code"))
    weights = dict(IndustryTarget.objects.filter(plan_year_id=2025).values_list("industry_id", "target"))
    industry_weights = [weights.get(i.pk, 1) for i in industries]
    days = (AS_OF - date(2025, 1, 1)).days
    workers, jobs, serial = [], [], 0
    for target in TownshipTarget.objects.filter(plan_year_id=2025).select_related("township"):
        share = rng.choice([0.5, 0.62, 0.7, 0.78, 0.82, 0.9, 0.95, 1.0, 1.05])
        for _n in range(round(target.target * 0.75 * share)):
            serial += 1
            birth = date(1965, 1, 1) + timedelta(days=serial % 12000)
            body = f"500101{birth:%Y%m%d}{serial % 1000:03d}"
            id_number = body + id_number_check_char(body)
            workers.append(
                Worker(
                    id_number=id_number,
                    name=f"测试{serial}",
                    sex="男" if int(body[16]) % 2 else "女",
                    birth_date=birth,
                    township=target.township,
                )
            )
    Worker.objects.bulk_create(workers, batch_size=2000)
    for worker in Worker.objects.select_related("township"):
        jobs.append(
            Employment(
                worker=worker,
                employer=employer,
                employer_key=employer.name_key,
                industry=rng.choices(industries, industry_weights)[0],
                workplace=Workplace.IN_DISTRICT,
                workplace_township=worker.township,
                registration_township=worker.township,
                form=EmploymentForm.UNIT,
                start_date=date(2025, 1, 1)
                + timedelta(days=min(days, int(rng.triangular(0, days, days * 0.6)))),
                returnee=rng.random() < 0.38,
            )
        )
    Employment.objects.bulk_create(jobs, batch_size=2000)
    return len(workers)


@pytest.fixture
def site(live_server, reference_data):
    """Users and a seeded ledger. All database work happens here, before Playwright starts: its sync API
    runs an event loop in this thread, where Django refuses synchronous queries."""
    from targets.progress import progress_recompute
    from targets.services import staff_user_save

    staff_user_save(username="bureau_browser", role="bureau", password=STRONG_PASSWORD)
    staff_user_save(username="clerk_browser", role="clerk", township="甘宁镇", password=STRONG_PASSWORD)
    assert _seed_district() > 5000
    progress_recompute(year=2025)
    return live_server


def _login(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", STRONG_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _watch(page, failed: list, errors: list) -> None:
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))


def test_bureau_dashboard_in_chromium(site, browser):
    base = site.url
    artifacts = Path(settings.BASE_DIR) / "artifacts"
    docs = Path(settings.BASE_DIR) / "docs" / "screenshots"
    artifacts.mkdir(exist_ok=True)
    docs.mkdir(parents=True, exist_ok=True)
    period = f"year=2025&as_of={AS_OF.isoformat()}"
    failed, errors = [], []

    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    _watch(page, failed, errors)
    _login(page, base, "bureau_browser")
    assert page.url == f"{base}/"  # bureau staff land on their workbench, which links the dashboard
    assert page.locator("nav.mainnav a[href='/targets/dashboard/']").count() == 1

    page.goto(f"{base}/targets/dashboard/?{period}")
    assert page.locator("#township-table tr[data-kind=target]").count() == 49
    assert page.locator("#township-table tr[data-kind=no-target]").count() == 3
    canvas = page.wait_for_selector("#trend-chart canvas", timeout=15000)
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    bars = page.wait_for_selector("#completion-chart canvas", timeout=15000)
    assert bars.bounding_box()["width"] > 100
    assert page.evaluate("typeof window.echarts") == "object"
    assert page.evaluate("getComputedStyle(document.querySelector('.kpis')).display") == "grid"  # app.css
    assert failed == [] and errors == [], (failed, errors)
    page.screenshot(path=str(docs / "dashboard.png"))
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

    page.click("#township-table tr[data-code='500101139'] td:nth-child(2) a")
    page.wait_for_selector("#trend-chart canvas", timeout=15000)
    assert "甘宁镇" in page.title()
    page.screenshot(path=str(docs / "township.png"))
    page.click("#people .section-head a")
    page.wait_for_selector("#people-table")
    assert page.locator("#people-table tbody tr").count() == 50
    page.screenshot(path=str(artifacts / "people.png"), full_page=True)

    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    _watch(phone, failed, errors)
    _login(phone, base, "bureau_browser")
    phone.goto(f"{base}/targets/dashboard/?{period}")
    phone.wait_for_selector("#completion-chart canvas", timeout=15000)
    # No sideways scrolling of the page at phone width (wide tables scroll inside their own box).
    assert phone.evaluate("document.documentElement.scrollWidth") <= 391
    phone.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)

    clerk = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    _watch(clerk, failed, errors)
    _login(clerk, base, "clerk_browser")
    clerk.goto(f"{base}/targets/dashboard/?{period}")  # a clerk lands on their own township
    clerk.wait_for_selector("#trend-chart canvas", timeout=15000)
    assert "甘宁镇" in clerk.title()
    assert clerk.evaluate("document.documentElement.scrollWidth") <= 391
    clerk.screenshot(path=str(artifacts / "township-phone.png"), full_page=True)
    assert failed == [] and errors == [], (failed, errors)
