"""Monitoring-list pages: the bureau's upload → confirmation → report flow, a clerk's own township only, the
drill-down .xlsx equal to the page's figures, and the roles that may not open them."""

import io

import openpyxl
import pytest
from django.urls import reverse

from assistance.models import Enrolment
from monitoring import selectors
from monitoring.models import MonitoringList
from monitoring.tests.builders import list_rows, workbook
from workers.models import Worker

pytestmark = pytest.mark.django_db

TOWNSHIPS = ["甘宁镇", "分水镇"]


def _upload(client, rows, day="2026-06-30"):
    return client.post(reverse("monitoring:upload"), {"list_date": day, "file": workbook(rows)})


@pytest.fixture
def applied(login, bureau_user):
    client = login(bureau_user)
    response = _upload(client, list_rows(range(20), TOWNSHIPS))
    snapshot = MonitoringList.objects.get()
    assert response.status_code == 302 and response.url == reverse("monitoring:confirm", args=[snapshot.pk])
    page = client.get(response.url)
    assert "纳入帮扶 20 人" in page.content.decode()
    assert not Enrolment.objects.exists()
    response = client.post(response.url, {"action": "apply"})
    assert response.url == reverse("monitoring:report", args=[snapshot.pk])
    client.logout()
    return MonitoringList.objects.get()


def test_bureau_flow_and_report(applied, login, bureau_user):
    assert Enrolment.objects.count() == 20 and applied.status == "applied"
    client = login(bureau_user)
    page = client.get(reverse("monitoring:report", args=[applied.pk])).content.decode()
    assert "甘宁镇" in page and "分水镇" in page
    index = client.get(reverse("monitoring:index")).content.decode()
    assert "2026-06-30" in index


def test_a_file_with_errors_shows_them_and_stores_nothing(login, bureau_user):
    rows = list_rows(range(3), TOWNSHIPS)
    rows[1][5] = "低保"
    response = _upload(login(bureau_user), rows)
    assert response.status_code == 400
    assert "未导入任何数据" in response.content.decode()
    assert not MonitoringList.objects.exists()


def test_discard_changes_nothing(login, bureau_user):
    client = login(bureau_user)
    response = _upload(client, list_rows(range(3), TOWNSHIPS))
    client.post(response.url, {"action": "discard"})
    assert MonitoringList.objects.get().status == "discarded"
    assert not Worker.objects.exists() and not Enrolment.objects.exists()


def test_clerk_sees_own_township_only(applied, login, clerk_b, township_a, township_b):
    client = login(clerk_b)
    page = client.get(reverse("monitoring:report", args=[applied.pk])).content.decode()
    assert "分水镇" in page and "甘宁镇" not in page
    url = reverse("monitoring:gap_no_job", args=[applied.pk])
    assert client.get(url, {"township": township_a.code}).status_code == 404
    listed = client.get(url).content.decode()
    names_a = Worker.objects.filter(township=township_a).values_list("name", flat=True)
    assert not any(f">{name}<" in listed for name in names_a)
    assert client.get(reverse("monitoring:upload")).status_code == 403
    assert client.get(reverse("monitoring:confirm", args=[applied.pk])).status_code == 403


def test_xlsx_holds_the_gap_people_masked(applied, login, bureau_user):
    client = login(bureau_user)
    response = client.get(reverse("monitoring:gap_no_job", args=[applied.pk]), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [r for r in sheet.iter_rows(values_only=True)][3:]
    figures = selectors.comparison_figures(snapshot=applied)
    assert len(rows) == sum(f["no_job"] for f in figures.values()) == 20
    ids = set(Worker.objects.values_list("id_number", flat=True))
    assert not ids & {cell for row in rows for cell in row}
    assert all("********" in row[5] for row in rows)


def test_industry_and_reviewer_cannot_open(applied, login, industry_user):
    client = login(industry_user)
    assert client.get(reverse("monitoring:report", args=[applied.pk])).status_code == 403
    assert client.get(reverse("monitoring:index")).status_code == 403


def test_status_export_in_the_lists_keys_for_bureau_only(applied, login, bureau_user, clerk_b, township_b):
    from monitoring.exports import STATUS_HEADERS

    client = login(bureau_user)
    url = reverse("monitoring:status_export", args=[applied.pk])
    response = client.get(url, {"township": township_b.code})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == STATUS_HEADERS
    expected = set(applied.entries.filter(township=township_b).values_list("household_number", "id_number"))
    assert {(r[0], r[3]) for r in rows[1:]} == expected and expected
    assert {r[8] for r in rows[1:]} == {"否"}  # nobody has a job in the ledger
    from auditlog.models import LogEntry

    assert LogEntry.objects.filter(
        additional_data__event="export", additional_data__township=township_b.pk
    ).exists()
    client.logout()
    assert login(clerk_b).get(url).status_code == 403


def test_key_task_board_shows_the_latest_lists_figures_with_their_drill_downs(applied, login, bureau_user):
    """Issue 26, item 2: "figures on the key-task board" — the district's counts of the latest applied list,
    each linking to its drill-down, equal to the report's per-township figures summed."""
    client = login(bureau_user)
    totals = selectors.comparison_totals()
    assert totals["snapshot"] == applied and totals["people"] == 20
    figures = selectors.comparison_figures(snapshot=applied).values()
    page = client.get(reverse("assistance:board")).content.decode()
    for gap in selectors.GAPS:
        count = sum(row[gap] for row in figures)
        link = reverse(f"monitoring:gap_{gap}", args=[applied.pk])
        assert (
            f'<tr data-gap="{gap}"><td>{selectors.GAPS[gap]}</td><td class="num"><a href="{link}">{count}</a>'
            in page
        )
        assert client.get(link).status_code == 200
    # Everyone on this list is without a job in the ledger: the drill-down's count is the list's size.
    assert {g["gap"]: g["count"] for g in totals["gaps"]}["no_job"] == 20


def test_key_task_board_without_a_list_says_so(login, bureau_user):
    page = login(bureau_user).get(reverse("assistance:board")).content.decode()
    assert "还没有应用的监测名单。" in page
