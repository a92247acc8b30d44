"""The preview a clerk can trust and the column mapping (issue 17, items 5 and 4; DESIGN.md §5).

Preview: the first 20 rows as they will be written (masked ID, township, industry, workplace, start date,
new / updated / unchanged); a validated batch discarded (marked, not deleted); the same file again refused
naming the earlier batch, with a link. Mapping: a file whose headers are none of the return's wordings is
mapped column by column on a page (first values shown, fields pre-selected), remembered per township and
offered again for the same header texts; the command takes `--map`; a mapping never bypasses a check.
"""

from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from wanzhou_jobs.spreadsheets import HEADER_MISSING, read_columns
from workers.models import Employment, ImportBatch, ReturnColumnMapping
from workers.resources import (
    ALL_HEADERS,
    H_EMPLOYER,
    H_FORM,
    H_ID,
    H_INDUSTRY,
    H_NAME,
    H_START,
    H_TOWNSHIP,
    H_WORKPLACE,
    MAPPING_FIELD_TWICE,
    MAPPING_REQUIRED_MISSING,
    MAPPING_UNKNOWN_FIELD,
    OPTIONAL,
    REQUIRED,
    guess_mapping,
    mapping_warning,
)
from workers.returns import (
    HEADER_COLUMN,
    ONLY_UPLOADER_DISCARDS,
    SAME_FILE,
    return_discard,
    return_map_columns,
)
from workers.services import START_IN_FUTURE
from workers.tests.factories import make_id_number
from workers.tests.test_returns import cli, id_for, name_for, person, write_return

pytestmark = pytest.mark.django_db

# An office's own layout: none of these is the return's wording or one of its aliases.
OFFICE = {
    H_NAME: "姓名",
    H_ID: "身份证",
    H_TOWNSHIP: "户籍镇街",
    H_EMPLOYER: "单位",
    H_INDUSTRY: "所属产业",
    H_WORKPLACE: "务工地",
    H_FORM: "形式",
    H_START: "开始上班日期",
}
OFFICE_HEADERS = list(OFFICE)
OFFICE_MAPPING = {text: header for header, text in OFFICE.items()} | {"备注": ""}


