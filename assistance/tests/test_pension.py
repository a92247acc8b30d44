"""Issue 20, item 5: 代缴城乡居民基本养老保险费, seed 004 §十四: "为特困人员、重度残疾人按最低缴费档次标准全额代缴，为低保
对象按不低于最低缴费档次标准的70%代缴，确保符合条件的防止返贫致贫对象和继续帮扶对象纳入政策支持范围". The lowest tier is
the year's data (200 元 here is a test figure, not the seed's); 70 % and "全额" are the seed's."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assistance import selectors, services
from assistance.models import EnrolmentCategory, RecognitionKind
from assistance.tests.factories import EnrolmentFactory, RecognitionFactory
from workers.tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db


def _person(township, *, category=EnrolmentCategory.MONITORED, dibao=False, **worker):
    person = WorkerFactory(township=township, is_dibao=dibao, **worker)
    if category:
        EnrolmentFactory(worker=person, category=category, entry_date=date(2025, 1, 10))
    return person


@pytest.fixture
def standard(bureau_user):
    return services.pension_standard_set(acting_user=bureau_user, year=2026, lowest_tier="200")


@pytest.fixture
def people(township_a, township_b):
    hardship = _person(township_a, category=EnrolmentCategory.CONTINUED_SUPPORT)
    RecognitionFactory(worker=hardship, kind=RecognitionKind.SPECIAL_HARDSHIP)
    severe = _person(township_a)
    RecognitionFactory(worker=severe, kind=RecognitionKind.DISABILITY, disability_grade=2, basis="残疾人证")
    mild = _person(township_a)
    RecognitionFactory(worker=mild, kind=RecognitionKind.DISABILITY, disability_grade=3, basis="残疾人证")
    dibao = _person(township_b, dibao=True)
    # 特困 but neither 防止返贫致贫对象 nor 继续帮扶对象 (enrolled as 脱贫人口 only): outside the policy's scope here.
    outside = _person(township_a, category=EnrolmentCategory.POVERTY_ALLEVIATED)
    RecognitionFactory(worker=outside, kind=RecognitionKind.SPECIAL_HARDSHIP)
    # The ledger's 人员类别 flag counts as well as an enrolment.
    flagged = _person(township_b, category=None, dibao=True, is_continued_support=True)
    return {
        "hardship": hardship,
        "severe": severe,
        "mild": mild,
        "dibao": dibao,
        "outside": outside,
        "flagged": flagged,
    }


def _list(year=2026, **kw):
    return {w.pk: (w.basis, w.amount) for w in selectors.pension_people(year=year, **kw)}


def test_full_tier_for_hardship_and_severe_disability_70_percent_for_dibao(standard, people):
    assert _list() == {
        people["hardship"].pk: ("特困人员", Decimal("200.00")),
        people["severe"].pk: ("重度残疾人", Decimal("200.00")),
        people["dibao"].pk: ("低保对象", Decimal("140.00")),
        people["flagged"].pk: ("低保对象", Decimal("140.00")),
    }


def test_share_for_dibao_may_be_higher_never_below_70_percent(bureau_user, clerk_a, standard, people):
    with pytest.raises(ValidationError) as exc:
        services.pension_standard_set(
            acting_user=bureau_user, year=2026, lowest_tier="200", dibao_percent="69.99"
        )
    assert exc.value.message_dict["dibao_percent"] == [services.PENSION_SHARE_TOO_LOW.format(least=70)]
    with pytest.raises(PermissionDenied):
        services.pension_standard_set(acting_user=clerk_a, year=2026, lowest_tier="300")
    services.pension_standard_set(
        acting_user=bureau_user, year=2026, lowest_tier="150.01", dibao_percent="80"
    )
    # 80 % of 150.01 is 120.008: rounded up to the fen, never below the share.
    assert _list()[people["dibao"].pk] == ("低保对象", Decimal("120.01"))
    services.pension_standard_set(acting_user=bureau_user, year=2026, lowest_tier="150.01")
    assert _list()[people["dibao"].pk] == ("低保对象", Decimal("105.01"))  # 70 % = 105.007


def test_no_standard_no_list_and_recognitions_count_in_their_years(bureau_user, standard, people):
    assert _list(year=2025) == {}  # no 2025 standard yet
    services.pension_standard_set(acting_user=bureau_user, year=2025, lowest_tier="200")
    services.recognition_end(
        acting_user=bureau_user,
        recognition=people["hardship"].recognitions.get(),
        ended_on=date(2025, 12, 31),
    )
    assert people["hardship"].pk in _list(year=2025)
    assert people["hardship"].pk not in _list(year=2026)


def test_page_and_exports_masked_for_the_township_full_for_the_agency(
    client, clerk_a, bureau_user, standard, people
):
    hardship = people["hardship"]
    client.force_login(clerk_a)
    page = client.get(reverse("assistance:pension") + "?year=2026").content.decode()
    assert hardship.name in page and people["dibao"].name not in page  # township b is not clerk a's
    content = client.get(reverse("assistance:pension") + "?year=2026&format=xlsx").content
    text = "".join(
        str(c.value) for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows() for c in row
    )
    assert hardship.masked_id_number in text and hardship.id_number not in text
    assert client.get(reverse("assistance:pension_agency") + "?year=2026").status_code == 403

    client.force_login(bureau_user)
    content = client.get(reverse("assistance:pension_agency") + "?year=2026").content
    rows = [
        tuple(c.value for c in row) for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows()
    ]
    by_id = {row[2]: row for row in rows if row and row[2] and str(row[2])[:6].isdigit()}
    assert by_id[hardship.id_number][5:] == ("特困人员", 200, 200)
    assert by_id[people["dibao"].id_number][5:] == ("低保对象", 200, 140)
    entry = LogEntry.objects.filter(additional_data__event="export", actor=bureau_user).get()
    assert entry.additional_data["detail"] == {
        "what": "assistance.pension_agency",
        "rows": 4,
        "full_id_numbers": True,
    }
    assert client.get(reverse("assistance:pension_agency") + "?year=2027").status_code == 404
