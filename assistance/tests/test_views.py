"""Assistance pages: the clerk's flow end to end, and township scoping on every list, page, export and import
(404/403 and never the other township's data)."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from assistance.models import Enrolment, Participation, PublicWelfarePost, ServiceKind, ServiceRecord
from assistance.tests.factories import (
    CourseFactory,
    EnrolmentFactory,
    EventFactory,
    ParticipationFactory,
    PostFactory,
    ServiceRecordFactory,
)
from targets.models import Industry
from workers import services as ledger
from workers.models import EmploymentForm, Workplace
from workers.tests.factories import HouseholdFactory, WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(township_a, township_b):
    """One enrolled, unemployed person with a household in each township (names are unique markers)."""
    house_a = HouseholdFactory(township=township_a, head_name="甲户主")
    house_b = HouseholdFactory(township=township_b, head_name="乙户主")
    a = WorkerFactory(township=township_a, household=house_a, name="甲帮扶", job_intention="叉车司机")
    b = WorkerFactory(township=township_b, household=house_b, name="乙帮扶", job_intention="厨师")
    EnrolmentFactory(worker=a, entry_date=date(2025, 1, 10))
    EnrolmentFactory(worker=b, entry_date=date(2025, 1, 10))
    return a, b


def xlsx_rows(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


def workbook(headers, rows) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "data.xlsx"
    return buffer


# --- The flow of "done when" ----------------------------------------------------------------------------


def test_clerk_worklist_services_and_household_leaves_zero_list(login, clerk_a, people):
    a, _b = people
    client = login(clerk_a)
    page = client.get(reverse("assistance:worklist"))
    assert page.status_code == 200
    assert "甲帮扶" in page.text and "乙帮扶" not in page.text

    url = reverse("assistance:service_add", args=[a.pk])
    today = timezone.localdate()
    posts = [
        {"kind": ServiceKind.POLICY},
        {"kind": ServiceKind.GUIDANCE},
        {"kind": ServiceKind.TRAINING_REFERRAL},
        *(
            {"kind": ServiceKind.JOB_PUSH, "employer_name": "万州某厂", "post_name": f"岗位{i}"}
            for i in range(3)
        ),
    ]
    for data in posts:
        response = client.post(url, {"date": today.isoformat(), "provided_by": "张经办", **data})
        assert response.status_code == 302
    assert ServiceRecord.objects.filter(worker=a).count() == 6
    assert "甲帮扶" not in client.get(reverse("assistance:worklist")).text  # 1131 complete

    assert "甲户主" in client.get(reverse("assistance:households")).text
    ledger.employment_record(
        acting_user=clerk_a,
        worker=a,
        data=ledger.EmploymentData(
            employer_name="万州某厂",
            industry=Industry.objects.get(code="02"),
            workplace=Workplace.IN_DISTRICT,
            workplace_township=a.township,
            form=EmploymentForm.UNIT,
            start_date=today,
        ),
    )
    assert "甲户主" not in client.get(reverse("assistance:households")).text


def test_service_form_errors_are_shown_and_nothing_saved(login, clerk_a, people):
    a, _b = people
    client = login(clerk_a)
    response = client.post(
        reverse("assistance:service_add", args=[a.pk]),
        {"kind": ServiceKind.JOB_PUSH, "date": timezone.localdate().isoformat(), "provided_by": "张"},
        follow=True,
    )
    assert "岗位推送必须填写推送的单位和岗位。" in response.text
    assert not ServiceRecord.objects.exists()


# --- Scoping --------------------------------------------------------------------------------------------


def test_person_pages_of_other_township_are_404_and_writes_refused(login, clerk_a, people):
    _a, b = people
    record = ServiceRecordFactory(worker=b, date=date(2025, 3, 1))
    enrolment = Enrolment.objects.get(worker=b)
    client = login(clerk_a)
    for url in (
        reverse("assistance:person", args=[b.pk]),
        reverse("assistance:enrolment_exit", args=[enrolment.pk]),
        reverse("assistance:service_delete", args=[record.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "乙帮扶" not in response.text
    assert client.post(reverse("assistance:service_add", args=[b.pk]), {"kind": "policy"}).status_code == 404
    assert client.post(reverse("assistance:service_delete", args=[record.pk])).status_code == 404
    exit_data = {"exit_date": "2025-06-01", "exit_reason": "moved"}
    assert (
        client.post(reverse("assistance:enrolment_exit", args=[enrolment.pk]), exit_data).status_code == 404
    )
    assert ServiceRecord.objects.filter(pk=record.pk).exists()
    assert Enrolment.objects.get(pk=enrolment.pk).exit_date is None


def test_lists_and_exports_show_only_own_township(login, clerk_a, people, township_b):
    a, b = people
    PostFactory(worker=a, start_date=date(2025, 2, 1))
    PostFactory(worker=b, start_date=date(2025, 2, 1))
    client = login(clerk_a)
    for name in ("worklist", "households", "posts"):
        page = client.get(reverse(f"assistance:{name}"))
        assert page.status_code == 200
        assert "甲帮扶" in page.text and "乙帮扶" not in page.text, name
        export = client.get(reverse(f"assistance:{name}") + "?format=xlsx")
        assert export.status_code == 200
        cells = " ".join(str(v) for row in xlsx_rows(export.content) for v in row)
        assert "甲帮扶" in cells and "乙帮扶" not in cells, name
        assert a.id_number not in cells and a.masked_id_number in cells
        # An explicit filter for another township is a 404, not an empty list or the data.
        assert client.get(reverse(f"assistance:{name}") + f"?township={township_b.code}").status_code == 404
    rates = client.get(reverse("assistance:rates"))
    assert "甘宁镇" in rates.text and "分水镇" not in rates.text


def test_bureau_sees_both_townships(login, bureau_user, people, township_b):
    client = login(bureau_user)
    page = client.get(reverse("assistance:worklist"))
    assert "甲帮扶" in page.text and "乙帮扶" in page.text
    only_b = client.get(reverse("assistance:households") + f"?township={township_b.code}")
    assert "乙户主" in only_b.text and "甲户主" not in only_b.text


@pytest.mark.parametrize("name", ["worklist", "households", "posts", "rates", "courses", "events", "board"])
def test_industry_and_reviewer_users_get_403(login, industry_user, reviewer_user, people, name):
    for user in (industry_user, reviewer_user):
        client = login(user)
        response = client.get(reverse(f"assistance:{name}"))
        assert response.status_code == 403
        assert "甲帮扶" not in response.text
        client.logout()


def test_board_is_for_bureau_only(login, bureau_user, clerk_a):
    clerk = login(clerk_a)
    assert clerk.get(reverse("assistance:board")).status_code == 403
    assert clerk.get(reverse("assistance:channels")).status_code == 403
    clerk.logout()
    page = login(bureau_user).get(reverse("assistance:board") + "?year=2025")
    assert page.status_code == 200
    for name in (
        "培训后总体就业率",
        "乡村公益性岗位托底安置",
        "新市民培训",
        "制造业新吸纳农民工就业",
        "升级打造零工市场（驿站）",
    ):
        assert name in page.text
    assert page.text.count('data-code="') == 14  # with the 5 gig markets (issue 20, item 8)


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("assistance:worklist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_post_form_refuses_other_township_person(login, clerk_a, people):
    _a, b = people
    client = login(clerk_a)
    response = client.post(
        reverse("assistance:post_new"),
        {
            "id_number": b.id_number,
            "kind": "information",
            "start_date": "2025-03-01",
            "monthly_subsidy": "800",
        },
    )
    assert response.status_code == 200
    assert "台账中没有此公民身份号码的人员，或此人不属于您可以办理的镇乡街道。" in response.text
    assert not PublicWelfarePost.objects.exists()


def test_post_end_needs_confirmation(login, clerk_a, people):
    a, b = people
    post_a, post_b = PostFactory(worker=a), PostFactory(worker=b)
    client = login(clerk_a)
    confirm = client.get(reverse("assistance:post_end", args=[post_a.pk]))
    assert confirm.status_code == 200 and "确认离岗" in confirm.text
    assert PublicWelfarePost.objects.get(pk=post_a.pk).end_date is None
    client.post(reverse("assistance:post_end", args=[post_a.pk]), {"end_date": "2025-12-31"})
    assert PublicWelfarePost.objects.get(pk=post_a.pk).end_date == date(2025, 12, 31)
    assert client.get(reverse("assistance:post_end", args=[post_b.pk])).status_code == 404


def test_course_pages_scope_courses_and_participants(login, clerk_a, people, township_a, township_b):
    a, b = people
    district = CourseFactory(name="区级电工班", township=None)
    CourseFactory(name="甘宁月嫂班", township=township_a)
    other = CourseFactory(name="分水厨师班", township=township_b)
    ParticipationFactory(course=district, worker=a)
    ParticipationFactory(course=district, worker=b)
    client = login(clerk_a)
    listing = client.get(reverse("assistance:courses"))
    assert "区级电工班" in listing.text and "甘宁月嫂班" in listing.text and "分水厨师班" not in listing.text
    detail = client.get(reverse("assistance:course", args=[district.pk]))
    assert "甲帮扶" in detail.text and "乙帮扶" not in detail.text
    assert client.get(reverse("assistance:course", args=[other.pk])).status_code == 404
    assert client.get(reverse("assistance:course_import", args=[other.pk])).status_code == 404
    theirs = Participation.objects.get(worker=b)
    assert client.post(reverse("assistance:participant_update", args=[theirs.pk]), {}).status_code == 404


def test_events_list_and_form(login, clerk_a, township_a, township_b):
    EventFactory(name="分水专场", township=township_b)
    EventFactory(name="区级春风行动", township=None)
    client = login(clerk_a)
    page = client.get(reverse("assistance:events"))
    assert "区级春风行动" in page.text and "分水专场" not in page.text
    response = client.post(
        reverse("assistance:events"),
        {
            "name": "甘宁专场",
            "date": "2025-04-01",
            "mode": "offline",
            "organiser": "甘宁镇",
            "employers": 5,
            "posts_offered": 50,
            "attendees": 10,
            "hires": 20,
        },
    )
    assert "达成就业意向人数不能多于参会人数。" in response.text


# --- Import ---------------------------------------------------------------------------------------------


SERVICE_HEADERS = ["姓名", "公民身份号码", "服务类型", "服务日期", "服务人员", "推送单位", "推送岗位", "备注"]


def test_services_import_all_or_nothing_scoped_and_idempotent(login, clerk_a, people):
    a, b = people
    client = login(clerk_a)
    good = [
        ["甲帮扶", a.id_number, "政策宣介", "2025-03-01", "张经办", None, None, None],
        ["甲帮扶", a.id_number, "岗位推送", "2025/3/2", "张经办", "万州某厂", "普工", "电话推送"],
    ]
    bad = good + [["乙帮扶", b.id_number, "职业指导", "2025-03-03", "张经办", None, None, None]]
    response = client.post(reverse("assistance:services_import"), {"file": workbook(SERVICE_HEADERS, bad)})
    assert response.status_code == 400
    assert "台账中没有此公民身份号码的人员，或此人不属于您可以办理的镇乡街道。" in response.text
    assert not ServiceRecord.objects.exists()  # nothing written: row 4 belongs to another township

    response = client.post(reverse("assistance:services_import"), {"file": workbook(SERVICE_HEADERS, good)})
    assert response.status_code == 200
    assert "新增 2，未变化 0" in response.text
    response = client.post(reverse("assistance:services_import"), {"file": workbook(SERVICE_HEADERS, good)})
    assert "新增 0，未变化 2" in response.text
    assert ServiceRecord.objects.filter(worker=a).count() == 2


def test_services_import_reports_every_row_error(login, clerk_a, people):
    a, _b = people
    rows = [
        ["甲帮扶", a.id_number, "家访", "2025-03-01", "张", None, None, None],
        ["王五", a.id_number, "政策宣介", "2025-03-01", "张", None, None, None],
        ["甲帮扶", a.id_number, "岗位推送", "2025-03-01", "张", "万州某厂", None, None],
        ["甲帮扶", a.id_number, "职业指导", "2024-12-01", "张", None, None, None],
        ["甲帮扶", "500101199001011234", "职业指导", "2025-03-01", "张", None, None, None],
    ]
    response = login(clerk_a).post(
        reverse("assistance:services_import"), {"file": workbook(SERVICE_HEADERS, rows)}
    )
    text = response.text
    assert response.status_code == 400
    assert "服务类型“家访”无法识别" in text
    assert "台账中此公民身份号码的姓名为“甲帮扶”，与填写的不一致。" in text
    assert "岗位推送必须填写推送的单位和岗位。" in text
    assert "2024-12-01 此人不在帮扶范围内" in text
    assert "文件有 5 处错误" in text
    assert not ServiceRecord.objects.exists()


def test_participants_import(login, clerk_a, people, township_a):
    a, b = people
    course = CourseFactory(township=township_a, end_date=date(2025, 3, 31))
    url = reverse("assistance:course_import", args=[course.pk])
    headers = ["姓名", "公民身份号码", "是否结业", "证书"]
    client = login(clerk_a)
    response = client.post(
        url,
        {
            "file": workbook(
                headers, [["甲帮扶", a.id_number, "是", "电工证"], ["乙帮扶", b.id_number, "否", None]]
            )
        },
    )
    assert response.status_code == 400 and not Participation.objects.exists()
    response = client.post(url, {"file": workbook(headers, [["甲帮扶", a.id_number, "否", None]])})
    assert "新增 1" in response.text
    response = client.post(url, {"file": workbook(headers, [["甲帮扶", a.id_number, "是", "电工证"]])})
    assert "更新 1" in response.text
    assert Participation.objects.get(worker=a).certificate == "电工证"


def test_import_refuses_non_xlsx_and_read_only(login, clerk_a, industry_user):
    client = login(clerk_a)
    upload = io.BytesIO(b"name,id\n")
    upload.name = "data.csv"
    response = client.post(reverse("assistance:services_import"), {"file": upload})
    assert "请上传 .xlsx 格式的文件" in response.text
    assert not ServiceRecord.objects.exists()
    client.logout()
    assert login(industry_user).get(reverse("assistance:services_import")).status_code == 403


def test_future_dates_in_forms_are_refused(login, clerk_a, people):
    a, _b = people
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    client = login(clerk_a)
    response = client.post(
        reverse("assistance:service_add", args=[a.pk]),
        {"kind": "policy", "date": tomorrow, "provided_by": "张"},
        follow=True,
    )
    assert "服务日期不能晚于今天。" in response.text
    assert not ServiceRecord.objects.exists()


def test_people_search_is_scoped_and_enrol_from_the_page(login, clerk_a, people, township_a):
    a, b = people
    newcomer = WorkerFactory(township=township_a, name="甲新人")
    client = login(clerk_a)
    listing = client.get(reverse("assistance:people"))
    assert "甲帮扶" in listing.text and "甲新人" not in listing.text and "乙帮扶" not in listing.text
    assert "甲新人" in client.get(reverse("assistance:people") + "?q=甲新").text
    assert "乙帮扶" not in client.get(reverse("assistance:people") + f"?q={b.id_number}&status=all").text
    assert "乙帮扶" not in client.get(reverse("assistance:people") + "?q=乙&status=all").text
    assert "甲帮扶" not in client.get(reverse("assistance:people") + "?q=5001").text  # no partial ID search

    response = client.post(
        reverse("assistance:enrol", args=[newcomer.pk]),
        {"category": "继续帮扶对象", "entry_date": "2025-05-01", "entry_reason": "返贫风险"},
    )
    assert response.status_code == 302
    assert Enrolment.objects.get(worker=newcomer).category == "继续帮扶对象"
    assert client.post(reverse("assistance:enrol", args=[b.pk]), {}).status_code == 404


def test_enrolment_and_exports_are_audited(login, clerk_a, people):
    from auditlog.models import LogEntry

    a, _b = people
    client = login(clerk_a)
    enrolment = Enrolment.objects.get(worker=a)
    client.post(
        reverse("assistance:enrolment_exit", args=[enrolment.pk]),
        {"exit_date": "2025-06-01", "exit_reason": "stable_employment"},
    )
    change = LogEntry.objects.get_for_object(enrolment).filter(action=LogEntry.Action.UPDATE).get()
    assert change.actor == clerk_a
    assert change.changes_dict["exit_reason"] == ["", "stable_employment"]
    client.get(reverse("assistance:households") + "?format=xlsx")
    export = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__event="export").get()
    assert (export.actor, export.additional_data["detail"]["what"]) == (clerk_a, "assistance.households")


def test_every_page_renders_with_data_for_bureau(login, bureau_user, people, township_a):
    a, _b = people
    course = CourseFactory(township=township_a)
    ParticipationFactory(course=course, worker=a)
    PostFactory(worker=a, start_date=date(2020, 1, 1))
    EventFactory()
    ServiceRecordFactory(worker=a, date=date(2025, 3, 1))
    client = login(bureau_user)
    urls = [
        reverse("assistance:people"),
        reverse("assistance:person", args=[a.pk]) + "?year=2025",
        reverse("assistance:rates") + "?year=2025&sort=routine",
        reverse("assistance:posts") + "?status=long",
        reverse("assistance:courses") + "?year=2025",
        reverse("assistance:course", args=[course.pk]),
        reverse("assistance:events") + "?year=2025",
        reverse("assistance:board") + "?year=2025",
        reverse("assistance:channels") + "?kind=gig&year=2025",
        reverse("assistance:post_new"),
        reverse("assistance:course_new"),
        reverse("assistance:services_import"),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "长期在岗" in client.get(reverse("assistance:posts") + "?status=long").text


def test_admin_lists_are_scoped_and_read_only(login, clerk_a, people):
    from django.conf import settings

    a, b = people
    client = login(clerk_a)
    base = "/" + settings.ADMIN_URL.strip("/") + "/assistance/enrolment/"
    listing = client.get(base)
    assert listing.status_code == 200
    assert "甲帮扶" in listing.text and "乙帮扶" not in listing.text
    other = Enrolment.objects.get(worker=b)
    response = client.get(f"{base}{other.pk}/change/")
    assert response.status_code in (302, 404) and "乙帮扶" not in response.text
    assert client.get(f"{base}add/").status_code == 403


@pytest.mark.parametrize("name", ["worklist", "people", "households", "posts"])
def test_searching_another_townships_person_echoes_nothing(login, clerk_a, people, name):
    _a, b = people
    PostFactory(worker=b)
    client = login(clerk_a)
    for term in (b.name, b.id_number):
        response = client.get(
            reverse(f"assistance:{name}"), {"q": term, "status": "all", "id_number": b.id_number}
        )
        assert response.status_code == 200
        assert b.name not in response.text and b.id_number not in response.text
        assert b.masked_id_number not in response.text
