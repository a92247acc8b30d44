"""The comparison of a list with the ledger (issue 26, item 2): every figure equals a recount by hand."""

from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.utils import timezone

from monitoring import selectors, services
from monitoring.tests.builders import list_rows, person_id, workbook
from workers.models import Worker, Workplace
from workers.tests.factories import EmploymentFactory

pytestmark = pytest.mark.django_db

TOWNSHIPS = ["甘宁镇", "分水镇", "龙驹镇"]


@pytest.fixture
def snapshot(bureau_user):
    rows = list_rows(range(60), TOWNSHIPS)  # 12 households of 5, over 3 townships; every 4th marked working
    result = services.monitoring_list_upload(
        acting_user=bureau_user, file_obj=workbook(rows), file_name="名单.xlsx", list_date=date(2026, 6, 30)
    )
    assert result.ok, result.errors
    snapshot = services.monitoring_list_apply(acting_user=bureau_user, snapshot=result.snapshot)
    today = timezone.localdate()
    worker = {n: Worker.objects.get(id_number=person_id(n)) for n in range(60)}
    for n in range(0, 30, 3):  # in work in the district today (households 6-11 have no one in it)
        EmploymentFactory(worker=worker[n], start_date=date(2025, 3, 1))
    for n in range(1, 60, 7):  # in work outside the district today
        EmploymentFactory(worker=worker[n], start_date=date(2025, 4, 1), workplace=Workplace.OUT_OF_CITY)
    for n in range(2, 60, 5):  # a job that ended 30 days ago, and one that ended 200 days ago
        EmploymentFactory(worker=worker[n], start_date=date(2025, 1, 2), end_date=today - timedelta(days=30))
        EmploymentFactory(worker=worker[n], start_date=date(2025, 1, 3), end_date=today - timedelta(days=200))
    return snapshot


def _recount(snapshot, today):
    """The figures counted by hand from the rows, one person at a time."""
    figures = defaultdict(lambda: defaultdict(int))
    households = defaultdict(list)
    for entry in snapshot.entries.select_related("worker"):
        jobs = list(entry.worker.employments.all())
        active = [j for j in jobs if j.start_date <= today and (j.end_date is None or j.end_date >= today)]
        ended = [j for j in jobs if j.end_date and today - timedelta(days=90) <= j.end_date < today]
        f = figures[entry.township_id]
        f["people"] += 1
        f["no_job"] += not active
        f["ended_recently"] += bool(not active and ended)
        f["outside"] += any(j.workplace != Workplace.IN_DISTRICT for j in active)
        f["unknown_working"] += bool(active and entry.list_working is not True)
        households[(entry.township_id, entry.household_number)].append((entry.worker, bool(active)))
    for (township_id, _number), members in households.items():
        f = figures[township_id]
        f["all_households"] += 1
        capable = any(w.labour_capacity != Worker.LabourCapacity.NONE for w, _a in members)
        f["households"] += capable and not any(a for _w, a in members)
    return {k: dict(v) for k, v in figures.items()}


def test_figures_equal_a_recount(snapshot):
    today = timezone.localdate()
    figures = selectors.comparison_figures(snapshot=snapshot)
    assert figures == _recount(snapshot, today)
    assert all(sum(f[gap] for f in figures.values()) for gap in selectors.GAPS)  # every gap has people
    for gap in selectors.PEOPLE_GAPS:
        assert selectors.gap_people(snapshot=snapshot, gap=gap).count() == sum(
            f[gap] for f in figures.values()
        )
    assert len(selectors.gap_households(snapshot=snapshot)) == sum(f["households"] for f in figures.values())


def test_a_household_with_one_member_in_work_is_not_a_gap(snapshot):
    numbers = {h["household_number"] for h in selectors.gap_households(snapshot=snapshot)}
    # Household 0 (people 0-4): person 0 works in the district, so the household meets the rule.
    assert "H0000000" not in numbers


def test_township_filter(snapshot, township_a):
    figures = selectors.comparison_figures(snapshot=snapshot, township_ids=[township_a.pk])
    assert list(figures) == [township_a.pk]
    people = selectors.gap_people(snapshot=snapshot, gap="no_job", township_ids=[township_a.pk])
    assert {e.township_id for e in people} == {township_a.pk}
