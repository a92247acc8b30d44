import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from targets.models import Industry, Township, TownshipTarget
from targets.scoping import (
    NOT_IN_SCOPE,
    READ_ONLY_ROLE,
    ensure_township_writable,
    scope_queryset,
    visible_industries,
    visible_townships,
    writable_townships,
)

pytestmark = pytest.mark.django_db


def test_each_clerk_sees_only_own_township(clerk_a, clerk_b, township_a, township_b):
    assert list(visible_townships(clerk_a)) == [township_a]
    assert list(visible_townships(clerk_b)) == [township_b]
    assert list(writable_townships(clerk_a)) == [township_a]
    targets = TownshipTarget.objects.filter(plan_year_id=2025)
    assert set(scope_queryset(targets, clerk_a).values_list("township__name", flat=True)) == {"甘宁镇"}
    assert set(scope_queryset(targets, clerk_b).values_list("township__name", flat=True)) == {"分水镇"}


def test_clerk_write_check(clerk_a, township_a, township_b):
    ensure_township_writable(clerk_a, township_a)
    with pytest.raises(PermissionDenied) as exc:
        ensure_township_writable(clerk_a, township_b)
    assert str(exc.value) == str(NOT_IN_SCOPE)


def test_user_without_assignment_sees_nothing(reference_data):
    user = get_user_model().objects.create_user("nobody", password="x")
    assert not visible_townships(user).exists()
    assert not visible_industries(user).exists()
    assert not scope_queryset(TownshipTarget.objects.all(), user).exists()
    with pytest.raises(PermissionDenied):
        ensure_township_writable(user, Township.objects.first())


def test_anonymous_sees_nothing(reference_data):
    from django.contrib.auth.models import AnonymousUser

    assert not visible_townships(AnonymousUser()).exists()


def test_bureau_sees_all(bureau_user):
    assert visible_townships(bureau_user).count() == 52
    assert visible_industries(bureau_user).count() == 13
    assert scope_queryset(TownshipTarget.objects.all(), bureau_user, write=True).count() == 147


def test_industry_user_sees_own_industries_read_only(industry_user):
    assert list(visible_industries(industry_user).values_list("code", flat=True)) == ["02"]
    assert visible_townships(industry_user).count() == 52
    assert not writable_townships(industry_user).exists()
    with pytest.raises(PermissionDenied) as exc:
        ensure_township_writable(industry_user, Township.objects.first())
    assert str(exc.value) == str(READ_ONLY_ROLE)
    industries = scope_queryset(
        Industry.objects.all(), industry_user, township_field=None, industry_field="id"
    )
    assert list(industries.values_list("code", flat=True)) == ["02"]


def test_reviewer_reads_all_writes_no_ledger(reviewer_user):
    assert visible_townships(reviewer_user).count() == 52
    assert not writable_townships(reviewer_user).exists()


def test_inactive_user_sees_nothing(clerk_a):
    clerk_a.is_active = False
    clerk_a.save()
    clerk_a = get_user_model().objects.get(pk=clerk_a.pk)
    assert not visible_townships(clerk_a).exists()
