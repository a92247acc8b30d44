"""Names as the household register writes them through every door (issue 25, build item 3).

Forty rare characters (Extensions A–E among them), 李〇 and twelve minority names (`tests/rare_names.py`)
go in through the admin form and a return in every accepted format — .xlsx, .xls and .ods saved by
LibreOffice, CSV in UTF-8 and GB18030 — and come out unchanged through the API's JSON and both streamed
exports, the ledger export (which imports back as unchanged), the return's error report, the subsidy
notice and payment list, the audit log and its search, the admin search and autocomplete; the briefing
names no one. Run on SQLite and on PostgreSQL (DATABASE_URL), where `icontains` is UPPER(…) LIKE.
"""

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import STRONG_PASSWORD
from targets.api import api_client_create
from targets.audit import mask_value
from tests.libreoffice import convert
from tests.rare_names import MINORITY_NAMES, RARE_CHARACTERS, rare_names
from workers.models import ImportBatch, Worker
from workers.resources import H_INDUSTRY, H_NAME
from workers.returns import return_summary
from workers.services import worker_register
from workers.tests.factories import EmploymentFactory, HouseholdFactory
from workers.tests.test_return_formats import write_csv
from workers.tests.test_returns import id_for, person, write_return

pytestmark = pytest.mark.django_db

NAMES = rare_names()
STORED = [stored for _written, stored in NAMES]


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.API_SYNC_LAG_SECONDS = 0
    settings.API_THROTTLE_RATE = "100000/minute"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(clerk_a, township_a) -> list[Worker]:
    """Every test name registered in 甘宁镇 through the service, each with a job."""
    workers = []
    for n, (written, _stored) in enumerate(NAMES, start=1):
        worker = worker_register(acting_user=clerk_a, id_number=id_for(n), name=written, township=township_a)
        EmploymentFactory(worker=worker)
        workers.append(worker)
    return workers


def stored_names() -> list[str]:
    return list(Worker.objects.order_by("id_number").values_list("name", flat=True))


def expected_names() -> list[str]:
    by_id = {id_for(n): stored for n, (_written, stored) in enumerate(NAMES, start=1)}
    return [by_id[key] for key in sorted(by_id)]


def return_rows(**overrides) -> list[dict]:
    return [
        person(n, **{H_NAME: written, **overrides}) for n, (written, _stored) in enumerate(NAMES, start=1)
    ]


def xlsx_values(content: bytes) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


# --- Doors in -------------------------------------------------------------------------------------------------


