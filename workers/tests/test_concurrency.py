"""Two clerks saving the same thing at the same moment (THREATS H1; DESIGN.md §4.1–4.2): PostgreSQL only.

Each case runs twice: once with both threads merely released together by a barrier (the race goes either
way), and once with the race forced — a second barrier holds both threads after their "does it exist yet?"
check and before their insert, so the unique index, not the check, has to decide and the service must turn
the IntegrityError into the same ValidationError a clerk would get from the check.
"""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from targets.models import Industry
from targets.services import staff_user_save
from workers.models import Employer, Employment, EmploymentForm, Worker, Workplace
from workers.services import (
    EMPLOYMENT_DUPLICATE,
    ID_NUMBER_ALREADY_REGISTERED,
    ID_NUMBER_OTHER_TOWNSHIP,
    EmploymentData,
    employment_record,
    employments,
    people,
    worker_register,
)
from workers.tests.factories import EmployerFactory, WorkerFactory, make_id_number

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT = 20


def run_together(*calls):
    """Run each call in its own thread, released at the same moment; return (result, exception) pairs."""
    start = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def runner(index, call):
        try:
            start.wait(timeout=TIMEOUT)
            outcomes[index] = (call(), None)
        except BaseException as exc:  # noqa: BLE001 - every outcome is asserted by the test
            outcomes[index] = (None, exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def hold_before_insert(monkeypatch, module, name: str, parties: int = 2) -> None:
    """Make `<module>.<name>` (called between the existence check and the insert) wait for all. The module is
    the one of `workers.services` that looks the name up: `people` registers, `employments` records."""
    barrier = threading.Barrier(parties)
    original = getattr(module, name)

    def waiting(*args, **kwargs):
        barrier.wait(timeout=TIMEOUT)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, waiting)


def split(outcomes):
    results = [result for result, exc in outcomes if exc is None]
    errors = [exc for _result, exc in outcomes if exc is not None]
    return results, errors


@pytest.fixture
def clerk_a2(township_a):
    """A second clerk of 甘宁镇, so that each thread has its own user object."""
    return staff_user_save(username="clerk_a2", role="clerk", township="甘宁镇")


@pytest.mark.parametrize("forced", [False, True], ids=["barrier", "forced-race"])
def test_same_id_registered_twice_in_other_townships(
    monkeypatch, clerk_a, clerk_b, township_a, township_b, forced
):
    if forced:
        hold_before_insert(monkeypatch, people, "id_number_info")
    id_number = make_id_number()
    outcomes = run_together(
        lambda: worker_register(acting_user=clerk_a, id_number=id_number, name="王秀英", township=township_a),
        lambda: worker_register(acting_user=clerk_b, id_number=id_number, name="王秀英", township=township_b),
    )
    results, errors = split(outcomes)
    assert len(results) == 1 and len(errors) == 1, outcomes
    winner, error = results[0], errors[0]
    assert type(error) is ValidationError, repr(error)
    assert isinstance(winner, Worker)
    stored = Worker.objects.get()
    assert (stored.pk, stored.id_number) == (winner.pk, id_number)
    assert error.message_dict == {
        "id_number": [str(ID_NUMBER_OTHER_TOWNSHIP.format(township=stored.township.name))]
    }
    assert "王秀英" not in str(error.messages)


@pytest.mark.parametrize("forced", [False, True], ids=["barrier", "forced-race"])
def test_same_id_registered_twice_in_one_township(monkeypatch, clerk_a, clerk_a2, township_a, forced):
    if forced:
        hold_before_insert(monkeypatch, people, "id_number_info")
    id_number = make_id_number()
    outcomes = run_together(
        lambda: worker_register(acting_user=clerk_a, id_number=id_number, name="王秀英", township=township_a),
        lambda: worker_register(
            acting_user=clerk_a2, id_number=id_number, name="王秀英", township=township_a
        ),
    )
    results, errors = split(outcomes)
    assert len(results) == 1 and len(errors) == 1, outcomes
    assert type(errors[0]) is ValidationError, repr(errors[0])
    assert Worker.objects.get().pk == results[0].pk
    assert errors[0].message_dict == {"id_number": [str(ID_NUMBER_ALREADY_REGISTERED.format(name="王秀英"))]}


