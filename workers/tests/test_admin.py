"""Clerk data entry through the admin with a real logged-in client, and township scoping at every door."""

from datetime import date

import pytest
from django.urls import reverse

from targets.models import Industry, Township
from targets.services import quarter_lock
from workers.models import Employment, Worker
from workers.services import ID_NUMBER_OTHER_TOWNSHIP, PRE_PLAN_JOB
from workers.tests.factories import EmployerFactory, EmploymentFactory, WorkerFactory, make_id_number

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:workers_worker_changelist"


@pytest.fixture
def person_b(township_b):
    """A 分水镇 person with a phone, a job and a village — what clerk A must never see."""
    worker = WorkerFactory(township=township_b, name="分水张三", phone="13912345678", village="分水村")
    EmploymentFactory(worker=worker, employer=EmployerFactory(name="分水个体户张三"))
    return worker


@pytest.fixture
def person_a(township_a):
    worker = WorkerFactory(township=township_a, name="甘宁李四", village="甘宁村")
    EmploymentFactory(worker=worker)
    return worker


def _assert_no_pii(response, person):
    body = response.content.decode(errors="replace")
    assert person.name not in body
    assert person.id_number not in body
    assert person.masked_id_number not in body
    if person.phone:
        assert person.phone not in body


def _management_form(prefix="employments", total=1, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _worker_post(id_number, name="王小明", *, township=None, job=None, **extra):
    data = {
        "id_number": id_number,
        "name": name,
        "phone": "13800138000",
        "village": "柳湾村",
        "household": "",
        "labour_capacity": "full",
        "skill_level": "none",
        "training_wish": "",
        "job_intention": "",
        "edit_version": "",
        **_management_form(total=1 if job else 0),
    }
    if township is not None:
        data["township"] = str(township.pk)
    job = job or {}
    data.update({f"employments-0-{k}": v for k, v in job.items()})
    data.update(extra)
    return data


def _job(**overrides):
    job = {
        "employer": "",
        "new_employer_name": "重庆万州某某食品有限公司",
        "credit_code": "",
        "industry": str(Industry.objects.get(code="02").pk),
        "workplace": "in_district",
        "workplace_township": str(Township.objects.get(name="甘宁镇").pk),
        "form": "单位就业",
        "start_date": "2026-03-02",
        "end_date": "",
        "channel": "招聘活动",
        "monthly_income": "3500",
    }
    job.update(overrides)
    return job


def test_clerk_registers_person_and_job_in_one_form(login, clerk_a, township_a):
    client = login(clerk_a)
    id_number = make_id_number(date(1990, 5, 1))
    response = client.post(reverse("admin:workers_worker_add"), _worker_post(id_number.lower(), job=_job()))
    assert response.status_code == 302, response.content.decode()[:3000]
    worker = Worker.objects.get(id_number=id_number)
    assert worker.township == township_a and worker.birth_date == date(1990, 5, 1)
    job = worker.employments.get()
    assert job.employer.name == "重庆万州某某食品有限公司" and job.source == "form"
    assert job.created_by == clerk_a


def test_clerk_cannot_register_into_another_township(login, clerk_a, township_a, township_b):
    client = login(clerk_a)
    id_number = make_id_number()
    client.post(reverse("admin:workers_worker_add"), _worker_post(id_number, township=township_b))
    # The township field is read-only for a clerk: the person lands in the clerk's own township.
    assert Worker.objects.get(id_number=id_number).township == township_a


def test_id_registered_elsewhere_names_the_township_only(login, clerk_a, person_b):
    client = login(clerk_a)
    response = client.post(reverse("admin:workers_worker_add"), _worker_post(person_b.id_number, name="别人"))
    assert response.status_code == 200
    body = response.content.decode()
    assert str(ID_NUMBER_OTHER_TOWNSHIP.format(township="分水镇")) in body
    assert person_b.name not in body and person_b.phone not in body
    assert Worker.objects.filter(id_number=person_b.id_number).count() == 1


def test_pre_plan_job_is_saved_with_a_warning(login, clerk_a):
    client = login(clerk_a)
    id_number = make_id_number(date(1990, 5, 1))
    response = client.post(
        reverse("admin:workers_worker_add"),
        _worker_post(id_number, job=_job(start_date="2024-12-31")),
        follow=True,
    )
    assert response.status_code == 200
    assert str(PRE_PLAN_JOB) in response.content.decode()
    worker = Worker.objects.get(id_number=id_number)
    assert list(worker.employments.values_list("start_date", flat=True)) == [date(2024, 12, 31)]


def test_invalid_job_shows_message_and_saves_nothing(login, clerk_a):
    client = login(clerk_a)
    id_number = make_id_number(date(1990, 5, 1))
    response = client.post(
        reverse("admin:workers_worker_add"), _worker_post(id_number, job=_job(start_date="1999-12-31"))
    )
    assert response.status_code == 200
    assert "就业时间不能早于 2000 年 1 月 1 日" in response.content.decode()
    assert not Worker.objects.filter(id_number=id_number).exists()


def test_changelist_shows_own_people_masked(login, clerk_a, person_a, person_b):
    response = login(clerk_a).get(reverse(CHANGELIST))
    body = response.content.decode()
    assert response.status_code == 200
    assert person_a.name in body and person_a.masked_id_number in body
    assert person_a.id_number not in body
    _assert_no_pii(response, person_b)


def test_change_page_shows_full_id_to_owner(login, clerk_a, person_a):
    response = login(clerk_a).get(reverse("admin:workers_worker_change", args=[person_a.pk]))
    assert response.status_code == 200 and person_a.id_number in response.content.decode()


@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_clerk_cannot_open_other_township_person(login, clerk_a, person_b, view):
    response = login(clerk_a).get(reverse(f"admin:workers_worker_{view}", args=[person_b.pk]), follow=True)
    assert response.status_code in (200, 302, 403, 404)
    _assert_no_pii(response, person_b)


def test_clerk_cannot_change_other_township_person_by_post(login, clerk_a, person_b):
    client = login(clerk_a)
    data = _worker_post(person_b.id_number, name="改名了", job={})
    data.update(_management_form(total=0))
    client.post(reverse("admin:workers_worker_change", args=[person_b.pk]), data)
    person_b.refresh_from_db()
    assert person_b.name == "分水张三"


def test_filters_and_lookups_cannot_widen_scope(login, clerk_a, person_a, person_b, township_b):
    client = login(clerk_a)
    response = client.get(reverse(CHANGELIST), {"township__id__exact": township_b.pk})
    _assert_no_pii(response, person_b)
    assert "分水村" not in client.get(reverse(CHANGELIST)).content.decode()  # village filter is scoped
    assert client.get(reverse(CHANGELIST), {"id_number__regex": "^500"}).status_code == 400
    assert client.get(reverse(CHANGELIST), {"created_by__password__startswith": "pbkdf2"}).status_code == 400
    assert client.get(reverse(CHANGELIST), {"_to_field": "id_number", "_popup": "1"}).status_code == 400


def test_search_by_id_is_exact_only(login, clerk_a, person_a):
    client = login(clerk_a)
    exact = client.get(reverse(CHANGELIST), {"q": person_a.id_number.lower()})
    assert list(exact.context["cl"].result_list) == [person_a]
    assert person_a.name in exact.content.decode()
    # The first ten digits (a township's prefix and a birth year) find nobody. The list does not count the
    # whole scoped table beside the result (show_full_result_count off: issue 27).
    partial = client.get(reverse(CHANGELIST), {"q": person_a.id_number[:10]})
    assert (partial.context["cl"].result_count, partial.context["cl"].full_result_count) == (0, None)
    body = partial.content.decode()
    assert person_a.name not in body
    assert "0 条结果" in body


def test_employment_list_and_autocomplete_are_scoped(login, clerk_a, person_a, person_b):
    client = login(clerk_a)
    response = client.get(reverse("admin:workers_employment_changelist"))
    assert person_a.name in response.content.decode()
    _assert_no_pii(response, person_b)
    auto = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "workers", "model_name": "employment", "field_name": "employer", "term": "分水"},
    )
    assert "分水个体户张三" not in auto.content.decode()


