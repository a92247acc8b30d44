"""Deadlines and reporting rates (issue 23, item 5): a quarter's deadline is the 10th day after it ends
unless bureau staff move it; the reporting rate is the share of the 49 townships of annex 1 that submitted,
the timeliness rate the share that first submitted by the deadline."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reporting.models import ReportEvent, ReportingDeadline
from reporting.selectors import deadlines, reporting_rates
from reporting.services import DEADLINE_BEFORE_END, deadline_set, report_get, report_submit

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _submitted_on(township, clerk, day: date):
    report = report_get(township=township, year=2026, quarter=1)
    report_submit(acting_user=clerk, report=report)
    ReportEvent.objects.filter(report=report).update(at=datetime.combine(day, time(9), tzinfo=SHANGHAI))


def test_the_default_deadline_is_the_10th_day_after_the_quarter(reference_data):
    assert deadlines(2026) == {
        1: date(2026, 4, 10),
        2: date(2026, 7, 10),
        3: date(2026, 10, 10),
        4: date(2027, 1, 10),
    }


def test_bureau_staff_move_a_deadline(bureau_user, clerk_a):
    deadline_set(acting_user=bureau_user, year=2026, quarter=1, deadline=date(2026, 4, 20))
    assert deadlines(2026)[1] == date(2026, 4, 20)
    with pytest.raises(PermissionDenied):
        deadline_set(acting_user=clerk_a, year=2026, quarter=1, deadline=date(2026, 4, 30))
    with pytest.raises(ValidationError) as refused:
        deadline_set(acting_user=bureau_user, year=2026, quarter=1, deadline=date(2026, 3, 31))
    assert refused.value.messages == [DEADLINE_BEFORE_END.format(end="2026-03-31")]
    assert ReportingDeadline.objects.get().deadline == date(2026, 4, 20)


def test_reporting_and_timeliness_rates(township_a, township_b, clerk_a, clerk_b):
    _submitted_on(township_a, clerk_a, date(2026, 4, 10))  # on the deadline: on time
    _submitted_on(township_b, clerk_b, date(2026, 4, 11))  # a day late
    q1 = reporting_rates(year=2026, today=date(2026, 5, 1))[0]
    assert (q1["expected"], q1["submitted"], q1["on_time"], q1["late"], q1["missing"]) == (49, 2, 1, 1, 47)
    assert q1["reporting_rate"] == 2 / 49 and q1["timeliness_rate"] == 1 / 49
    q2 = reporting_rates(year=2026, today=date(2026, 5, 1))[1]
    assert q2["reporting_rate"] is None and q2["missing"] == 0  # not ended yet


def test_the_calendar_shows_rates_and_bureau_moves_a_deadline(login, bureau_user, clerk_a):
    url = reverse("reporting:calendar")
    bureau = login(bureau_user)
    response = bureau.post(url, {"year": 2026, "quarter": 1, "deadline": "2026-04-15"})
    assert response.status_code == 302
    body = bureau.get(url, {"year": 2026}).content.decode()
    assert "2026-04-15" in body and "报送率" in body
    refused = login(clerk_a).post(url, {"year": 2026, "quarter": 1, "deadline": "2026-05-15"})
    assert refused.status_code == 403
    assert ReportingDeadline.objects.get().deadline == date(2026, 4, 15)
