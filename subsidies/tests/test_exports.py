"""Exports: the public-notice list (masked), the payment list (bureau only, full), yearly totals; all open in
Excel and no cell can become a formula."""

from datetime import timedelta
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from subsidies import services
from subsidies.models import Application

from .conftest import entrepreneur, startup_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_notice(kinds, clerk_a, clerk_a2, reviewer_user, household_a, township_a):
    worker, job = entrepreneur(township_a, household_a)
    worker.name = '=HYPERLINK("http://x","点击")'
    worker.save()
    application = services.application_create(
        acting_user=clerk_a, data=startup_data(kinds, worker, job, 3000)
    )
    services.application_submit(acting_user=clerk_a, application=application)
    services.application_township_approve(acting_user=clerk_a2, application=application)
    services.application_district_approve(acting_user=reviewer_user, application=application)
    services.application_notice_start(acting_user=reviewer_user, application=application)
    return application


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(BytesIO(response.content))


def cells(wb):
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


def test_notice_list_masks_id_numbers(login, in_notice, clerk_a):
    wb = workbook(login(clerk_a).get(reverse("subsidies:notice") + "?format=xlsx"))
    values = [c.value for c in cells(wb)]
    worker = in_notice.worker
    assert worker.masked_id_number in values and worker.id_number not in values
    name_cell = next(c for c in cells(wb) if c.value == worker.name)
    assert name_cell.data_type == "s"  # text, never a formula (THREATS E5)
    page = login(clerk_a).get(reverse("subsidies:notice")).content.decode()
    assert worker.masked_id_number in page and worker.id_number not in page


def test_notice_list_of_another_township_is_empty(login, in_notice, clerk_b):
    wb = workbook(login(clerk_b).get(reverse("subsidies:notice") + "?format=xlsx"))
    assert in_notice.worker.masked_id_number not in [c.value for c in cells(wb)]


def test_payment_list_for_finance_has_full_details(login, in_notice, bureau_user, reviewer_user):
    Application.objects.filter(pk=in_notice.pk).update(notice_end=timezone.localdate() - timedelta(days=1))
    services.application_notice_end(acting_user=reviewer_user, application=in_notice)
    wb = workbook(login(bureau_user).get(reverse("subsidies:payment_export")))
    values = [c.value for c in cells(wb)]
    assert in_notice.worker.id_number in values and in_notice.number in values
    assert "补贴发放清单（待发放）" in values


def test_yearly_totals_by_kind_and_township(login, in_notice, bureau_user, clerk_b):
    wb = workbook(login(bureau_user).get(reverse("subsidies:totals_export") + "?year=2025"))
    rows = [[c.value for c in row] for row in wb.active.iter_rows()]
    assert ["创业补贴", "甘宁镇", 1, 3000, 3000, 0] in rows
    wb = workbook(login(clerk_b).get(reverse("subsidies:totals_export") + "?year=2025"))
    assert not any("甘宁镇" in [c.value for c in row] for row in wb.active.iter_rows())