def test_date_hierarchy_links_open_and_other_date_lookups_stay_refused(login, clerk_a, person_a, person_b):
    """The date hierarchy's own links answer 200 (they were refused with a 400), still scoped; the same
    suffixes on another field, or any other lookup on the date, are refused."""
    client = login(clerk_a)
    url = reverse("admin:workers_employment_changelist")
    day = person_a.employments.get().start_date
    for params in (
        {"start_date__year": day.year},
        {"start_date__year": day.year, "start_date__month": day.month},
        {"start_date__year": day.year, "start_date__month": day.month, "start_date__day": day.day},
    ):
        response = client.get(url, params)
        assert response.status_code == 200, params
        assert person_a.name in response.content.decode()
        _assert_no_pii(response, person_b)
    assert client.get(url, {"industry__year": day.year}).status_code == 400
    assert client.get(url, {"start_date__week_day": 2}).status_code == 400


def test_bureau_sees_all_townships(login, bureau_user, person_a, person_b):
    body = login(bureau_user).get(reverse(CHANGELIST)).content.decode()
    assert person_a.name in body and person_b.name in body


def test_industry_user_sees_only_own_industry_jobs(login, industry_user, person_a, township_b):
    other = WorkerFactory(township=township_b, name="建筑王五")
    EmploymentFactory(worker=other, industry=Industry.objects.get(code="03"))
    body = login(industry_user).get(reverse("admin:workers_employment_changelist")).content.decode()
    assert person_a.name in body  # 制造业 job
    assert "建筑王五" not in body


