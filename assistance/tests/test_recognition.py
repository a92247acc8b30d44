"""Issue 20, item 4: 特困人员, 残疾人 with the grade (重度 = 一级、二级) and 就业困难人员 recognised against the
district's standard of the year (city document §十二 "结合实际合理确定就业困难人员认定标准"; §十四
"为特困人员、重度残疾人按最低缴费档次标准全额代缴")."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assistance import services
from assistance.models import DifficultyStandard, Recognition, RecognitionKind
from workers.tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person_a(township_a):
    return WorkerFactory(township=township_a)


def _record(user, worker, kind, day=date(2026, 5, 6), grade=None, basis="区民政局认定文书"):
    return services.recognition_record(
        acting_user=user, worker=worker, kind=kind, recognised_on=day, basis=basis, disability_grade=grade
    )


def test_severe_disability_is_grade_one_or_two(clerk_a, township_a):
    grades = {
        g: _record(clerk_a, WorkerFactory(township=township_a), "残疾人", grade=g) for g in (1, 2, 3, 4)
    }
    assert [grades[g].is_severe for g in (1, 2, 3, 4)] == [True, True, False, False]
    assert grades[2].label == "重度残疾人（2级）"
    assert grades[3].label == "残疾人（3级）"
    assert grades[1].recognised_by == clerk_a


def test_disability_needs_a_grade_and_others_take_none(clerk_a, person_a):
    with pytest.raises(ValidationError) as exc:
        _record(clerk_a, person_a, "残疾人")
    assert exc.value.message_dict["disability_grade"] == [services.GRADE_REQUIRED]
    with pytest.raises(ValidationError) as exc:
        _record(clerk_a, person_a, "特困人员", grade=1)
    assert exc.value.message_dict["disability_grade"] == [services.GRADE_NOT_FOR_KIND]
    assert not Recognition.objects.exists()


def test_difficulty_needs_the_standard_of_its_year(clerk_a, bureau_user, person_a):
    with pytest.raises(ValidationError) as exc:
        _record(clerk_a, person_a, "就业困难人员")
    assert exc.value.message_dict["recognised_on"] == [services.NO_STANDARD.format(year=2026)]
    with pytest.raises(PermissionDenied):
        services.difficulty_standard_set(acting_user=clerk_a, year=2026, text="x")
    standard = services.difficulty_standard_set(
        acting_user=bureau_user, year=2026, text="符合就业困难人员条件的防止返贫致贫对象和继续帮扶对象"
    )
    recognition = _record(clerk_a, person_a, "就业困难人员", basis="失业一年以上")
    assert (recognition.standard, recognition.basis, recognition.recognised_on) == (
        standard,
        "失业一年以上",
        date(2026, 5, 6),
    )
    # The standard is per year: setting 2026 again replaces its text, 2025 still has none.
    services.difficulty_standard_set(acting_user=bureau_user, year=2026, text="新标准")
    assert DifficultyStandard.objects.get(year=2026).text == "新标准"
    with pytest.raises(ValidationError):
        _record(clerk_a, WorkerFactory(township=person_a.township), "就业困难人员", day=date(2025, 3, 1))


def test_one_open_recognition_per_kind_and_history_kept(clerk_a, person_a):
    first = _record(clerk_a, person_a, "特困人员", day=date(2025, 3, 1))
    with pytest.raises(ValidationError) as exc:
        _record(clerk_a, person_a, "特困人员")
    assert exc.value.messages == [services.ALREADY_RECOGNISED.format(kind="特困人员", day=date(2025, 3, 1))]
    services.recognition_end(acting_user=clerk_a, recognition=first, ended_on=date(2025, 12, 31))
    _record(clerk_a, person_a, "特困人员")
    assert Recognition.objects.filter(worker=person_a, kind=RecognitionKind.SPECIAL_HARDSHIP).count() == 2


def test_other_township_is_refused(clerk_b, person_a):
    with pytest.raises(PermissionDenied):
        _record(clerk_b, person_a, "特困人员")
    assert not Recognition.objects.exists()


def test_person_page_records_a_recognition(client, clerk_a, clerk_b, person_a):
    url = reverse("assistance:recognition_add", args=[person_a.pk])
    data = {"kind": "残疾人", "disability_grade": "1", "recognised_on": "2026-05-06", "basis": "残疾人证"}
    client.force_login(clerk_b)
    assert client.post(url, data).status_code == 404
    client.force_login(clerk_a)
    response = client.post(url, data)
    assert response.status_code == 302
    recognition = Recognition.objects.get(worker=person_a)
    assert recognition.label == "重度残疾人（1级）"
    page = client.get(reverse("assistance:person", args=[person_a.pk]))
    assert "重度残疾人（1级）" in page.content.decode()
    client.post(reverse("assistance:recognition_end", args=[recognition.pk]), {"ended_on": "2026-05-07"})
    recognition.refresh_from_db()
    assert recognition.ended_on == date(2026, 5, 7)
