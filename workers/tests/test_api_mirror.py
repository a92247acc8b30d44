"""The "done when" of issue 6: `bench/mirror.py` — a stand-alone client using only `requests` and the published
schema — mirrors the ledger incrementally from a real HTTP server (pytest-django's `live_server`) and verifies
its counts against /api/v1/progress/. Between runs records are created, updated and deleted, a quarterly
return is imported and then rolled back; after every run the mirror equals the live set exactly."""

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone

from assistance.models import Enrolment, EnrolmentCategory, ServiceKind
from assistance.tests.factories import EnrolmentFactory, ServiceRecordFactory
from targets.api import api_client_create
from targets.models import Industry
from workers.models import Employment, ImportBatch, Worker, Workplace
from workers.returns import return_rollback, return_run
from workers.services import EmploymentData, employment_delete, employment_record, employment_update
from workers.tests.factories import EmploymentFactory, HouseholdFactory, WorkerFactory
from workers.tests.test_api import data_of
from workers.tests.test_returns import person, write_return

REPO = Path(__file__).resolve().parents[2]
MIRROR = REPO / "bench" / "mirror.py"


@pytest.fixture
def api(transactional_db, reference_data, live_server, settings, tmp_path):
    settings.API_SYNC_LAG_SECONDS = 0
    settings.API_THROTTLE_RATE = "100000/minute"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    cache.clear()
    token = api_client_create(name="渝悦就业")[1]
    token_file = tmp_path / "token"
    token_file.write_text(token, encoding="utf-8")
    yield live_server.url, token, token_file
    cache.clear()


