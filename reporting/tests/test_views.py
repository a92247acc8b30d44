"""The pages of the cycle (issue 23): the clerk checks and submits with a note, bureau staff return with a
reason the clerk reads on the first screen, approve, and grant an exception; the calendar shows each state.
Wrong-township and wrong-role requests are refused and change nothing."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reporting.models import QuarterReport, ReportEvent
from reporting.services import RETURN_NEEDS_REASON, WARNINGS_NEED_NOTE
from targets.models import QuarterLock, QuarterUnlockException
from workers.tests.factories import EmploymentFactory, WorkerFactory, make_id_number

pytestmark = pytest.mark.django_db

Q = {"year": 2026, "quarter": 1}


def _page(township):
    return reverse("reporting:quarter", args=[township.code])


@pytest.fixture
def short_job(township_a):
    worker = WorkerFactory(township=township_a, id_number=make_id_number(date(1986, 6, 6)))
    return EmploymentFactory(worker=worker, start_date=date(2026, 2, 2), end_date=date(2026, 2, 5))


def test_the_cycle_through_the_pages(login, clerk_a, bureau_user, township_a, short_job, client):
    clerk = login(clerk_a)
    page = clerk.get(_page(township_a), Q)
    assert page.status_code == 200
    body = page.content.decode()
    assert "甘宁镇 2026年第1季度报送" in body and "本季度还没有做过数据质量检查" in body

    clerk.post(_page(township_a), {**Q, "action": "check"})
    body = clerk.get(_page(township_a), Q).content.decode()
    assert "1条就业记录在开始后7天内结束，请核实。" in body
    assert f"?id__in={short_job.pk}" in body  # the finding links to its records

    refused = clerk.post(_page(township_a), {**Q, "action": "submit", "note": ""})
    assert refused.status_code == 400
    assert WARNINGS_NEED_NOTE.format(count=1) in refused.content.decode()
    done = clerk.post(_page(township_a), {**Q, "action": "submit", "note": "试用期离职，已核实"})
    assert done.status_code == 302

    bureau = login(bureau_user)
    refused = bureau.post(_page(township_a), {**Q, "action": "return", "reason": ""})
    assert str(RETURN_NEEDS_REASON) in refused.content.decode()
    bureau.post(_page(township_a), {**Q, "action": "return", "reason": "请补充2月份新就业的单位名称"})

    clerk = login(clerk_a)
    home = clerk.get(reverse("home")).content.decode()
    assert "2026年第1季度报送被退回" in home and "请补充2月份新就业的单位名称" in home
    clerk.post(_page(township_a), {**Q, "action": "submit", "note": "已补充"})

    bureau = login(bureau_user)
    bureau.post(_page(township_a), {**Q, "action": "approve"})
    assert QuarterLock.objects.filter(township=township_a, year=2026, quarter=1).exists()
    assert "请补充" not in login(clerk_a).get(reverse("home")).content.decode()  # no longer returned

    bureau = login(bureau_user)
    until = timezone.localdate() + timedelta(days=1)
    bureau.post(
        _page(township_a),
        {**Q, "action": "exception", "clerk": clerk_a.pk, "until": until.isoformat(), "reason": "补录"},
    )
    assert QuarterUnlockException.objects.get().clerk == clerk_a
    calendar = bureau.get(reverse("reporting:calendar"), {"year": 2026}).content.decode()
    assert f"临时开放 至{until:%m-%d}" in calendar
    body = bureau.get(_page(township_a), Q).content.decode()
    assert "临时开放给 clerk_a" in body
    actions = list(ReportEvent.objects.order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["submit", "return", "submit", "approve"]


def test_another_townships_clerk_gets_404_and_changes_nothing(login, clerk_b, township_a):
    clerk = login(clerk_b)
    assert clerk.get(_page(township_a), Q).status_code == 404
    assert clerk.post(_page(township_a), {**Q, "action": "check"}).status_code == 404
    assert not QuarterReport.objects.exists()


def test_a_clerk_cannot_approve_and_industry_cannot_open(login, clerk_a, industry_user, township_a):
    response = login(clerk_a).post(_page(township_a), {**Q, "action": "approve"})
    assert response.status_code == 403
    assert "只有区人力社保局工作人员可以审核通过。" in response.content.decode()
    assert not QuarterLock.objects.exists()
    assert login(industry_user).get(reverse("reporting:calendar")).status_code == 403
    assert login(industry_user).get(_page(township_a), Q).status_code == 403


def test_the_calendar_shows_each_state(login, bureau_user, clerk_a, township_a, township_b):
    from reporting.services import report_get
    from targets.services import quarter_lock

    QuarterReport.objects.create(township=township_a, year=2026, quarter=2, status="submitted")
    report_get(township=township_b, year=2026, quarter=1)
    quarter_lock(acting_user=bureau_user, year=2026, quarter=3)
    body = login(bureau_user).get(reverse("reporting:calendar"), {"year": 2026}).content.decode()
    assert "已报送 1" in body and "已锁定 52" in body
    own = login(clerk_a).get(reverse("reporting:calendar"), {"year": 2026}).content.decode()
    assert "甘宁镇" in own and "分水镇" not in own
