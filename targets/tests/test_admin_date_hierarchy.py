"""The date hierarchy of a change list offers the years from the list's earliest to its latest date, read
from the ends of the date's index (issue 27), scoped like the list; the months of a year as Django reads them."""

from datetime import date

import pytest
from django.urls import reverse

from targets.admin_scoping import _YearsFromEnds
from workers.models import Employment
from workers.tests.factories import EmploymentFactory, WorkerFactory

pytestmark = pytest.mark.django_db

URL = "admin:workers_employment_changelist"


def test_years_run_from_the_earliest_to_the_latest_date_of_the_list(
    login, bureau_user, clerk_a, township_a, township_b
):
    mine = WorkerFactory(township=township_a)
    EmploymentFactory(worker=mine, start_date=date(2025, 3, 1))
    other = WorkerFactory(township=township_b)
    EmploymentFactory(worker=other, start_date=date(2026, 5, 2))
    assert _YearsFromEnds(Employment.objects.all()).dates("start_date", "year") == [
        date(2025, 1, 1),
        date(2026, 1, 1),
    ]
    assert _YearsFromEnds(Employment.objects.all()).dates("start_date", "year", "DESC")[0] == date(2026, 1, 1)
    assert _YearsFromEnds(Employment.objects.none()).dates("start_date", "year") == []

    body = login(bureau_user).get(reverse(URL)).content.decode()
    assert "?start_date__year=2025" in body and "?start_date__year=2026" in body
    months = login(bureau_user).get(reverse(URL), {"start_date__year": 2026}).content.decode()
    assert "start_date__month=5" in months and "start_date__month=3" not in months
    clerk = login(clerk_a).get(reverse(URL)).content.decode()
    assert "?start_date__year=2025" in clerk and "?start_date__year=2026" not in clerk