@pytest.mark.parametrize(
    "forced, employer_exists",
    [(False, False), (False, True), (True, True)],
    ids=["barrier-new-employer", "barrier", "forced-race"],
)
def test_same_employment_recorded_twice(monkeypatch, clerk_a, clerk_a2, township_a, forced, employer_exists):
    # A forced race needs the employer to exist: a second insert of a new employer would wait for the first
    # transaction to commit, which itself waits at the barrier.
    if employer_exists:
        EmployerFactory(name="万州ABC科技有限公司")
    if forced:
        hold_before_insert(monkeypatch, employments, "_employment_values")
    person = WorkerFactory(township=township_a)
    industry = Industry.objects.get(code="02")

    def record(user, employer_name):
        data = EmploymentData(
            employer_name=employer_name,
            industry=industry,
            workplace=Workplace.IN_DISTRICT,
            workplace_township=township_a,
            form=EmploymentForm.UNIT,
            start_date=date(2025, 3, 15),
        )
        return employment_record(acting_user=user, worker=person, data=data)

    outcomes = run_together(
        lambda: record(clerk_a, "万州ABC科技有限公司"),
        lambda: record(clerk_a2, "万州 abc 科技有限公司"),
    )
    results, errors = split(outcomes)
    assert len(results) == 1 and len(errors) == 1, outcomes
    error = errors[0]
    assert type(error) is ValidationError, repr(error)
    assert error.code == "duplicate"
    assert Employment.objects.get().pk == results[0].pk
    employer = Employer.objects.get()
    assert error.messages == [str(EMPLOYMENT_DUPLICATE.format(start="2025-03-15", employer=employer.name))]


# --- A quarterly return meeting a clerk who registers one of its people at the same moment ---------------


def register_meanwhile(monkeypatch, clerk, township, numbers: list[int]) -> list[str]:
    """Each time the import merges the file's people (just before it inserts the new ones), another clerk
    registers the next of `numbers` in a transaction of their own that commits first."""
    from workers.returns import checks  # where the import looks `_merge_people` up
    from workers.tests.test_returns import id_for, name_for

    original = checks._merge_people
    pending = list(numbers)
    registered: list[str] = []

    def merge_after_a_registration(rows):
        if pending:
            n = pending.pop(0)
            outcome = run_together(
                lambda: worker_register(
                    acting_user=clerk, id_number=id_for(n), name=name_for(n), township=township
                )
            )
            assert outcome[0][1] is None, outcome
            registered.append(id_for(n))
        return original(rows)

    monkeypatch.setattr(checks, "_merge_people", merge_after_a_registration)
    return registered


def test_import_checks_again_when_a_person_is_registered_between_check_and_write(
    monkeypatch, settings, tmp_path, clerk_a, clerk_a2, township_a
):
    from workers.returns import return_run
    from workers.tests.test_returns import id_for, person, write_return

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    path = write_return(tmp_path / "return.xlsx", [person(1), person(2)])
    registered = register_meanwhile(monkeypatch, clerk_a2, township_a, [1])

    batch, plan = return_run(acting_user=clerk_a, path=path, file_name=path.name)

    assert registered == [id_for(1)]
    assert plan.ok, plan.errors
    batch.refresh_from_db()
    assert batch.status == batch.Status.IMPORTED
    # The second pass found person 1 in the ledger: one worker each, both jobs written once.
    assert sorted(Worker.objects.values_list("id_number", flat=True)) == sorted([id_for(1), id_for(2)])
    assert Employment.objects.filter(import_batch_id=batch.pk).count() == 2
    assert Worker.objects.get(id_number=id_for(1)).import_batch_id is None  # the other clerk's record


def test_import_refused_with_a_message_when_the_ledger_keeps_changing_under_it(
    monkeypatch, settings, tmp_path, clerk_a, clerk_a2, township_a
):
    from workers.returns import CONCURRENT_CHANGE, return_run
    from workers.tests.test_returns import id_for, person, write_return

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    path = write_return(tmp_path / "return.xlsx", [person(1), person(2), person(3)])
    registered = register_meanwhile(monkeypatch, clerk_a2, township_a, [1, 2])

    batch, plan = return_run(acting_user=clerk_a, path=path, file_name=path.name)

    assert registered == [id_for(1), id_for(2)]
    assert [(e.row, e.column, e.message) for e in plan.errors] == [(0, "", str(CONCURRENT_CHANGE))]
    batch.refresh_from_db()
    assert batch.status == batch.Status.REJECTED
    assert batch.errors[0]["message"] == str(CONCURRENT_CHANGE)
    assert batch.stored_path == ""
    # Only what the other clerk registered is in the ledger; nothing of the file.
    assert sorted(Worker.objects.values_list("id_number", flat=True)) == registered
    assert not Employment.objects.exists()
