"""Issue 20, item 9: the plan's registers with counts on the key-task board. seeds/000_…: 任务（三）"实施家政品牌
培育计划，扶持一批员工制家政企业"; 任务（六）"建立在外创业成功人士信息库" and "建立农民工返乡创业“导师库”"; 任务（七）
"壮大劳务经纪人队伍……定期开展大龄农民工职业健康体检". The plan gives no number for them: counts, no target."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assistance import selectors, services
from assistance.models import HealthCheck, RegisterEntry, RegisterKind
from workers.tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db

PLAN_REGISTERS = ("劳务经纪人", "创业导师", "在外创业成功人士", "家政品牌", "员工制家政企业")


def _counts(year=2026, as_of=date(2026, 12, 31)):
    return {r["label"]: r["count"] for r in selectors.register_counts(year=year, as_of=as_of)}


def test_every_register_the_plan_names_is_counted(bureau_user, clerk_a):
    assert tuple(label for _v, label in RegisterKind.choices) == PLAN_REGISTERS
    for kind in RegisterKind.values:
        services.register_save(acting_user=bureau_user, kind=kind, name="甲", registered_on=date(2026, 3, 1))
    services.register_save(
        acting_user=bureau_user, kind=RegisterKind.BROKER, name="乙", registered_on=date(2026, 6, 1)
    )
    services.register_save(
        acting_user=bureau_user,
        kind=RegisterKind.BROKER,
        name="丙",
        registered_on=date(2026, 6, 1),
        active=False,
    )
    counts = _counts()
    assert [counts[label] for label in PLAN_REGISTERS] == [2, 1, 1, 1, 1]
    assert _counts(as_of=date(2026, 5, 31))["劳务经纪人"] == 1  # 乙 entered later
    with pytest.raises(ValidationError) as exc:
        services.register_save(
            acting_user=bureau_user, kind=RegisterKind.BROKER, name="乙", registered_on=date(2026, 6, 1)
        )
    assert exc.value.message_dict["name"] == [
        services.REGISTER_DUPLICATE.format(kind="劳务经纪人", name="乙")
    ]
    with pytest.raises(PermissionDenied):
        services.register_save(
            acting_user=clerk_a, kind=RegisterKind.MENTOR, name="丁", registered_on=date(2026, 1, 1)
        )
    assert RegisterEntry.objects.count() == 7


def test_health_checks_count_people_of_the_year(clerk_a, clerk_b, township_a, client):
    person, other = WorkerFactory(township=township_a), WorkerFactory(township=township_a)
    for day in (date(2026, 3, 1), date(2026, 9, 1)):
        services.health_check_record(acting_user=clerk_a, worker=person, date=day, provider="区人民医院")
    services.health_check_record(
        acting_user=clerk_a, worker=other, date=date(2025, 9, 1), provider="区人民医院"
    )
    assert _counts()["大龄农民工职业健康体检（人）"] == 1
    assert _counts(year=2025, as_of=date(2025, 12, 31))["大龄农民工职业健康体检（人）"] == 1
    with pytest.raises(PermissionDenied):
        services.health_check_record(acting_user=clerk_b, worker=person, date=date(2026, 4, 1), provider="x")
    url = reverse("assistance:health_check_add", args=[person.pk])
    client.force_login(clerk_b)
    assert client.post(url, {"date": "2026-04-01", "provider": "区中医院"}).status_code == 404
    client.force_login(clerk_a)
    assert client.post(url, {"date": "2026-04-01", "provider": "区中医院"}).status_code == 302
    assert HealthCheck.objects.filter(worker=person).count() == 3


def test_board_shows_the_registers(client, bureau_user):
    services.register_save(
        acting_user=bureau_user,
        kind=RegisterKind.HOUSEKEEPING_FIRM,
        name="万州家政公司",
        registered_on=date(2025, 5, 1),
    )
    client.force_login(bureau_user)
    page = client.get(reverse("assistance:board") + "?year=2025").content.decode()
    assert 'data-register="hk_firm"' in page and "员工制家政企业" in page