def mirror(api, tmp_path, *extra) -> tuple[dict, str]:
    """One run of bench/mirror.py as its own process: (the mirror as JSON, what it printed). No recompute is
    forced first: a change marks its year and the later ones for recompute (`progress_mark_dirty`), and the
    API's progress serves what the outbox recomputed (test_a_change_reaches_the_cumulative_figures_…)."""
    url, _token, token_file = api
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE"))}
    env.pop("WANZHOU_API_TOKEN", None)
    result = subprocess.run(
        [
            sys.executable,
            str(MIRROR),
            "--url",
            url,
            "--db",
            str(tmp_path / "mirror.sqlite3"),
            "--token-file",
            str(token_file),
            "--json",
            str(tmp_path / "mirror.json"),
            "--page-size",
            "2",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return json.loads((tmp_path / "mirror.json").read_text(encoding="utf-8")), output


def live(api, path: str, **extra) -> dict[int, dict]:
    """The live set as a fresh client sees it now: a full walk of the feed, tombstones dropped."""
    url, token, _file = api
    records, params = {}, {"page_size": 5000, **extra}
    while True:
        page = requests.get(
            url + path, params=params, headers={"Authorization": f"Token {token}"}, timeout=60
        )
        assert page.status_code == 200, page.text
        data = page.json()
        for item in data["results"]:
            if item.get("deleted"):
                records.pop(item["id"], None)
            else:
                records[item["id"]] = item
        if not data["has_more"]:
            return records
        params["cursor"] = data["cursor"]


def assert_mirror_is_live(api, copy: dict) -> None:
    employments = {item["id"]: item for item in copy["employments"]}
    workers = {item["id"]: item for item in copy["workers"]}
    assert set(employments) == set(Employment.objects.values_list("id", flat=True))
    assert set(workers) == set(Worker.objects.values_list("id", flat=True))
    assert employments == live(api, "/api/v1/employments/")
    assert workers == live(api, "/api/v1/workers/")
    assert len(copy["employments"]) == len(employments)  # no duplicates


def test_mirror_stays_exact_across_create_update_delete_import_and_rollback(
    api, tmp_path, township_a, township_b, bureau_user, clerk_a
):
    mfg, trade = Industry.objects.get(code="02"), Industry.objects.get(code="04")
    for township, industry in ((township_a, mfg), (township_a, trade), (township_b, mfg)):
        EmploymentFactory(worker=WorkerFactory(township=township), industry=industry)
    EmploymentFactory(
        worker=WorkerFactory(township=township_b), workplace=Workplace.OUT_OF_CITY, workplace_township=None
    )
    EmploymentFactory(worker=WorkerFactory(township=township_b), returnee=True, start_date=date(2026, 4, 1))

    copy, output = mirror(api, tmp_path)
    assert "full sync" in output and "MISMATCH" not in output and "verify 2025" in output
    assert_mirror_is_live(api, copy)

    # Create, update (a job moved to another industry and year), delete.
    created = employment_record(
        acting_user=bureau_user,
        worker=WorkerFactory(township=township_b),
        data=EmploymentData(
            employer_name="万州镜像测试有限公司",
            industry=trade,
            workplace=Workplace.IN_DISTRICT,
            workplace_township=township_b,
            form="单位就业",
            start_date=date(2025, 9, 1),
        ),
    )
    changed = Employment.objects.order_by("id").first()
    employment_update(
        acting_user=bureau_user,
        employment=changed,
        data=data_of(changed, industry=trade, returnee=True, start_date=date(2026, 2, 3)),
    )
    gone = Employment.objects.exclude(pk__in=[created.pk, changed.pk]).order_by("-id").first()
    employment_delete(acting_user=bureau_user, employment=gone)

    copy, output = mirror(api, tmp_path)
    assert "resumed" in output and "MISMATCH" not in output
    assert_mirror_is_live(api, copy)
    mirrored = {item["id"]: item for item in copy["employments"]}
    assert created.pk in mirrored and gone.pk not in mirrored
    assert (mirrored[changed.pk]["industry_code"], mirrored[changed.pk]["start_date"]) == ("04", "2026-02-03")

    # A quarterly return imported by the clerk: new people and their jobs …
    path = write_return(
        tmp_path / "q3.xlsx", [person(n, **{"就业时间": "2025-08-0" + str(n)}) for n in (1, 2, 3)]
    )
    batch, _plan = return_run(acting_user=clerk_a, path=path, file_name=path.name)
    assert batch.status == ImportBatch.Status.IMPORTED
    imported = set(Employment.objects.filter(import_batch_id=batch.pk).values_list("id", flat=True))
    assert len(imported) == 3
    copy, output = mirror(api, tmp_path)
    assert "MISMATCH" not in output
    assert_mirror_is_live(api, copy)
    assert imported <= {item["id"] for item in copy["employments"]}

    # … then rolled back by the bureau: tombstones take the jobs and the people out of the mirror.
    return_rollback(batch=batch, acting_user=bureau_user, reason="报表有误，撤销重报")
    copy, output = mirror(api, tmp_path)
    assert "MISMATCH" not in output
    assert_mirror_is_live(api, copy)
    assert not imported & {item["id"] for item in copy["employments"]}

    # Nothing changed: the stored cursor brings nothing, and the counts still agree.
    _copy, output = mirror(api, tmp_path)
    assert "0 upserted, 0 tombstones applied" in output
    with sqlite3.connect(tmp_path / "mirror.sqlite3") as db:
        assert {feed for (feed,) in db.execute("SELECT feed FROM sync_state")} == {
            "workers",
            "employments",
            "enrolments",
            "employment_status",
            "household_coverage",
            f"routine_status/{date.today().year}",
        }


def test_mirror_fails_loudly_on_a_revoked_token_or_a_count_mismatch(api, tmp_path, township_a):
    EmploymentFactory(worker=WorkerFactory(township=township_a))
    copy, _output = mirror(api, tmp_path)
    # A mirror that lost a record disagrees with /progress/ (exit 1) …
    with sqlite3.connect(tmp_path / "mirror.sqlite3") as db:
        db.execute("DELETE FROM employments")
    with pytest.raises(AssertionError, match="district count: server 1, mirror 0"):
        mirror(api, tmp_path)
    # … and a revoked token ends the run with the server's message (exit 2), never a traceback.
    from targets.api import api_client_revoke

    api_client_revoke(name="渝悦就业")
    with pytest.raises(AssertionError, match="401") as failure:
        mirror(api, tmp_path)
    assert "Traceback" not in str(failure.value)


def test_a_change_reaches_the_cumulative_figures_of_later_years(api, tmp_path, township_a, bureau_user):
    """2026's cumulative count and distinct people include 2025: a 2025 job must reach them, not only 2025."""
    EmploymentFactory(worker=WorkerFactory(township=township_a), start_date=date(2026, 3, 1))
    mirror(api, tmp_path)
    employment_record(
        acting_user=bureau_user,
        worker=WorkerFactory(township=township_a),
        data=EmploymentData(
            employer_name="万州累计测试有限公司",
            industry=Industry.objects.get(code="02"),
            workplace=Workplace.IN_DISTRICT,
            workplace_township=township_a,
            form="单位就业",
            start_date=date(2025, 3, 1),
        ),
    )
    _copy, output = mirror(api, tmp_path)
    assert "MISMATCH" not in output


ASSISTANCE = {
    "enrolments": "/api/v1/enrolments/",
    "employment_status": "/api/v1/employment-status/",
    "household_coverage": "/api/v1/household-coverage/",
}


def assert_assistance_is_live(api, copy: dict, year: int) -> None:
    for feed, path in ASSISTANCE.items():
        assert {item["id"]: item for item in copy[feed]} == live(api, path), feed
    routine = copy[f"routine_status/{year}"]
    assert {item["id"]: item for item in routine} == live(api, "/api/v1/routine-status/", year=year)


def test_mirror_keeps_the_assistance_feeds_with_their_stored_cursors(api, tmp_path, township_a, township_b):
    """Issue 26: the enrolments, employment status, household coverage and 1131 status are mirrored; a job
    that ends, a service given, a category changed and a person newly enrolled reach the mirror on the next
    run, which resumes from the stored cursors."""
    house = HouseholdFactory(township=township_a)
    people = [WorkerFactory(township=township_a, household=house) for _ in range(3)]
    job = EmploymentFactory(worker=people[0], start_date=date(2025, 3, 1))
    for worker in people:
        EnrolmentFactory(worker=worker)
    ServiceRecordFactory(worker=people[1], kind=ServiceKind.POLICY, date=date(2025, 5, 1))

    copy, output = mirror(api, tmp_path, "--year", "2025")
    assert "routine_status/2025: full sync" in output and "MISMATCH" not in output
    assert_assistance_is_live(api, copy, 2025)
    assert len(copy["enrolments"]) == len(copy["employment_status"]) == len(copy["routine_status/2025"]) == 3
    assert [item["employed"] for item in copy["household_coverage"]] == [1]

    Employment.objects.filter(pk=job.pk).update(end_date=date(2025, 6, 30), updated_at=timezone.now())
    ServiceRecordFactory(worker=people[2], kind=ServiceKind.JOB_PUSH, date=date(2025, 7, 1))
    Enrolment.objects.filter(worker=people[1]).update(
        category=EnrolmentCategory.CONTINUED_SUPPORT, updated_at=timezone.now()
    )
    newcomer = EnrolmentFactory(worker=WorkerFactory(township=township_b)).worker

    copy, output = mirror(api, tmp_path, "--year", "2025")
    assert "routine_status/2025: resumed" in output and "enrolments: resumed" in output
    assert_assistance_is_live(api, copy, 2025)
    status = {item["id"]: item for item in copy["employment_status"]}
    assert (status[people[0].pk]["status"], status[people[0].pk]["unemployed_since"]) == (
        "unemployed",
        "2025-07-01",
    )
    assert newcomer.pk in status
    routine = {item["id"]: item for item in copy["routine_status/2025"]}
    assert (routine[people[2].pk]["job_push"], routine[people[1].pk]["policy"]) == (1, 1)
    assert {item["person"]["name"]: item["category"] for item in copy["enrolments"]}[people[1].name] == (
        "继续帮扶对象"
    )
    assert [item["employed"] for item in copy["household_coverage"] if item["id"] == house.pk] == [0]

    _copy, output = mirror(api, tmp_path, "--year", "2025")
    assert "routine_status/2025: resumed, 1 pages, 0 upserted" in output
