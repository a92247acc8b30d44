"""bulk_insert (COPY on PostgreSQL, bulk_create elsewhere) and filter_in (= ANY on PostgreSQL)."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from wanzhou_jobs.bulk import StartedInsert, bulk_insert, filter_in
from workers.models import Worker
from workers.tests.factories import make_id_number

pytestmark = pytest.mark.django_db

COLUMNS = ["id_number", "name", "sex", "birth_date", "township_id"]


def worker_row(township, days: int = 0, name: str = "张三") -> tuple:
    birth = date(1980, 1, 1) + timedelta(days=days)
    return (make_id_number(birth), name, "1", birth, township.pk)


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


def test_started_insert_rows_are_there_after_wait(township_a):
    rows = [worker_row(township_a, n) for n in range(300)]
    with transaction.atomic():
        started = StartedInsert(Worker, COLUMNS, rows)
        started.wait()
        assert Worker.objects.filter(id_number__in=[r[0] for r in rows]).count() == 300
    started.wait()  # a second wait is harmless
    assert Worker.objects.filter(id_number__in=[r[0] for r in rows]).count() == 300


def test_started_insert_rolls_back_with_the_transaction(township_a):
    rows = [worker_row(township_a, n) for n in range(10)]
    with pytest.raises(LookupError), transaction.atomic():
        StartedInsert(Worker, COLUMNS, rows).wait()
        raise LookupError("the caller fails after the insert")
    assert not Worker.objects.filter(id_number__in=[r[0] for r in rows]).exists()


def test_started_insert_raises_djangos_integrity_error_on_wait(township_a):
    row = worker_row(township_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        StartedInsert(Worker, COLUMNS, [row, row]).wait()
    assert not Worker.objects.filter(id_number=row[0]).exists()


@pytest.mark.postgres
def test_started_insert_checks_foreign_keys_before_wait_returns(township_a):
    """The foreign keys are checked on the insert's thread (not left to the commit)."""
    row = worker_row(township_a)[:4] + (987654,)  # no such township
    with transaction.atomic():
        started = StartedInsert(Worker, COLUMNS, [row])
        with pytest.raises(IntegrityError):
            started.wait()
        transaction.set_rollback(True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_started_insert_belongs_inside_a_transaction(township_a):
    with pytest.raises(RuntimeError):
        StartedInsert(Worker, COLUMNS, [worker_row(township_a)])
    assert not Worker.objects.exists()