def _xlsx(rows: list[list], name="甘宁镇一季度.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _return_rows(count: int, start_day: int = 1) -> list[list]:
    rows = [["万州区甘宁镇2025年第一季度农民工就近就业情况统计表"], ALL_HEADERS]
    for n in range(count):
        row = person(start_day + n)
        rows.append([row.get(h, "") for h in ALL_HEADERS])
    return rows


def _office_rows(people: list[dict]) -> list[list]:
    return [
        [*OFFICE.values(), "备注"],
        *([p.get(h, "") for h in OFFICE_HEADERS] + ["已核实"] for p in people),
    ]


def _upload(client, upload):
    return client.post(reverse("workers:return_upload"), {"file": upload, "year": "2025", "quarter": "1"})


# --- The preview ---------------------------------------------------------------------------------------------


def test_preview_lists_the_first_20_rows_as_they_will_be_written(login, clerk_a, tmp_path):
    client = login(clerk_a)
    path = write_return(tmp_path / "first.xlsx", [person(1), person(2)])
    cli(path, clerk_a)  # person 1 and 2 already in the ledger
    rows = _return_rows(25)
    rows[3][ALL_HEADERS.index("月收入（元）")] = "9999"  # person 2's job changes

    response = _upload(client, _xlsx(rows))

    batch = ImportBatch.objects.get(status=ImportBatch.Status.VALIDATED)
    assert response["Location"] == reverse("workers:return_detail", args=[batch.pk])
    assert len(batch.preview) == 20
    first = batch.preview[0]
    assert first == {
        "row": 3,
        "name": name_for(1),
        "id_number": id_for(1)[:6] + "********" + id_for(1)[-4:],
        "township": "甘宁镇",
        "industry": person(1)[H_INDUSTRY],
        "workplace": person(1)[H_WORKPLACE],
        "start_date": "2025-03-15",
        "outcome": "unchanged",
    }
    assert [r["outcome"] for r in batch.preview[:3]] == ["unchanged", "updated", "new"]
    assert [r["row"] for r in batch.preview] == list(range(3, 23))
    page = client.get(response["Location"]).content.decode()
    assert "将要写入的记录（前 20 行）" in page
    assert id_for(3) not in page and batch.preview[2]["id_number"] in page
    assert "只列出前 20 行（共 25 行）" in page
    assert not Employment.objects.filter(import_batch_id=batch.pk).exists()  # a preview writes nothing


def test_a_refused_file_has_no_preview(login, clerk_a):
    client = login(clerk_a)
    rows = _return_rows(2)
    rows[2][ALL_HEADERS.index(H_START)] = "2099-01-01"

    _upload(client, _xlsx(rows))

    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED and batch.preview == []
    assert (
        "将要写入的记录" not in client.get(reverse("workers:return_detail", args=[batch.pk])).content.decode()
    )


# --- Discard -------------------------------------------------------------------------------------------------


def test_discard_asks_then_marks_the_batch_and_keeps_it(login, clerk_a):
    client = login(clerk_a)
    _upload(client, _xlsx(_return_rows(2)))
    batch = ImportBatch.objects.get()
    detail = reverse("workers:return_detail", args=[batch.pk])
    discard = reverse("workers:return_discard", args=[batch.pk])
    assert discard in client.get(detail).content.decode()

    confirm = client.get(discard)  # a page asks first (no script: CSP)
    assert confirm.status_code == 200 and "确认放弃" in confirm.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED

    response = client.post(discard)

    assert response["Location"] == detail
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED and batch.finished_at is not None
    assert batch.stored_path == "" and not Employment.objects.exists()
    page = client.get(detail).content.decode()
    assert "已放弃（未导入）" in page and "确认导入" not in page
    assert "已放弃（未导入）" in client.get(reverse("workers:return_list")).content.decode()
    # A discarded batch is not confirmed afterwards.
    client.post(reverse("workers:return_confirm", args=[batch.pk]))
    assert not Employment.objects.exists()


def test_only_the_uploader_discards_and_only_a_validated_batch(login, clerk_a, bureau_user, client):
    login(clerk_a)
    _upload(client, _xlsx(_return_rows(1)))
    batch = ImportBatch.objects.get()

    with pytest.raises(Exception) as refused:
        return_discard(batch=batch, acting_user=bureau_user)
    assert str(ONLY_UPLOADER_DISCARDS) in str(refused.value)
    client.post(reverse("workers:return_confirm", args=[batch.pk]))
    with pytest.raises(Exception, match="已导入"):
        return_discard(batch=batch, acting_user=clerk_a)


def test_another_township_cannot_open_the_discard_page(login, clerk_a, clerk_b, client):
    login(clerk_a)
    _upload(client, _xlsx(_return_rows(1)))
    batch = ImportBatch.objects.get()
    client.logout()

    other = login(clerk_b)

    assert other.get(reverse("workers:return_discard", args=[batch.pk])).status_code == 404
    assert other.post(reverse("workers:return_discard", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED


# --- The same file again --------------------------------------------------------------------------------------


def test_the_same_file_again_names_the_earlier_batch_and_links_to_it(login, clerk_a):
    client = login(clerk_a)
    upload = _xlsx(_return_rows(2))
    content = upload.read()
    _upload(client, SimpleUploadedFile("一季度.xlsx", content))
    batch = ImportBatch.objects.get()
    client.post(reverse("workers:return_confirm", args=[batch.pk]))
    batch.refresh_from_db()

    response = _upload(client, SimpleUploadedFile("一季度（再次）.xlsx", content))

    assert response.status_code == 200
    page = response.content.decode()
    date_text = timezone.localtime(batch.finished_at).date().isoformat()
    assert str(SAME_FILE.format(pk=batch.pk, date=date_text)) in page
    assert reverse("workers:return_detail", args=[batch.pk]) in page
    assert ImportBatch.objects.count() == 1


def test_the_same_file_of_a_discarded_batch_may_be_uploaded_again(login, clerk_a):
    client = login(clerk_a)
    content = _xlsx(_return_rows(2)).read()
    _upload(client, SimpleUploadedFile("一季度.xlsx", content))
    client.post(reverse("workers:return_discard", args=[ImportBatch.objects.get().pk]))

    _upload(client, SimpleUploadedFile("一季度.xlsx", content))

    assert ImportBatch.objects.filter(status=ImportBatch.Status.VALIDATED).count() == 1


# --- Column mapping ------------------------------------------------------------------------------------------


def test_read_columns_finds_the_header_row_and_first_values(tmp_path):
    path = tmp_path / "office.xlsx"
    path.write_bytes(_xlsx([["甘宁镇务工人员登记表"], *_office_rows([person(1), person(2)])]).read())

    sheet = read_columns(path, required=REQUIRED, optional=OPTIONAL)

    assert sheet.header_row == 2
    assert [c.text for c in sheet.columns] == [*OFFICE.values(), "备注"]
    assert sheet.columns[1].samples == [id_for(1), id_for(2)]


def test_best_guess_by_wording_then_by_values(tmp_path):
    path = tmp_path / "office.xlsx"
    path.write_bytes(_xlsx(_office_rows([person(1), person(2)])).read())
    columns = read_columns(path, required=REQUIRED, optional=OPTIONAL).columns

    guess = {c.text: field for c, field in zip(columns, guess_mapping(columns).values(), strict=True)}

    assert guess == {
        "姓名": H_NAME,  # its own wording
        "身份证": H_ID,  # a part of the alias 身份证号
        "户籍镇街": H_TOWNSHIP,  # township names below it (the first such column)
        "单位": H_EMPLOYER,  # a part of 就业单位名称
        "所属产业": H_INDUSTRY,  # industry names below it
        "务工地": H_WORKPLACE,  # township names again: the workplace
        "形式": H_FORM,  # the forms of employment below it
        "开始上班日期": H_START,  # dates below it
        "备注": "",
    }


def test_clerk_maps_the_columns_and_the_file_is_checked_as_any_other(login, clerk_a):
    client = login(clerk_a)

    response = _upload(client, _xlsx(_office_rows([person(1), person(2)])))

    batch = ImportBatch.objects.get()
    columns_url = reverse("workers:return_columns", args=[batch.pk])
    assert response["Location"] == columns_url  # straight to the mapping page
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.errors[0]["column"] == HEADER_COLUMN
    detail = client.get(reverse("workers:return_detail", args=[batch.pk])).content.decode()
    assert columns_url in detail  # offered on the batch's page too
    page = client.get(columns_url).content.decode()
    assert "身份证" in page and id_for(1)[:6] + "********" + id_for(1)[-4:] in page
    assert id_for(1) not in page  # first values of a list: ID numbers masked
    assert '<option value="公民身份号码" selected>' in page

    response = client.post(columns_url, {f"col_{i}": v for i, v in enumerate(OFFICE_MAPPING.values())})

    assert response["Location"] == reverse("workers:return_detail", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED and batch.rows_new == 2
    assert batch.column_map == OFFICE_MAPPING
    assert mapping_warning(OFFICE_MAPPING) in batch.warnings
    remembered = ReturnColumnMapping.objects.get(township__name="甘宁镇")
    assert remembered.mapping == OFFICE_MAPPING and remembered.updated_by == clerk_a
    client.post(reverse("workers:return_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED
    assert Employment.objects.filter(import_batch_id=batch.pk).count() == 2


def test_the_remembered_mapping_is_offered_for_the_same_headers(login, clerk_a):
    client = login(clerk_a)
    _upload(client, _xlsx(_office_rows([person(1)])))
    first = ImportBatch.objects.get()
    swapped = dict(OFFICE_MAPPING, 备注="就业渠道")  # a choice no guess would make
    client.post(
        reverse("workers:return_columns", args=[first.pk]),
        {f"col_{i}": v for i, v in enumerate(swapped.values())},
    )

    _upload(client, _xlsx(_office_rows([person(2)])))

    second = ImportBatch.objects.exclude(pk=first.pk).get()
    page = client.get(reverse("workers:return_columns", args=[second.pk])).content.decode()
    assert "已按本镇乡街道上次确认的对应关系预选" in page
    assert '<option value="就业渠道" selected>' in page


def test_a_mapping_missing_a_required_field_or_naming_one_twice_is_refused(login, clerk_a):
    client = login(clerk_a)
    _upload(client, _xlsx(_office_rows([person(1)])))
    batch = ImportBatch.objects.get()
    values = list(OFFICE_MAPPING.values())
    values[0] = H_ID  # 姓名 taken for 公民身份号码: two columns for one field, none for 姓名

    response = client.post(
        reverse("workers:return_columns", args=[batch.pk]), {f"col_{i}": v for i, v in enumerate(values)}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert str(MAPPING_FIELD_TWICE.format(header=H_ID, columns="“姓名”、“身份证”")) in page
    assert str(MAPPING_REQUIRED_MISSING.format(header=H_NAME)) in page
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REJECTED and batch.column_map == {}
    assert not ReturnColumnMapping.objects.exists()


def test_a_mapping_never_bypasses_a_check(clerk_a, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    path = tmp_path / "office.xlsx"
    path.write_bytes(_xlsx(_office_rows([person(1), person(2, **{H_START: "2099-01-01"})])).read())
    from workers.returns import return_upload, return_validate

    with path.open("rb") as handle:
        batch = return_upload(acting_user=clerk_a, file_obj=handle, file_name=path.name)
    assert return_validate(batch=batch, acting_user=clerk_a).needs_mapping

    plan = return_map_columns(batch=batch, acting_user=clerk_a, mapping=OFFICE_MAPPING)

    assert (3, H_START, str(START_IN_FUTURE)) in [(e.row, e.column, e.message) for e in plan.errors]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REJECTED
    assert not Employment.objects.exists()


def test_another_township_cannot_map_a_batch(login, clerk_a, clerk_b, client):
    login(clerk_a)
    _upload(client, _xlsx(_office_rows([person(1)])))
    batch = ImportBatch.objects.get()
    client.logout()

    other = login(clerk_b)

    url = reverse("workers:return_columns", args=[batch.pk])
    assert other.get(url).status_code == 404
    assert other.post(url, {f"col_{i}": v for i, v in enumerate(OFFICE_MAPPING.values())}).status_code == 404
    assert not ReturnColumnMapping.objects.exists()


def test_the_command_takes_map_options(clerk_a, tmp_path):
    path = tmp_path / "office.xlsx"
    path.write_bytes(_xlsx(_office_rows([person(1), person(2)])).read())
    # 身份证 and 所属产业 are a character or two off 身份证号 and 所属行业: taken for them (with a warning).
    missing = "、".join(f"“{h}”" for h in (H_TOWNSHIP, H_EMPLOYER, H_WORKPLACE, H_FORM, H_START))

    code, _out, err = cli(path, clerk_a)

    assert code == 1
    assert f"文件【{HEADER_COLUMN}】：{HEADER_MISSING.format(rows=10, headers=missing)}" in err.splitlines()
    assert "--map" in err

    maps = [f"--map={text}={header}" for text, header in OFFICE_MAPPING.items()]
    code, out, err = cli(path, clerk_a, *maps)

    assert code == 0, err
    assert f"提示：{mapping_warning(OFFICE_MAPPING)}" in out.splitlines()
    batch = ImportBatch.objects.get(status=ImportBatch.Status.IMPORTED)
    assert batch.rows_new == 2 and batch.column_map == OFFICE_MAPPING


def test_the_command_refuses_a_map_to_no_field(clerk_a, tmp_path):
    path = tmp_path / "office.xlsx"
    path.write_bytes(_xlsx(_office_rows([person(1)])).read())

    code, _out, err = cli(path, clerk_a, "--map", "身份证=身份证号码啊")

    assert code != 0
    assert str(MAPPING_UNKNOWN_FIELD.format(field="身份证号码啊", choices="、".join(ALL_HEADERS))) in err
    assert not ImportBatch.objects.exists()


def test_a_map_option_may_name_a_field_by_an_alias(clerk_a, tmp_path):
    """`--map '身份证=身份证号码'`: the field given by one of its wordings."""
    people = [dict(person(1), **{H_ID: make_id_number(date(1990, 5, 5))})]
    path = tmp_path / "office.xlsx"
    path.write_bytes(_xlsx(_office_rows(people)).read())
    maps = [f"--map={t}={h}" for t, h in OFFICE_MAPPING.items() if t != "身份证"] + [
        "--map=身份证=身份证号码"
    ]

    code, _out, err = cli(path, clerk_a, *maps)

    assert code == 0, err
