"""Issue 20, item 8: carriers for the ≥ 1,000 indicator. Plan task (五), as written: the 5 gig markets are an
indicator of their own, and placements through every carrier count toward the 1,000 a year."""

import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from assistance import selectors, services
from assistance.models import Carrier, CarrierKind
from targets.models import KeyTaskTarget
from workers.tests.factories import EmploymentFactory, WorkerFactory

pytestmark = pytest.mark.django_db

#: seeds/000_… 任务（五）, as written.
PLAN_TASK_5 = (
    "建设三峡零工大本营，升级打造零工市场（驿站）5家，为农民工提供便捷招聘、技能培训、权益保障等综合服务，"
    "统筹创业孵化基地、农民工返乡创业园、充分就业社区（村）等载体建设，每年促进农民工就业人数保持在1000人以上。"
)
GIG_MARKETS = int(re.search(r"零工市场（驿站）(\d+)家", PLAN_TASK_5)[1])
CARRIER_PEOPLE = int(re.search(r"保持在(\d+)人以上", PLAN_TASK_5)[1])
CARRIER_KINDS = re.search(r"统筹(.+?)等载体", PLAN_TASK_5)[1].split("、")


def test_every_carrier_kind_the_plan_names_can_be_registered(bureau_user, clerk_a):
    labels = {label for _value, label in CarrierKind.choices}
    assert set(CARRIER_KINDS) | {"零工市场（驿站）"} == labels
    with pytest.raises(PermissionDenied):
        services.carrier_save(
            acting_user=clerk_a, name="甘宁充分就业社区", kind=CarrierKind.FULL_EMPLOYMENT_COMMUNITY
        )
    with pytest.raises(ValidationError) as exc:
        services.carrier_save(acting_user=bureau_user, name="某载体", kind="park")
    assert exc.value.message_dict["kind"] == [services.CARRIER_KIND_INVALID]
    assert not Carrier.objects.exists()


def _board_row(code, year=2025, as_of=date(2025, 12, 31)):
    return {r["code"]: r for r in selectors.key_task_board(year=year, as_of=as_of)["rows"]}[code]


def test_the_indicator_counts_people_over_every_carrier(bureau_user):
    names = {
        CarrierKind.GIG_MARKET: "三峡零工大本营",
        CarrierKind.INCUBATOR: "万州创业孵化基地",
        CarrierKind.RETURNEE_PARK: "农民工返乡创业园",
        CarrierKind.FULL_EMPLOYMENT_COMMUNITY: "甘宁充分就业社区",
    }
    for kind, name in names.items():
        services.carrier_save(acting_user=bureau_user, name=name, kind=kind)
    for name in names.values():
        EmploymentFactory(worker=WorkerFactory(), start_date=date(2025, 5, 1), channel=name)
    person = WorkerFactory()  # two carriers, one person
    EmploymentFactory(worker=person, start_date=date(2025, 6, 1), channel="万州创业孵化基地")
    EmploymentFactory(worker=person, start_date=date(2025, 9, 1), channel="三峡零工大本营")
    row = _board_row("gig-market-employment")
    assert (row["count"], row["target"]) == (5, CARRIER_PEOPLE)


def test_five_gig_markets_are_their_own_indicator(bureau_user):
    assert set(
        KeyTaskTarget.objects.filter(indicator__code="gig-markets").values_list("plan_year_id", "target")
    ) == {(year, GIG_MARKETS) for year in (2025, 2026, 2027)}
    for n in range(GIG_MARKETS - 1):
        services.carrier_save(acting_user=bureau_user, name=f"零工驿站{n}")
    services.carrier_save(acting_user=bureau_user, name="返乡创业园", kind=CarrierKind.RETURNEE_PARK)
    services.carrier_save(acting_user=bureau_user, name="停用驿站", active=False)
    row = _board_row("gig-markets")
    assert (row["count"], row["target"], row["lagging"], row["unit"]) == (
        GIG_MARKETS - 1,
        GIG_MARKETS,
        True,
        "家",
    )
    services.carrier_save(acting_user=bureau_user, name="三峡零工大本营")
    assert _board_row("gig-markets")["lagging"] is False


@pytest.mark.django_db(transaction=True)
def test_migration_makes_gig_markets_carriers(township_a):
    before = [("assistance", "0006_intentions")]
    executor = MigrationExecutor(connection)
    after = executor.loader.graph.leaf_nodes("assistance")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("assistance", "GigMarket")
    market = old.objects.create(name="甘宁零工驿站", township_id=township_a.pk, address="甘宁场镇")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    carrier = Carrier.objects.get()
    assert (carrier.pk, carrier.name, carrier.kind, carrier.township_id, carrier.active) == (
        market.pk,
        "甘宁零工驿站",
        CarrierKind.GIG_MARKET,
        township_a.pk,
        True,
    )
