"""Issue 20, item 7: 就业意愿 and 求职意向 stored per person with a date. Seed 004 §二(二): "动态更新防止返贫致贫对象和
继续帮扶对象就业失业状态、技能水平、培训意愿、求职意向等信息"; §二(一) assists those "有劳动能力和就业意愿"."""

import io
from datetime import date

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from assistance import selectors, services
from assistance.models import IntentionRecord
from assistance.tests.factories import EnrolmentFactory
from workers.tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(township_a):
    person = WorkerFactory(township=township_a)
    EnrolmentFactory(worker=person, entry_date=date(2026, 1, 5))
    return person


def _record(user, worker, day, wish="yes", text=""):
    return services.intention_record(
        acting_user=user, worker=worker, recorded_on=day, wants_work=wish, job_intention=text
    )


def test_history_kept_latest_is_current(clerk_a, enrolled):
    _record(clerk_a, enrolled, date(2026, 2, 1), text="电子厂普工")
    _record(clerk_a, enrolled, date(2026, 9, 1), wish="no")
    assert IntentionRecord.objects.filter(worker=enrolled).count() == 2
    row = selectors.worklist(user=clerk_a, year=2026, today=date(2026, 10, 1)).get()
    assert (row.wish, row.wish_intention, row.wish_recorded_on) == ("no", "", date(2026, 9, 1))
    with pytest.raises(ValidationError) as exc:
        _record(clerk_a, enrolled, date(2026, 9, 1))
    assert exc.value.message_dict["recorded_on"] == [services.INTENTION_SAME_DAY.format(day=date(2026, 9, 1))]


def test_refusals_change_nothing(clerk_a, clerk_b, enrolled):
    with pytest.raises(ValidationError) as exc:
        _record(clerk_a, enrolled, date(2026, 2, 1), wish="maybe")
    assert exc.value.message_dict["wants_work"] == [services.WISH_INVALID]
    with pytest.raises(PermissionDenied):
        _record(clerk_b, enrolled, date(2026, 2, 1))
    assert not IntentionRecord.objects.exists()


def test_worklist_page_and_export_show_it(client, clerk_a, clerk_b, enrolled):
    url = reverse("assistance:intention_add", args=[enrolled.pk])
    data = {"recorded_on": "2026-03-02", "wants_work": "yes", "job_intention": "家政服务"}
    client.force_login(clerk_b)
    assert client.post(url, data).status_code == 404
    client.force_login(clerk_a)
    assert client.post(url, data).status_code == 302
    page = client.get(reverse("assistance:worklist") + "?year=2026").content.decode()
    assert "有就业意愿：家政服务" in page
    content = client.get(reverse("assistance:worklist") + "?year=2026&format=xlsx").content
    rows = [tuple(c.value for c in r) for r in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows()]
    header = next(r for r in rows if r and "就业意愿" in r)
    person = next(r for r in rows if r and r[0] == enrolled.name)
    assert person[header.index("就业意愿")] == "有就业意愿"
    assert person[header.index("求职意向")] == "家政服务"
    assert str(person[header.index("意愿登记日期")])[:10] == "2026-03-02"


@pytest.mark.django_db(transaction=True)
def test_migration_carries_the_ledger_job_intention_over(township_a):
    before = [("assistance", "0005_follow_up_after_exit")]
    executor = MigrationExecutor(connection)
    after = executor.loader.graph.leaf_nodes("assistance")
    executor.migrate(before)
    with_wish = WorkerFactory(township=township_a, job_intention="建筑木工")
    WorkerFactory(township=township_a, job_intention="")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    records = list(IntentionRecord.objects.values_list("worker_id", "wants_work", "job_intention"))
    assert records == [(with_wish.pk, "yes", "建筑木工")]
    with_wish.refresh_from_db()
    assert IntentionRecord.objects.get().recorded_on == timezone.localdate(with_wish.updated_at)


def test_job_pushes_are_matched_against_the_intention_of_their_day(login, clerk_a, enrolled):
    """City document §二(二): the 求职意向 is kept up to date so that the 1131 job pushes fit it. Each push
    is matched against the intention recorded on or before its date: a part of the intention in the post or
    the employer's name."""
    assert selectors.intention_terms("电焊工、万州城区 / 制造业工作") == ["电焊工", "万州城区", "制造业"]
    assert selectors.push_matches("电焊工", employer_name="万州某机械厂", post_name="电焊工") is True
    assert selectors.push_matches("电焊工", employer_name="万州某超市", post_name="收银员") is False
    assert selectors.push_matches("", employer_name="万州某超市", post_name="收银员") is None

    def push(day, post):
        services.service_record(
            acting_user=clerk_a, worker=enrolled, kind="job_push", date=day, provided_by="张三",
            employer_name="万州某机械厂", post_name=post,
        )  # fmt: skip

    push(date(2026, 2, 10), "电焊工")  # before any intention: nothing to match
    _record(clerk_a, enrolled, date(2026, 3, 1), text="电焊工、叉车司机")
    push(date(2026, 3, 10), "电焊工")
    push(date(2026, 3, 11), "仓库保管员")
    matched = [
        (s.date, match) for s, _i, match in selectors.pushes_against_intentions(enrolled, enrolled.assistance_services.all())
    ]  # fmt: skip
    assert sorted(matched) == [
        (date(2026, 2, 10), None),
        (date(2026, 3, 10), True),
        (date(2026, 3, 11), False),
    ]
    body = (
        login(clerk_a).get(reverse("assistance:person", args=[enrolled.pk]), {"year": 2026}).content.decode()
    )
    assert body.count("符合求职意向") == 1 and body.count("与求职意向不符") == 1
