"""bulk_insert (COPY on PostgreSQL, bulk_create elsewhere) and filter_in (= ANY on PostgreSQL)."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from wanzhou_jobs.bulk import bulk_insert, filter_in
from workers.models import Worker
from workers.tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def test_bulk_insert_fills_every_other_field_with_its_default(township_a):
    rows = [
        (make_id_number(date(1980, 1, 1)), "张三", "1", date(1980, 1, 1), township_a.pk),
        (make_id_number(date(1990, 5, 6)), "李四", "2", date(1990, 5, 6), township_a.pk),
    ]
    columns = ["id_number", "name", "sex", "birth_date", "township_id"]
    assert bulk_insert(Worker, columns, rows) == 2
    second, first = Worker.objects.get(name="张三"), Worker.objects.get(name="李四")
    assert (second.name, second.phone, second.village, second.version) == ("张三", "", "", 1)
    assert second.labour_capacity == Worker.LabourCapacity.FULL
    assert second.is_monitored is False and second.household_id is None
    assert second.created_at is not None and second.updated_at is not None
    assert first.birth_date == date(1990, 5, 6)


def test_bulk_insert_is_refused_whole_by_the_database_constraints(township_a):
    id_number = make_id_number(date(1980, 1, 1))
    columns = ["id_number", "name", "sex", "birth_date", "township_id"]
    row = (id_number, "张三", "1", date(1980, 1, 1), township_a.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(Worker, columns, [row, row])
    assert not Worker.objects.filter(id_number=id_number).exists()


def test_bulk_insert_names_an_unknown_column():
    with pytest.raises(KeyError):
        bulk_insert(Worker, ["no_such_field"], [("x",)])


def test_bulk_insert_of_nothing_writes_nothing():
    assert bulk_insert(Worker, ["name"], []) == 0


def test_filter_in_finds_exactly_the_given_values_in_large_numbers(township_a):
    ids = [make_id_number(date(1960, 1, 1) + timedelta(days=n)) for n in range(2500)]
    columns = ["id_number", "name", "sex", "birth_date", "township_id"]
    bulk_insert(Worker, columns, [(i, "某", "1", date(1960, 1, 1), township_a.pk) for i in ids])
    wanted = set(ids[::2]) | {make_id_number(date(2000, 1, 1))}  # one that is not there
    found = {w.id_number for w in filter_in(Worker.objects.all(), "id_number", wanted)}
    assert found == set(ids[::2])
    pks = list(Worker.objects.filter(id_number__in=ids[:10]).values_list("pk", flat=True))
    assert sorted(filter_in(Worker.objects.values_list("pk", flat=True), "pk", pks)) == sorted(pks)
    by_fk = filter_in(
        Worker.objects.values_list("pk", flat=True), "township", [township_a.pk]
    )  # a ForeignKey
    assert len(list(by_fk)) == 2500
    assert list(filter_in(Worker.objects.all(), "id_number", [])) == []