def test_locked_quarter_refuses_admin_edit(login, bureau_user, clerk_a, person_a):
    quarter_lock(acting_user=bureau_user, year=2025, quarter=1, reason="一季度数据审定")
    job = person_a.employments.get()
    client = login(clerk_a)
    data = _worker_post(person_a.id_number, name=person_a.name, job={})
    data.update(_management_form(total=1, initial=1))
    data.update({f"employments-0-{k}": v for k, v in _job(start_date="2025-03-15").items()})
    data.update(
        {"employments-0-id": str(job.pk), "employments-0-worker": str(person_a.pk), "edit_version": "1"}
    )
    data["employments-0-channel"] = "改了渠道"
    response = client.post(reverse("admin:workers_worker_change", args=[person_a.pk]), data)
    assert response.status_code == 200
    assert "2025年第1季度已锁定" in response.content.decode()
    assert Employment.objects.get(pk=job.pk).channel == ""


def test_stale_version_is_a_conflict(login, clerk_a, person_a):
    client = login(clerk_a)
    data = _worker_post(person_a.id_number, name="甘宁李四改", job={})
    data.update(_management_form(total=0))
    data["edit_version"] = "1"
    Worker.objects.filter(pk=person_a.pk).update(version=2)  # someone else saved in between
    response = client.post(reverse("admin:workers_worker_change", args=[person_a.pk]), data)
    assert "该记录已被他人修改" in response.content.decode()
    person_a.refresh_from_db()
    assert person_a.name == "甘宁李四"


def test_household_is_searched_and_stays_scoped(login, clerk_a, person_a, township_a, township_b):
    """The household field is an autocomplete (a district has ~120k households); a household of another
    township posted by hand is refused as not one of the choices, one of the clerk's own is saved."""
    from workers.tests.factories import HouseholdFactory

    own = HouseholdFactory(township=township_a, head_name="甘宁户主")
    other = HouseholdFactory(township=township_b, head_name="分水户主")
    client = login(clerk_a)
    url = reverse("admin:workers_worker_change", args=[person_a.pk])
    body = client.get(url).content.decode()
    assert "admin-autocomplete" in body and "分水户主" not in body and "甘宁户主" not in body
    auto = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "workers", "model_name": "worker", "field_name": "household", "term": "户主"},
    )
    assert [r["text"] for r in auto.json()["results"]] == [str(own)]
    data = _worker_post(person_a.id_number, name=person_a.name, household=str(other.pk), edit_version="1")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    person_a.refresh_from_db()
    assert person_a.household_id is None
    client.post(url, {**data, "household": str(own.pk)})
    person_a.refresh_from_db()
    assert person_a.household_id == own.pk
