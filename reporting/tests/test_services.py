"""The cycle through its services (issue 23, items 1 and 3): submit with the checks, return with a reason,
approve (locks the township's quarter), every step an event and an audit entry; messages asserted verbatim."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from reporting.models import QualityRun, QuarterReport, ReportEvent
from reporting.services import (
    ERRORS_BLOCK,
    NOT_ALLOWED_NOW,
    ONLY_BUREAU,
    QUARTER_NOT_ENDED,
    RETURN_NEEDS_REASON,
    WARNINGS_NEED_NOTE,
    report_approve,
    report_get,
    report_return,
    report_submit,
)
from targets.models import Industry, QuarterLock
from targets.scoping import NOT_IN_SCOPE
from targets.services import QUARTER_LOCKED
from workers.models import Workplace
from workers.services import EmploymentData, employment_record
from workers.tests.factories import EmploymentFactory, WorkerFactory, make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(township_a):
    return report_get(township=township_a, year=2026, quarter=1)


@pytest.fixture
def short_job(township_a):
    """A job that ends after 3 days: a warning of rule short_jobs."""
    worker = WorkerFactory(township=township_a, id_number=make_id_number(date(1986, 6, 6)))
    return EmploymentFactory(worker=worker, start_date=date(2026, 2, 2), end_date=date(2026, 2, 5))


def _messages(info):
    return info.value.messages


def test_warnings_need_a_note_and_the_run_is_kept(report, clerk_a, short_job):
    with pytest.raises(ValidationError) as refused:
        report_submit(acting_user=clerk_a, report=report, note="  ")
    assert _messages(refused) == [WARNINGS_NEED_NOTE.format(count=1)]
    report.refresh_from_db()
    assert report.status == QuarterReport.Status.OPEN
    run = QualityRun.objects.get()  # what the clerk saw stays, for bureau staff too
    assert run.warnings == 1 and run.findings.get().employment_ids == [short_job.pk]

    submitted = report_submit(acting_user=clerk_a, report=report, note="已电话核实：试用期内离职")
    assert submitted.status == QuarterReport.Status.SUBMITTED
    event = ReportEvent.objects.get()
    assert (event.action, event.note, event.user, event.run.warnings) == (
        "submit",
        "已电话核实：试用期内离职",
        clerk_a,
        1,
    )


def test_errors_block(report, clerk_a, short_job, settings):
    settings.REPORTING_QUALITY = {
        **settings.REPORTING_QUALITY,
        "short_jobs": {"severity": "error", "days": 7},
    }
    with pytest.raises(ValidationError) as refused:
        report_submit(acting_user=clerk_a, report=report, note="已核实")
    assert _messages(refused) == [ERRORS_BLOCK.format(count=1)]
    assert not ReportEvent.objects.exists()


def test_an_open_quarter_cannot_be_submitted(township_a, clerk_a):
    report = report_get(township=township_a, year=2099, quarter=1)
    with pytest.raises(ValidationError) as refused:
        report_submit(acting_user=clerk_a, report=report)
    assert _messages(refused) == [QUARTER_NOT_ENDED.format(year=2099, quarter=1)]


def test_another_townships_clerk_cannot_submit(report, clerk_b):
    with pytest.raises(PermissionDenied) as refused:
        report_submit(acting_user=clerk_b, report=report)
    assert str(refused.value) == str(NOT_IN_SCOPE)


def test_return_needs_a_reason_and_bureau_staff(report, clerk_a, bureau_user):
    report_submit(acting_user=clerk_a, report=report)
    with pytest.raises(PermissionDenied) as refused:
        report_return(acting_user=clerk_a, report=report, reason="x")
    assert str(refused.value) == ONLY_BUREAU.format(action="退回")
    with pytest.raises(ValidationError) as refused:
        report_return(acting_user=bureau_user, report=report, reason=" ")
    assert _messages(refused) == [RETURN_NEEDS_REASON]
    returned = report_return(acting_user=bureau_user, report=report, reason="2月份有3人缺少就业单位")
    assert returned.status == QuarterReport.Status.RETURNED
    with pytest.raises(ValidationError) as refused:
        report_approve(acting_user=bureau_user, report=report)
    assert _messages(refused) == [NOT_ALLOWED_NOW.format(report=returned, status="已退回", action="审核通过")]


def test_the_whole_cycle_locks_the_townships_quarter_and_is_audited(
    report, clerk_a, clerk_b, bureau_user, township_a, township_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(acting_user=clerk_a, report=report)
        report_return(acting_user=bureau_user, report=report, reason="补充单位名称")
        report_submit(acting_user=clerk_a, report=report, note="")
        report_approve(acting_user=bureau_user, report=report, note="数据完整")
    report.refresh_from_db()
    assert report.status == QuarterReport.Status.APPROVED
    steps = list(report.events.order_by("at", "pk").values_list("action", "to_status"))
    assert steps == [
        ("submit", "submitted"),
        ("return", "returned"),
        ("submit", "submitted"),
        ("approve", "approved"),
    ]
    assert QuarterLock.objects.filter(township=township_a, year=2026, quarter=1).exists()
    events = [
        e.additional_data["event"]
        for e in LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("pk")
        if e.additional_data and e.additional_data.get("event", "").startswith("report_")
    ]
    assert events == ["report_submit", "report_return", "report_submit", "report_approve"]

    job = EmploymentData(
        employer_name="万州审核后有限公司",
        industry=Industry.objects.get(code="02"),
        workplace=Workplace.OUT_OF_CITY,
        workplace_township=None,
        form="单位就业",
        start_date=date(2026, 3, 3),
    )
    with pytest.raises(ValidationError) as refused:
        employment_record(acting_user=clerk_a, worker=WorkerFactory(township=township_a), data=job)
    assert _messages(refused) == [QUARTER_LOCKED.format(year=2026, quarter=1)]
    employment_record(acting_user=clerk_b, worker=WorkerFactory(township=township_b), data=job)


def test_unlocking_an_approved_townships_quarter_sends_it_back_to_the_clerk(
    report, clerk_a, bureau_user, township_a, django_capture_on_commit_callbacks
):
    """An unlock of the township's quarter (the admin's door: targets.services.quarter_unlock) reopens its
    approved report as returned, with the unlock's reason on the clerk's first screen and in their inbox."""
    from reporting.models import Notification
    from reporting.selectors import returned_reports
    from targets.services import quarter_unlock

    with django_capture_on_commit_callbacks(execute=True):
        report_submit(acting_user=clerk_a, report=report)
        report_approve(acting_user=bureau_user, report=report)
        quarter_unlock(
            acting_user=bureau_user, year=2026, quarter=1, township=township_a, reason="3月有2人就业单位填错"
        )
    report.refresh_from_db()
    assert report.status == QuarterReport.Status.RETURNED
    assert not QuarterLock.objects.filter(township=township_a, year=2026, quarter=1).exists()
    assert list(report.events.order_by("at", "pk").values_list("action", "to_status"))[-1] == (
        "reopen",
        "returned",
    )
    [first_screen] = returned_reports(township_ids=[township_a.pk])
    assert first_screen["event"].note == "3月有2人就业单位填错"
    assert Notification.objects.filter(user=clerk_a, title__contains="3月有2人就业单位填错").exists()
    report_submit(acting_user=clerk_a, report=report)  # submitted again
