"""Township and industry scoping: the one place that decides what a user may see and change.

The most important invariant of the system: a clerk never sees or changes another township's people,
through any door. Every admin, view, import, export and API path filters through `scope_queryset`
(reads) and `ensure_township_writable` (writes). A user with no assignment sees nothing, not everything.

| role                | sees townships | sees industries | writes ledger        |
|---------------------|----------------|-----------------|----------------------|
| superuser, bureau   | all            | all             | all townships        |
| clerk               | own township   | all             | own township         |
| industry department | all            | own industries  | nothing (read-only)  |
| reviewer            | all            | all             | nothing (subsidies)  |
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Industry, Role, Township

NOT_IN_SCOPE = _("您无权查看或修改该镇乡街道的数据。")
READ_ONLY_ROLE = _("您的账号为只读账号，不能修改数据。")


@dataclass(frozen=True)
class Scope:
    role: str | None
    all_townships: bool = False
    township_ids: frozenset[int] = frozenset()
    all_industries: bool = False
    industry_ids: frozenset[int] = frozenset()
    can_write: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.all_townships or self.township_ids) or not (self.all_industries or self.industry_ids)

    def sees_township(self, township_id: int | None) -> bool:
        return self.all_townships or township_id in self.township_ids

    def sees_industry(self, industry_id: int | None) -> bool:
        return self.all_industries or industry_id in self.industry_ids


NOTHING = Scope(role=None)


def scope_for(user) -> Scope:
    """The scope of a user, computed once per user object (requests build a fresh user each time)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    cached = getattr(user, "_wz_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._wz_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    if user.is_superuser:
        return Scope(role=Role.BUREAU, all_townships=True, all_industries=True, can_write=True)
    from .models import StaffAssignment

    assignment = StaffAssignment.objects.filter(user=user).first()
    if assignment is None:
        return NOTHING
    if assignment.role == Role.BUREAU:
        return Scope(role=Role.BUREAU, all_townships=True, all_industries=True, can_write=True)
    if assignment.role == Role.CLERK:
        if assignment.township_id is None:
            return NOTHING
        return Scope(
            role=Role.CLERK,
            township_ids=frozenset({assignment.township_id}),
            all_industries=True,
            can_write=True,
        )
    if assignment.role == Role.INDUSTRY:
        ids = frozenset(assignment.industries.values_list("id", flat=True))
        return Scope(role=Role.INDUSTRY, all_townships=True, industry_ids=ids) if ids else NOTHING
    if assignment.role == Role.REVIEWER:
        return Scope(role=Role.REVIEWER, all_townships=True, all_industries=True)
    return NOTHING


def forget_scope(user) -> None:
    """Drop the cached scope after the user's assignment changed."""
    if hasattr(user, "_wz_scope"):
        del user._wz_scope


def visible_townships(user) -> QuerySet[Township]:
    scope = scope_for(user)
    if scope.is_empty:
        return Township.objects.none()
    if scope.all_townships:
        return Township.objects.all()
    return Township.objects.filter(id__in=scope.township_ids)


def writable_townships(user) -> QuerySet[Township]:
    if not scope_for(user).can_write:
        return Township.objects.none()
    return visible_townships(user)


def visible_industries(user) -> QuerySet[Industry]:
    scope = scope_for(user)
    if scope.is_empty:
        return Industry.objects.none()
    if scope.all_industries:
        return Industry.objects.all()
    return Industry.objects.filter(id__in=scope.industry_ids)


def scope_queryset(
    queryset: QuerySet,
    user,
    *,
    township_field: str | None = "township",
    industry_field: str | None = None,
    write: bool = False,
) -> QuerySet:
    """Filter any queryset to what `user` may see (or, with `write=True`, change).

    `township_field` and `industry_field` are lookup paths from the queryset's model to a Township and
    an Industry (e.g. ``"worker__township"``, ``"industry"``). An industry path that runs through a
    to-many relation (a worker's employments) keeps rows having at least one match, without duplicates.
    """
    scope = scope_for(user)
    if scope.is_empty or (write and not scope.can_write):
        return queryset.none()
    condition = Q()
    if township_field and not scope.all_townships:
        condition &= Q(**{f"{township_field}__in": scope.township_ids})
    if industry_field and not scope.all_industries:
        if "__" in industry_field:
            model = queryset.model
            inner = model._default_manager.filter(**{f"{industry_field}__in": scope.industry_ids})
            condition &= Q(pk__in=inner.values("pk"))
        else:
            condition &= Q(**{f"{industry_field}__in": scope.industry_ids})
    return queryset.filter(condition)


def scope_ids(user, *, township_ids=None, industry_ids=None) -> tuple[list[int] | None, list[int] | None]:
    """For reads that are not querysets (raw counting SQL): the township and industry ids `user` may see,
    intersected with the ones asked for (None: no narrowing asked, and for the result: all). A user who sees
    nothing gets two empty lists, so the read returns nothing — the same rule as `scope_queryset`."""
    scope = scope_for(user)
    if scope.is_empty:
        return [], []

    def narrow(asked, every: bool, allowed: frozenset[int]):
        if every:
            return None if asked is None else sorted(set(asked))
        return sorted(allowed if asked is None else allowed & set(asked))

    return (
        narrow(township_ids, scope.all_townships, scope.township_ids),
        narrow(industry_ids, scope.all_industries, scope.industry_ids),
    )


def ensure_township_writable(user, township: Township | int | None) -> None:
    """Raise PermissionDenied (Chinese message) unless `user` may change data of `township`."""
    scope = scope_for(user)
    township_id = township.pk if isinstance(township, Township) else township
    if not scope.can_write:
        raise PermissionDenied(READ_ONLY_ROLE if scope.role else NOT_IN_SCOPE)
    if not scope.sees_township(township_id):
        raise PermissionDenied(NOT_IN_SCOPE)


def ensure_township_visible(user, township: Township | int | None) -> None:
    township_id = township.pk if isinstance(township, Township) else township
    if not scope_for(user).sees_township(township_id):
        raise PermissionDenied(NOT_IN_SCOPE)