def test_the_admin_form_stores_and_shows_every_name(login, clerk_a):
    client = login(clerk_a)
    for n, (written, stored) in enumerate(NAMES, start=1):
        data = {
            "id_number": id_for(n),
            "name": written,
            "phone": "",
            "village": "",
            "household": "",
            "labour_capacity": "full",
            "skill_level": "none",
            "training_wish": "",
            "job_intention": "",
            "edit_version": "",
            "employments-TOTAL_FORMS": "0",
            "employments-INITIAL_FORMS": "0",
            "employments-MIN_NUM_FORMS": "0",
            "employments-MAX_NUM_FORMS": "1000",
        }
        response = client.post(reverse("admin:workers_worker_add"), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        worker = Worker.objects.get(id_number=id_for(n))
        assert worker.name == stored
        page = client.get(reverse("admin:workers_worker_change", args=[worker.pk])).content.decode()
        assert f'value="{stored}"' in page
    assert stored_names() == expected_names()
    changelist = client.get(reverse("admin:workers_worker_changelist"), {"all": ""}).content.decode()
    assert all(name in changelist for name in STORED)


def test_the_admin_form_refuses_with_the_code_point(login, clerk_a):
    data = {"id_number": id_for(1), "name": "李O", "labour_capacity": "full", "skill_level": "none"}
    data |= {"employments-TOTAL_FORMS": "0", "employments-INITIAL_FORMS": "0"}
    page = login(clerk_a).post(reverse("admin:workers_worker_add"), data).content.decode()
    assert "姓名第 2 个字“O”（U+004F）是拉丁字母，不是汉字“〇”（U+3007），请核对。" in page
    assert not Worker.objects.exists()


def upload(client, path: Path) -> ImportBatch:
    client.post(
        reverse("workers:return_upload"),
        {"file": SimpleUploadedFile(path.name, path.read_bytes()), "year": "2025", "quarter": "1"},
    )
    return ImportBatch.objects.order_by("-pk").first()


def assert_imported(client, path: Path):
    batch = upload(client, path)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    client.post(reverse("workers:return_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.rows_new, batch.rows_rejected) == (len(NAMES), 0), return_summary(batch)
    assert stored_names() == expected_names()


def test_an_xlsx_return_stores_every_name(login, clerk_a, tmp_path):
    assert_imported(login(clerk_a), write_return(tmp_path / "甘宁镇.xlsx", return_rows()))


@pytest.mark.parametrize("extension", ["xls", "ods"])
def test_a_return_saved_by_libreoffice_stores_every_name(login, clerk_a, tmp_path, extension):
    original = write_return(tmp_path / "甘宁镇.xlsx", return_rows())
    (converted,) = convert([original], extension, tmp_path / extension)
    assert_imported(login(clerk_a), converted)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_csv_return_stores_every_name(login, clerk_a, tmp_path, encoding):
    assert_imported(login(clerk_a), write_csv(tmp_path / "甘宁镇.csv", return_rows(), encoding=encoding))


def test_a_gb18030_2022_csv_stores_the_ideographs_gb18030_2005_left_in_private_use(login, clerk_a, tmp_path):
    # 0xFE59 is 龴 (U+9FB4) in GB 18030-2022; Python's gb18030 codec reads it as U+E81E.
    rows = [person(1, **{H_NAME: "王龴"})]
    path = write_csv(tmp_path / "甘宁镇.csv", rows, encoding="gb18030")
    raw = path.read_bytes().replace("王龴".encode("gb18030"), "王".encode("gb18030") + b"\xfe\x59")
    path.write_bytes(raw)
    batch = upload(login(clerk_a), path)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    login(clerk_a).post(reverse("workers:return_confirm", args=[batch.pk]))
    assert Worker.objects.get().name == "王\u9fb4"


def test_the_error_report_keeps_every_name_as_written(login, clerk_a, tmp_path):
    client = login(clerk_a)
    batch = upload(client, write_return(tmp_path / "甘宁镇.xlsx", return_rows(**{H_INDUSTRY: "航天业"})))
    assert batch.status == ImportBatch.Status.REJECTED
    report = client.get(reverse("workers:return_errors", args=[batch.pk]))
    assert report.status_code == 200
    values = xlsx_values(report.content)
    assert all(written in values for written, _stored in NAMES)


def test_a_refused_name_in_a_return_gives_the_code_point(login, clerk_a, tmp_path):
    batch = upload(login(clerk_a), write_return(tmp_path / "甘宁镇.xlsx", [person(1, **{H_NAME: "王𠮷😀"})]))
    assert batch.status == ImportBatch.Status.REJECTED
    messages = [error["message"] for error in batch.errors]
    assert "姓名第 3 个字“😀”（U+1F600）是符号或表情，不能用于姓名，请核对。" in messages


def test_a_compatibility_ideograph_in_a_return_is_kept_as_written(login, clerk_a, tmp_path):
    # As in the admin form: NFKC would store 郎 (U+90CE) for the register's 郎 (U+F92C).
    batch = upload(
        login(clerk_a), write_return(tmp_path / "甘宁镇.xlsx", [person(1, **{H_NAME: "王\uf92c"})])
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    login(clerk_a).post(reverse("workers:return_confirm", args=[batch.pk]))
    assert Worker.objects.get().name == "王\uf92c"


def test_an_invisible_character_in_a_return_name_is_refused_with_its_code_point(login, clerk_a, tmp_path):
    batch = upload(
        login(clerk_a), write_return(tmp_path / "甘宁镇.xlsx", [person(1, **{H_NAME: "王\u200b𠮷"})])
    )
    messages = [error["message"] for error in batch.errors]
    assert (
        "姓名第 2 个字符（U+200B）是看不见的字符（如零宽空格、控制字符），请删除后重新输入姓名。" in messages
    )


# --- Doors out ------------------------------------------------------------------------------------------------


def api_get(client, path, token, **params):
    return client.get(path, params, HTTP_AUTHORIZATION=f"Token {token}")


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize("unmasked", [False, True], ids=["masked", "unmasked"])
def test_the_api_json_and_both_streamed_exports_carry_every_name(client, people, unmasked):
    token = api_client_create(name="渝悦就业", unmasked=unmasked)[1]
    employments = api_get(client, "/api/v1/employments/", token, page_size=500).json()["results"]
    assert sorted(item["name"] for item in employments) == sorted(STORED)
    response = api_get(client, "/api/v1/workers/", token, page_size=500)
    assert response["Content-Type"].startswith("application/json")
    assert sorted(item["name"] for item in response.json()["results"]) == sorted(STORED)

    ndjson = streamed(api_get(client, "/api/v1/employments/export.ndjson", token))
    assert sorted(json.loads(line)["name"] for line in ndjson.splitlines()) == sorted(STORED)
    rows = csv.DictReader(io.StringIO(streamed(api_get(client, "/api/v1/employments/export.csv", token))))
    assert sorted(row["name"] for row in rows) == sorted(STORED)


def test_the_ledger_export_carries_every_name_and_imports_back_unchanged(login, clerk_a, people):
    client = login(clerk_a)
    export = client.get(reverse("workers:ledger_export"))
    assert export.status_code == 200
    values = xlsx_values(export.content)
    assert all(name in values for name in STORED)
    batch = upload(client, _saved(export.content, "export.xlsx"))
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert (batch.rows_new, batch.rows_unchanged, batch.rows_updated) == (0, len(NAMES), 0)


def _saved(content: bytes, name: str) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / name
    path.write_bytes(content)
    return path


def test_the_admin_search_and_autocomplete_find_every_rare_character(login, clerk_a, people):
    client = login(clerk_a)
    changelist = reverse("admin:workers_worker_changelist")
    autocomplete = reverse("admin:autocomplete")
    for char in [*RARE_CHARACTERS, "〇"]:
        (name,) = [name for name in STORED if char in name]
        results = client.get(changelist, {"q": char}).content.decode().split('id="result_list"')[1]
        assert f">{name}<" in results, char
        answer = client.get(
            autocomplete,
            {"app_label": "workers", "model_name": "employment", "field_name": "worker", "term": char},
        ).json()
        assert [result["text"].split("（")[0] for result in answer["results"]] == [name], char
    for written, stored in MINORITY_NAMES:
        # Searched as written, with whichever separator: found as stored.
        results = client.get(changelist, {"q": written}).content.decode().split('id="result_list"')[1]
        assert f">{stored}<" in results, written


def test_the_audit_log_and_its_search_show_every_name(login, bureau_user, people):
    client = login(bureau_user)
    for written, stored in NAMES:
        # The log page's search by person: the name as written (any separator) finds the stored person.
        page = client.get(reverse("targets:audit"), {"person": written}).content.decode()
        table = page.split('id="audit-table"')[1]
        assert f"{stored}（" in table, written
    changelist = reverse("admin:auditlog_logentry_changelist")
    for char in RARE_CHARACTERS:
        (name,) = [name for name in STORED if char in name]
        page = client.get(changelist, {"q": char}).content.decode()
        assert f"{name}（" in page.split('id="result_list"')[1], char


def test_a_masked_name_is_masked_by_characters_not_by_bytes_or_utf16_units():
    # The audit log's mask (targets.audit.mask_value) is the one place a name can be masked.
    assert mask_value("王𠮷") == "**"
    assert mask_value("买买提·艾力") == "******"


@pytest.fixture
def kinds(reference_data):
    from subsidies.models import SubsidyKind

    return {kind.code: kind for kind in SubsidyKind.objects.all()}


@pytest.fixture
def clerk_a2(township_a):
    from targets.services import staff_user_save

    return staff_user_save(username="clerk_a2", role="clerk", township="甘宁镇", password=STRONG_PASSWORD)


def test_the_subsidy_notice_and_payment_list_carry_every_name(
    login, kinds, clerk_a, clerk_a2, reviewer_user, bureau_user, people
):
    from subsidies import services
    from subsidies.models import Application
    from subsidies.tests.conftest import make_credit_code, startup_data
    from workers.models import EmploymentForm
    from workers.tests.factories import EmployerFactory

    applications = []
    for worker in people:
        # The startup subsidy is capped per household.
        Worker.objects.filter(pk=worker.pk).update(household=HouseholdFactory(township=worker.township))
        worker.refresh_from_db()
        job = EmploymentFactory(
            worker=worker,
            employer=EmployerFactory(credit_code=make_credit_code()),
            form=EmploymentForm.SELF_EMPLOYED,
            start_date=timezone.localdate().replace(year=2025, month=3, day=1),
        )
        application = services.application_create(
            acting_user=clerk_a, data=startup_data(kinds, worker, job, 3000)
        )
        services.application_submit(acting_user=clerk_a, application=application)
        services.application_township_approve(acting_user=clerk_a2, application=application)
        services.application_district_approve(acting_user=reviewer_user, application=application)
        services.application_notice_start(acting_user=reviewer_user, application=application)
        applications.append(application)

    client = login(clerk_a)
    page = client.get(reverse("subsidies:notice")).content.decode()
    notice = xlsx_values(client.get(reverse("subsidies:notice") + "?format=xlsx").content)
    assert all(name in notice for name in STORED)
    assert all(name in page for name in STORED[:50])  # the page shows 50 a page
    for char in RARE_CHARACTERS[:5]:
        listing = client.get(reverse("subsidies:list"), {"q": char}).content.decode()
        assert any(char in name and name in listing for name in STORED), char

    Application.objects.update(notice_end=timezone.localdate() - timedelta(days=1))
    for application in applications:
        application.refresh_from_db()
        services.application_notice_end(acting_user=reviewer_user, application=application)
    client = login(bureau_user)
    payments = xlsx_values(client.get(reverse("subsidies:payment_export")).content)
    assert all(name in payments for name in STORED)


def test_the_briefing_names_no_one(login, bureau_user, people):
    response = login(bureau_user).get(reverse("targets:briefing"))
    assert response.status_code == 200
    values = {str(value) for value in xlsx_values(response.content)}
    assert not any(name in value for name in STORED for value in values)
