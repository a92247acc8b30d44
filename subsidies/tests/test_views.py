"""The pages: a clerk's draft to paid through the browser, confirmations, bulk review, and scoping by URL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from subsidies import services
from subsidies.models import Application, Payment, Status

from .conftest import entrepreneur, startup_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def app_a(kinds, clerk_a, household_a, township_a):
    worker, job = entrepreneur(township_a, household_a)
    return services.application_create(acting_user=clerk_a, data=startup_data(kinds, worker, job, 6000))


@pytest.fixture
def app_b(kinds, clerk_b, township_b):
    from workers.tests.factories import HouseholdFactory

    worker, job = entrepreneur(township_b, HouseholdFactory(township=township_b))
    return services.application_create(acting_user=clerk_b, data=startup_data(kinds, worker, job, 5000))


def test_draft_to_paid_through_the_browser(
    client, login, kinds, clerk_a, clerk_a2, reviewer_user, reviewer2, household_a, township_a
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    worker, _job = entrepreneur(township_a, household_a)
    browser = login(clerk_a)
    page = browser.get(reverse("subsidies:create", args=["startup"]))
    assert page.status_code == 200 and "申请人公民身份号码" in page.content.decode()
    response = browser.post(
        reverse("subsidies:create", args=["startup"]),
        {
            "year": 2025,
            "applicant_type": "worker",
            "worker_id_number": worker.id_number.lower(),
            "amount_requested": "8000",
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "subsidies:detail", args=[application.pk]
    )
    upload = SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf")
    browser.post(reverse("subsidies:attachment_upload", args=[application.pk]), {"file": upload})
    assert application.attachments.count() == 1

    def move(client_, action, data=None):
        url = reverse("subsidies:move", args=[application.pk, action])
        confirm = client_.get(url)
        assert confirm.status_code == 200 and "请确认" in confirm.content.decode()
        application.refresh_from_db()
        before = application.status
        response = client_.post(url, data or {})
        assert response.status_code == 302, response.content.decode()[:2000]
        application.refresh_from_db()
        assert application.status != before
        return application.status

    assert move(browser, "submit") == Status.SUBMITTED
    client.logout()
    assert move(login(clerk_a2), "township_approve", {"comment": "材料齐全"}) == Status.TOWNSHIP_APPROVED
    client.logout()
    reviewer = login(reviewer_user)
    detail = reviewer.get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    assert worker.name in detail and worker.masked_id_number in detail and worker.id_number not in detail
    assert "尚可 <strong>8,000</strong>" in detail
    assert move(reviewer, "district_approve", {"amount": "7500"}) == Status.DISTRICT_APPROVED
    assert move(reviewer, "notice_start") == Status.PUBLIC_NOTICE
    Application.objects.filter(pk=application.pk).update(notice_end=timezone.localdate() - timedelta(days=1))
    assert move(reviewer, "notice_end") == Status.PAYABLE
    client.logout()
    payer = login(reviewer2)
    assert (
        move(payer, "pay", {"paid_on": timezone.localdate().isoformat(), "voucher_no": "PZ-1"}) == Status.PAID
    )
    assert Payment.objects.get().amount == Decimal("7500")
    assert application.events.count() == 8  # create, attach, submit, township, district, notice ×2, pay


def test_confirmation_page_changes_nothing(login, app_a, clerk_a):
    response = login(clerk_a).get(reverse("subsidies:move", args=[app_a.pk, "submit"]))
    assert response.status_code == 200
    app_a.refresh_from_db()
    assert app_a.status == Status.DRAFT


def test_refused_move_shows_the_reason_and_changes_nothing(login, app_a, clerk_a):
    services.application_submit(acting_user=clerk_a, application=app_a)
    response = login(clerk_a).post(reverse("subsidies:move", args=[app_a.pk, "township_approve"]), {})
    assert response.status_code == 200
    assert "不能审核自己提交的申请" in response.content.decode()
    app_a.refresh_from_db()
    assert app_a.status == Status.SUBMITTED


def test_form_shows_chinese_errors_for_bad_input(login, kinds, clerk_a, township_b):
    from workers.tests.factories import WorkerFactory

    other = WorkerFactory(township=township_b)
    response = login(clerk_a).post(
        reverse("subsidies:create", args=["startup"]),
        {
            "year": 2025,
            "applicant_type": "worker",
            "worker_id_number": other.id_number,
            "amount_requested": "abc",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"在您可查看的台账中找不到公民身份号码 {other.id_number}" in body
    assert other.name not in body
    assert "请输入一个数字" in body or "输入一个数字" in body
    assert not Application.objects.exists()


# --- Scoping: a clerk of 甘宁镇 never sees or changes 分水镇's applications -----------------------------------


def test_clerk_list_shows_own_township_only(login, app_a, app_b, clerk_a):
    body = login(clerk_a).get(reverse("subsidies:list")).content.decode()
    assert app_a.number in body and app_b.number not in body
    body = login(clerk_a).get(reverse("subsidies:list") + "?township=" + app_b.township.code).content.decode()
    assert app_b.number not in body


@pytest.mark.parametrize(
    "name, method",
    [("detail", "get"), ("edit", "get"), ("edit", "post"), ("attachment_upload", "post")],
)
def test_other_township_application_is_404(login, app_a, app_b, clerk_a, name, method):
    response = getattr(login(clerk_a), method)(reverse(f"subsidies:{name}", args=[app_b.pk]))
    assert response.status_code == 404
    assert app_b.worker.name not in response.content.decode()


@pytest.mark.parametrize("action", ["submit", "withdraw", "township_approve", "reject"])
def test_other_township_moves_are_404_and_change_nothing(login, app_b, clerk_a, action):
    browser = login(clerk_a)
    url = reverse("subsidies:move", args=[app_b.pk, action])
    assert browser.get(url).status_code == 404
    assert browser.post(url, {"reason": "x"}).status_code == 404
    app_b.refresh_from_db()
    assert app_b.status == Status.DRAFT and app_b.events.count() == 1


def test_other_township_attachment_is_404(login, app_b, clerk_a, clerk_b):
    from io import BytesIO

    attachment = services.attachment_add(
        acting_user=clerk_b, application=app_b, file_obj=BytesIO(PDF), file_name="b.pdf"
    )
    browser = login(clerk_a)
    for url in (
        reverse("subsidies:attachment", args=[attachment.pk]),
        reverse("subsidies:attachment_delete", args=[attachment.pk]),
    ):
        response = browser.get(url)
        assert response.status_code == 404
        assert PDF not in b"".join(getattr(response, "streaming_content", [response.content]))
    assert browser.post(reverse("subsidies:attachment_delete", args=[attachment.pk])).status_code == 404
    assert app_b.attachments.count() == 1


def test_own_attachment_downloads_with_safe_headers(login, app_a, clerk_a):
    from io import BytesIO

    attachment = services.attachment_add(
        acting_user=clerk_a, application=app_a, file_obj=BytesIO(PDF), file_name="证明.pdf"
    )
    response = login(clerk_a).get(reverse("subsidies:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_industry_user_and_anonymous_get_nothing(client, login, app_a, industry_user):
    assert client.get(reverse("subsidies:list")).status_code == 302
    browser = login(industry_user)
    assert browser.get(reverse("subsidies:list")).status_code == 403
    assert browser.get(reverse("subsidies:detail", args=[app_a.pk])).status_code == 403


def test_clerk_cannot_open_review_queue_or_payment_list(login, clerk_a, reviewer_user):
    assert login(clerk_a).get(reverse("subsidies:review")).status_code == 403
    assert login(clerk_a).get(reverse("subsidies:payment_export")).status_code == 403
    assert login(reviewer_user).get(reverse("subsidies:payment_export")).status_code == 403


def test_admin_changelist_is_scoped(login, app_a, app_b, clerk_a):
    browser = login(clerk_a)
    body = browser.get(reverse("admin:subsidies_application_changelist")).content.decode()
    assert app_a.number in body and app_b.number not in body
    response = browser.get(reverse("admin:subsidies_application_change", args=[app_b.pk]))
    assert response.status_code in (302, 404)
    assert app_b.worker.name not in response.content.decode()


# --- Reviewers' queue and bulk actions ---------------------------------------------------------------------


def test_bulk_district_approval_with_confirmation(
    login, kinds, app_a, clerk_a, clerk_a2, reviewer_user, household_a, township_a
):
    # A second claim for the same market entity as app_a (6,000 of its 8,000).
    over = services.application_create(
        acting_user=clerk_a, data=startup_data(kinds, app_a.worker, app_a.employment, 2001, year=2026)
    )
    for application in (app_a, over):
        services.application_submit(acting_user=clerk_a, application=application)
        services.application_township_approve(acting_user=clerk_a2, application=application)
    browser = login(reviewer_user)
    queue = browser.get(reverse("subsidies:review")).content.decode()
    assert app_a.number in queue and over.number in queue
    data = {"action": "district_approve", "ids": [app_a.pk, over.pk]}
    confirm = browser.post(reverse("subsidies:review"), data)
    assert confirm.status_code == 200 and "请确认" in confirm.content.decode()
    app_a.refresh_from_db()
    assert app_a.status == Status.TOWNSHIP_APPROVED
    done = browser.post(reverse("subsidies:review"), {**data, "confirm": "1"}, follow=True)
    body = done.content.decode()
    app_a.refresh_from_db()
    over.refresh_from_db()
    assert app_a.status == Status.DISTRICT_APPROVED
    assert over.status == Status.TOWNSHIP_APPROVED
    assert "成功 1 件" in body and "尚可 2,000 元" in body


def test_bulk_ignores_applications_out_of_scope(login, app_b, clerk_b, clerk_a):
    services.application_submit(acting_user=clerk_b, application=app_b)
    # A clerk has no queue at all; a crafted POST changes nothing.
    response = login(clerk_a).post(
        reverse("subsidies:review"), {"action": "township_approve", "ids": [app_b.pk], "confirm": "1"}
    )
    assert response.status_code == 403
    app_b.refresh_from_db()
    assert app_b.status == Status.SUBMITTED


def test_list_filters_search_and_empty_state(login, app_a, clerk_a):
    browser = login(clerk_a)
    assert app_a.number in browser.get(reverse("subsidies:list") + f"?q={app_a.worker.name}").content.decode()
    assert (
        app_a.number
        in browser.get(reverse("subsidies:list") + f"?q={app_a.worker.id_number}").content.decode()
    )
    # No prefix search on ID numbers.
    assert (
        app_a.number
        not in browser.get(reverse("subsidies:list") + f"?q={app_a.worker.id_number[:10]}").content.decode()
    )
    body = browser.get(reverse("subsidies:list") + "?status=paid").content.decode()
    assert "没有符合条件的申请" in body


def test_summary_page(login, app_a, clerk_a, bureau_user):
    assert login(clerk_a).get(reverse("subsidies:summary") + "?year=2025").status_code == 200
    body = login(bureau_user).get(reverse("subsidies:summary") + "?year=2025").content.decode()
    assert "创业补贴" in body and "8000" in body


@pytest.mark.parametrize(
    "code, field",
    [
        ("startup", "worker_id_number"),
        ("hiring", "lines_text"),
        ("loan_interest", "interest_paid"),
        ("park", "certified_on"),
        ("labour_brand", "subject_name"),
        ("transport", "worker_id_number"),
        ("public_welfare_post", "worker_id_number"),
        ("social_insurance", "employer_ref"),
        ("job_seeking", "amount_requested"),
        ("employment_service", "employer_ref"),
    ],
)
def test_every_kind_has_its_form(login, kinds, bureau_user, code, field):
    response = login(bureau_user).get(reverse("subsidies:create", args=[code]))
    assert response.status_code == 200
    assert f'name="{field}"' in response.content.decode()


def test_hiring_claim_entered_in_the_form(login, kinds, clerk_a, township_a):
    from datetime import date

    from workers.tests.factories import EmployerFactory, EmploymentFactory, WorkerFactory

    from .conftest import make_credit_code

    employer = EmployerFactory(credit_code=make_credit_code())
    first, second = WorkerFactory(township=township_a), WorkerFactory(township=township_a)
    for worker in (first, second):
        EmploymentFactory(worker=worker, employer=employer, start_date=date(2025, 4, 1))
    response = login(clerk_a).post(
        reverse("subsidies:create", args=["hiring"]),
        {
            "year": 2025,
            "applicant_type": "employer",
            "employer_ref": employer.credit_code,
            "township": township_a.pk,
            "lines_text": f"{first.id_number} 1000\n{second.id_number}，800\n",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    application = Application.objects.get()
    assert application.amount_requested == Decimal("1800")
    assert sorted(application.lines.values_list("amount", flat=True)) == [Decimal("800"), Decimal("1000")]


def test_exports_are_audited(login, app_a, bureau_user):
    from auditlog.models import LogEntry

    login(bureau_user).get(reverse("subsidies:payment_export"))
    login(bureau_user).get(reverse("subsidies:notice") + "?format=xlsx")
    exports = LogEntry.objects.filter(additional_data__event="export", actor=bureau_user)
    assert sorted(e.additional_data["detail"]["export"] for e in exports) == [
        "subsidy_notice",
        "subsidy_payments",
    ]
