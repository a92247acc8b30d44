"""Reads of subsidies: scoped application lists, the sums that caps and budgets count, summaries, exports.

Every list a user sees starts from `applications_for`, which goes through `targets.scoping`: a clerk sees the
applications of their own township only; bureau staff and reviewers see all; industry departments and users
without an assignment see none. Cap sums (`committed_sum`) deliberately ignore scoping — a cap counts every
township's approvals — and return only totals, never other townships' rows.
"""

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, TruncMonth

from targets.models import Role
from targets.scoping import scope_for, scope_queryset
from workers.services import normalise_name

from .models import (
    COMMITTED_STATUSES,
    Application,
    ApplicationWorker,
    Status,
    SubsidyKind,
    SubsidyKindYear,
)

ZERO = Decimal("0")
SUBSIDY_ROLES = (Role.CLERK, Role.BUREAU, Role.REVIEWER)
REVIEW_ROLES = (Role.BUREAU, Role.REVIEWER)
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def can_use_subsidies(user) -> bool:
    scope = scope_for(user)
    return scope.role in SUBSIDY_ROLES and not scope.is_empty


def is_reviewer(user) -> bool:
    return scope_for(user).role in REVIEW_ROLES


def applications_for(user) -> QuerySet[Application]:
    """Applications `user` may see (clerk: own township; bureau, reviewer: all; others: none)."""
    queryset = Application.objects.select_related("kind", "township", "worker", "employer", "household")
    if not can_use_subsidies(user):
        return queryset.none()
    return scope_queryset(queryset, user, township_field="township")


def application_list(
    *,
    user,
    status: str = "",
    kind: str = "",
    year: int | None = None,
    township: str = "",
    search: str = "",
) -> QuerySet[Application]:
    queryset = applications_for(user)
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind__code=kind)
    if year:
        queryset = queryset.filter(year=year)
    if township:
        queryset = queryset.filter(township__code=township)
    search = (search or "").strip()
    if search:
        condition = (
            Q(worker__name__contains=normalise_name(search))  # `买买提・艾力` finds `买买提·艾力`
            | Q(employer__name__contains=search)
            | Q(subject_name__contains=search)
            | Q(worker__id_number=search.upper())  # exact only: no prefix search on ID numbers
        )
        number = search.upper().removeprefix("BT")
        if "-" in number and number.split("-")[-1].isdigit():
            condition |= Q(pk=int(number.split("-")[-1]))
        elif search.isdigit():
            condition |= Q(pk=int(search))
        queryset = queryset.filter(condition)
    return queryset.order_by("-updated_at", "-id")


def status_counts(*, user) -> dict[str, int]:
    return dict(applications_for(user).order_by().values_list("status").annotate(n=Count("id")))


def review_queue(*, user) -> QuerySet[Application]:
    """What a reviewer or bureau user may act on: township reviews, district reviews, notices, payments."""
    if not is_reviewer(user):
        return Application.objects.none()
    return (
        applications_for(user)
        .filter(
            status__in=[
                Status.SUBMITTED,
                Status.TOWNSHIP_APPROVED,
                Status.DISTRICT_APPROVED,
                Status.PUBLIC_NOTICE,
                Status.PAYABLE,
            ]
        )
        .order_by("status", "submitted_at", "id")
    )


def kind_year(kind: SubsidyKind, year: int) -> SubsidyKindYear | None:
    return SubsidyKindYear.objects.filter(kind=kind, year=year).first()


def committed_sum(queryset: QuerySet[Application]) -> Decimal:
    """Sum of approved amounts of the applications in `queryset` that count against caps and budgets."""
    total = queryset.filter(status__in=COMMITTED_STATUSES).aggregate(
        total=Coalesce(Sum("amount_approved"), Value(ZERO), output_field=_MONEY)
    )["total"]
    return Decimal(total or 0)


def worker_claims(
    *, kind: SubsidyKind, years, worker_ids, exclude_application: int | None, statuses
) -> QuerySet[ApplicationWorker]:
    """Lines of other applications of `kind` in `years` that list one of `worker_ids` (hiring: once in the
    cap's scope — the plan's years by default, or one year)."""
    return (
        ApplicationWorker.objects.filter(
            application__kind=kind,
            application__year__in=list(years),
            application__status__in=statuses,
            worker_id__in=list(worker_ids),
        )
        .exclude(application_id=exclude_application)
        .select_related("application__employer", "worker")
    )


