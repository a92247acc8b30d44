import csv

import pytest
from django.conf import settings
from django.db.models import Sum

from targets.models import (
    Industry,
    IndustryTarget,
    KeyTaskIndicator,
    KeyTaskTarget,
    PlanYear,
    Township,
    TownshipTarget,
)
from targets.selectors import industry_resolve, target_sums, township_resolve
from targets.services import reference_data_load

pytestmark = pytest.mark.django_db

ANNEX_1 = {
    "甘宁镇": 730,
    "龙沙镇": 397,
    "响水镇": 280,
    "武陵镇": 309,
    "瀼渡镇": 138,
    "熊家镇": 380,
    "小周镇": 150,
    "大周镇": 155,
    "高梁镇": 605,
    "李河镇": 510,
    "分水镇": 1200,
    "孙家镇": 190,
    "余家镇": 730,
    "后山镇": 383,
    "弹子镇": 288,
    "长岭镇": 488,
    "新田镇": 553,
    "白羊镇": 557,
    "龙驹镇": 557,
    "走马镇": 604,
    "罗田镇": 405,
    "太龙镇": 288,
    "长滩镇": 348,
    "太安镇": 403,
    "白土镇": 209,
    "郭村镇": 291,
    "柱山乡": 184,
    "铁峰乡": 130,
    "溪口乡": 133,
    "长坪乡": 150,
    "燕山乡": 150,
    "梨树乡": 100,
    "普子乡": 225,
    "地宝土家族乡": 118,
    "恒合土家族乡": 363,
    "黄柏乡": 155,
    "茨竹乡": 130,
    "新乡镇": 100,
    "太白街道": 165,
    "双河口街道": 97,
    "龙都街道": 89,
    "沙河街道": 112,
    "钟鼓楼街道": 284,
    "百安坝街道": 214,
    "五桥街道": 195,
    "陈家坝街道": 192,
    "高峰街道": 252,
    "天城街道": 236,
    "九池街道": 78,
}
ANNEX_2 = {
    "01": 1000,
    "02": 3000,
    "03": 900,
    "04": 2000,
    "05": 1300,
    "06": 2000,
    "07": 500,
    "08": 100,
    "09": 1000,
    "10": 2000,
    "11": 700,
    "12": 500,
}


def test_annex_1_row_by_row(reference_data):
    assert Township.objects.count() == 52
    targets = dict(TownshipTarget.objects.filter(plan_year_id=2025).values_list("township__name", "target"))
    assert targets == ANNEX_1
    assert sum(targets.values()) == 15000
    assert targets["分水镇"] == 1200 and targets["九池街道"] == 78


def test_three_townships_without_target(reference_data):
    no_target = Township.objects.exclude(townshiptarget__plan_year_id=2025)
    assert sorted(no_target.values_list("name", flat=True)) == sorted(
        ["高笋塘街道", "牌楼街道", "周家坝街道"]
    )
    assert not no_target.filter(in_plan=True).exists()


def test_annex_2_industries(reference_data):
    assert Industry.objects.count() == 13
    targets = dict(IndustryTarget.objects.filter(plan_year_id=2025).values_list("industry__code", "target"))
    assert targets == ANNEX_2
    assert sum(targets.values()) == 15000
    assert Industry.objects.get(code="02").name == "制造业"
    assert Industry.objects.get(name="房地产业").industrytarget_set.get(plan_year_id=2025).target == 100
    other = Industry.objects.get(code="99")
    assert other.name == "其他行业" and not other.in_plan and not other.industrytarget_set.exists()


def test_plan_years_and_copies(reference_data):
    assert list(PlanYear.objects.values_list("year", "nearby_goal", "returnee_goal")) == [
        (2025, 15000, 6000),
        (2026, 15000, 6000),
        (2027, 15000, 6000),
    ]
    for year in (2026, 2027):
        assert TownshipTarget.objects.filter(plan_year_id=year).aggregate(s=Sum("target"))["s"] == 15000
        assert target_sums(year=year)["consistent"]


def test_key_task_indicators(reference_data):
    targets = {
        t.indicator.code: t.target
        for t in KeyTaskTarget.objects.filter(plan_year_id=2025).select_related("indicator")
    }
    assert targets["training-person-times"] == 5000
    assert targets["training-employment-rate"] == 60
    assert targets["poverty-alleviated-in-work"] == 51700
    assert targets["new-citizen-training"] == 970
    assert targets["recruitment-events"] == 200
    # The five sector groups are exact unions of annex-2 industries whose targets add up to the group's.
    for indicator in KeyTaskIndicator.objects.filter(kind="sector"):
        codes = list(indicator.industries.values_list("code", flat=True))
        annex_sum = sum(ANNEX_2[c] for c in codes)
        assert annex_sum == targets[indicator.code], indicator.code


def test_load_twice_changes_nothing(reference_data):
    counts = [
        m.objects.count()
        for m in (Township, Industry, PlanYear, TownshipTarget, IndustryTarget, KeyTaskTarget)
    ]
    summary = reference_data_load()
    assert summary.total_created == 0
    assert counts == [
        m.objects.count()
        for m in (Township, Industry, PlanYear, TownshipTarget, IndustryTarget, KeyTaskTarget)
    ]


def test_edited_target_survives_reload(reference_data):
    TownshipTarget.objects.filter(plan_year_id=2026, township__name="分水镇").update(target=1300)
    reference_data_load()
    assert TownshipTarget.objects.get(plan_year_id=2026, township__name="分水镇").target == 1300
    assert not target_sums(year=2026)["consistent"]


def test_fixture_matches_shared_reference():
    """fixtures/ carries its own copy of the shared reference CSVs; they must not drift apart."""
    shared = settings.BASE_DIR.parent / "shared"
    if not (shared / "townships.csv").exists():
        pytest.skip("shared/ is not beside the repository")
    for name in ("townships.csv", "industries.csv"):
        with (
            (shared / name).open(encoding="utf-8") as a,
            (settings.BASE_DIR / "fixtures" / name).open(encoding="utf-8") as b,
        ):
            assert list(csv.reader(a)) == list(csv.reader(b))


@pytest.mark.parametrize(
    "value,expected",
    [
        ("分水镇", "分水镇"),
        (" 分水镇 ", "分水镇"),
        ("500101144", "分水镇"),
        ("500101144000", "分水镇"),
        ("500101134", "高峰街道"),  # former code of 高峰镇
        ("500101134000", "高峰街道"),
        ("500101245", "九池街道"),
        ("５００１０１１４４", "分水镇"),  # full-width digits
        ("火星镇", None),
        ("", None),
    ],
)
def test_township_resolve(reference_data, value, expected):
    township = township_resolve(value)
    assert (township.name if township else None) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("制造业", "02"),
        ("02", "02"),
        ("2", "02"),
        ("建筑业", "03"),
        ("建筑业（含勘察设计业等）", "03"),
        ("农林牧渔业", "01"),
        ("其他行业", "99"),
        ("采矿业", None),
    ],
)
def test_industry_resolve(reference_data, value, expected):
    industry = industry_resolve(value)
    assert (industry.code if industry else None) == expected
