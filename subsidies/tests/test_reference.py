"""Subsidy kinds come with `load_reference_data`: idempotent, never overwriting what bureau staff edited."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from subsidies.models import Rule, SubsidyKind, SubsidyKindYear
from subsidies.services import subsidy_kinds_load

pytestmark = pytest.mark.django_db


def test_kinds_and_plan_caps_are_loaded(kinds):
    assert set(kinds) == {
        "startup",
        "hiring",
        "loan_interest",
        "park",
        "labour_brand",
        "transport",
        "public_welfare_post",
        "social_insurance",
        "job_seeking",
        "employment_service",
        "assistance_workshop",
        "rural_craftsman",
    }
    setting = {s.kind.code: s for s in SubsidyKindYear.objects.filter(year=2026).select_related("kind")}
    assert setting["startup"].cap == Decimal("8000")
    assert setting["hiring"].cap == Decimal("1000")
    assert (setting["park"].cap, setting["park"].follow_up_cap) == (Decimal("600000"), Decimal("300000"))
    assert setting["labour_brand"].cap == Decimal("500000")
    loan = setting["loan_interest"]
    assert (loan.principal_cap_individual, loan.principal_cap_enterprise, loan.interest_share) == (
        Decimal("300000"),
        Decimal("4000000"),
        Decimal("0.5"),
    )
    city = [k for k in kinds.values() if k.rule in (Rule.YEARLY_CAP, Rule.WORKSHOP, Rule.SERVICE_AID)]
    assert len(city) == 7
    assert all(s.cap is None and s.budget is None for s in SubsidyKindYear.objects.filter(kind__in=city))
    assert SubsidyKindYear.objects.count() == 36


def test_loading_again_changes_nothing_and_keeps_staff_edits(kinds):
    SubsidyKindYear.objects.filter(kind=kinds["startup"], year=2025).update(cap=Decimal("6000"), budget=100)
    SubsidyKind.objects.filter(code="transport").update(name="跨区域交通补助（改）", active=False)
    assert subsidy_kinds_load() == 0
    call_command("load_reference_data", verbosity=0)
    setting = SubsidyKindYear.objects.get(kind=kinds["startup"], year=2025)
    assert (setting.cap, setting.budget) == (Decimal("6000"), Decimal("100"))
    transport = SubsidyKind.objects.get(code="transport")
    assert (transport.name, transport.active) == ("跨区域交通补助（改）", False)
    assert SubsidyKind.objects.count() == 12


def test_bureau_sets_a_city_kind_cap_in_the_admin(login, kinds, bureau_user, clerk_a):
    kind = kinds["transport"]
    url = reverse("admin:subsidies_subsidykind_change", args=[kind.pk])
    browser = login(bureau_user)
    page = browser.get(url)
    assert page.status_code == 200 and "年度补贴标准" in page.content.decode()
    years = list(SubsidyKindYear.objects.filter(kind=kind).order_by("id"))
    data = {
        "name": kind.name,
        "source": kind.source,
        "description": "",
        "active": "on",
        "sort_order": kind.sort_order,
        "cap_scope": kind.cap_scope,
        "scope_changes-TOTAL_FORMS": 0,
        "scope_changes-INITIAL_FORMS": 0,
        "years-TOTAL_FORMS": len(years),
        "years-INITIAL_FORMS": len(years),
        "years-MIN_NUM_FORMS": 0,
        "years-MAX_NUM_FORMS": 1000,
    }
    for i, setting in enumerate(years):
        data.update(
            {f"years-{i}-id": setting.pk, f"years-{i}-kind": kind.pk, f"years-{i}-year": setting.year}
        )
    data["years-0-cap"] = "500"
    response = browser.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert SubsidyKindYear.objects.get(pk=years[0].pk).cap == Decimal("500")
    # A clerk may look but not change.
    assert login(clerk_a).post(url, data).status_code == 403