def earlier_subsidies(*, application: Application, user) -> QuerySet[Application]:
    """The household's (or, without a household, the applicant's) other applications the user may see."""
    queryset = applications_for(user).exclude(pk=application.pk)
    if application.entity_code:
        # 创业补贴: the same market entity, whoever founded it, and the founder's own other applications.
        return queryset.filter(
            Q(entity_code=application.entity_code) | Q(worker_id=application.worker_id)
        ).distinct()
    if application.household_id:
        return queryset.filter(
            Q(household_id=application.household_id) | Q(worker__household_id=application.household_id)
        )
    if application.worker_id:
        return queryset.filter(
            Q(worker_id=application.worker_id) | Q(lines__worker_id=application.worker_id)
        ).distinct()
    if application.employer_id:
        return queryset.filter(employer_id=application.employer_id)
    if application.subject_key:
        return queryset.filter(kind=application.kind, subject_key=application.subject_key)
    return queryset.none()


# --- Summaries and exports ------------------------------------------------------------------------------


def _amount_sums():
    committed = Q(status__in=COMMITTED_STATUSES)
    return {
        "count": Count("id"),
        "applied": Coalesce(
            Sum("amount_requested", filter=~Q(status__in=[Status.DRAFT, Status.WITHDRAWN])),
            Value(ZERO),
            output_field=_MONEY,
        ),
        "approved": Coalesce(Sum("amount_approved", filter=committed), Value(ZERO), output_field=_MONEY),
        "paid": Coalesce(
            Sum("payment__amount", filter=Q(status=Status.PAID)), Value(ZERO), output_field=_MONEY
        ),
    }


def summary_by(*, user, year: int, group: str) -> list[dict]:
    """Applied (submitted and beyond), approved (committed) and paid sums of one year by kind, township or month."""
    queryset = applications_for(user).filter(year=year).order_by()
    if group == "kind":
        rows = queryset.values("kind__code", "kind__name", "kind__sort_order").annotate(**_amount_sums())
        return sorted(rows, key=lambda r: r["kind__sort_order"])
    if group == "township":
        return list(
            queryset.values("township__code", "township__name")
            .annotate(**_amount_sums())
            .order_by("township__code")
        )
    if group == "month":
        # The month an application was submitted (drafts have none and do not count as applied).
        rows = (
            queryset.exclude(submitted_at__isnull=True)
            .annotate(month=ExtractMonth(TruncMonth("submitted_at")))
            .values("month")
            .annotate(**_amount_sums())
            .order_by("month")
        )
        return list(rows)
    raise ValueError(group)


def budget_rows(*, user, year: int) -> list[dict]:
    """Per kind: cap settings, budget, committed (district-wide — budgets are district money) and left."""
    rows = []
    show_all = is_reviewer(user)
    for setting in (
        SubsidyKindYear.objects.filter(year=year).select_related("kind").order_by("kind__sort_order")
    ):
        used = committed_sum(Application.objects.filter(kind=setting.kind, year=year))
        rows.append(
            {
                "kind": setting.kind,
                "setting": setting,
                "budget": setting.budget,
                "used": used if show_all else None,
                "left": (setting.budget - used) if setting.budget is not None and show_all else None,
            }
        )
    return rows


def notice_rows(*, user, year: int | None = None, township: str = "") -> QuerySet[Application]:
    queryset = applications_for(user).filter(status=Status.PUBLIC_NOTICE)
    if year:
        queryset = queryset.filter(year=year)
    if township:
        queryset = queryset.filter(township__code=township)
    return queryset.order_by("township__code", "kind__sort_order", "id")


def payment_rows(*, user, year: int | None = None, status: str = Status.PAYABLE) -> QuerySet[Application]:
    queryset = applications_for(user).filter(status=status).select_related("payment")
    if year:
        queryset = queryset.filter(year=year)
    return queryset.order_by("township__code", "kind__sort_order", "id")


def yearly_totals(*, user, year: int) -> list[dict]:
    return list(
        applications_for(user)
        .filter(year=year)
        .order_by()
        .values("kind__name", "kind__sort_order", "township__code", "township__name")
        .annotate(**_amount_sums())
        .order_by("kind__sort_order", "township__code")
    )
