"""**1131 status** (issue 9) of a person in year Y: complete when the person has, dated in Y, at least 1
policy briefing, 1 career guidance, 3 job pushes and 1 training referral. People counted for a township's
completion rate: workers of the township with an enrolment overlapping Y (up to the as-of date). The clerk's
worklist is the incomplete ones still in assistance; `enrolled_between` is also what the household rule means
by an enrolled member.
"""

from datetime import date

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from targets.scoping import scope_queryset
from workers.models import Worker
from workers.selectors import year_window

from ..models import ROUTINE_1131, Enrolment, ServiceKind, ServiceRecord
from ._common import _ids_filter
from .intentions import with_intention

_COUNT_FIELDS = {
    ServiceKind.POLICY: "n_policy",
    ServiceKind.GUIDANCE: "n_guidance",
    ServiceKind.JOB_PUSH: "n_job_push",
    ServiceKind.TRAINING_REFERRAL: "n_training",
}


def enrolled_between(first, last, *, worker_ref: str = "pk") -> Exists:
    """Workers with an enrolment sharing at least one day with [first, last]."""
    return Exists(
        Enrolment.objects.filter(worker=OuterRef(worker_ref), entry_date__lte=last).filter(
            Q(exit_date__isnull=True) | Q(exit_date__gte=first)
        )
    )


def with_open_enrolment(workers: QuerySet, *, status: str = "") -> QuerySet:
    """`workers` annotated with `open_entry_date` and `open_category` of their open enrolment (None when not
    in assistance); `status` "enrolled" keeps the people in assistance now, "not_enrolled" the others.

    The people in assistance are a join on the open enrolments (a few % of the district, one at most per
    person: `enrolment_one_open_per_worker`), not a lookup for every worker of the ledger (issue 27: the
    list was 3.6–5 s for the district at 1M employments)."""
    if status == "enrolled":
        return workers.filter(
            enrolments__entry_date__isnull=False, enrolments__exit_date__isnull=True
        ).annotate(open_entry_date=F("enrolments__entry_date"), open_category=F("enrolments__category"))
    open_enrolment = Enrolment.objects.filter(worker=OuterRef("pk"), exit_date__isnull=True)
    if status == "not_enrolled":
        workers = workers.exclude(Exists(open_enrolment))
    return workers.annotate(
        open_entry_date=Subquery(open_enrolment.values("entry_date")[:1]),
        open_category=Subquery(open_enrolment.values("category")[:1]),
    )


def _service_count(kind: str, start: date, end: date) -> Coalesce:
    counts = (
        ServiceRecord.objects.filter(worker=OuterRef("pk"), kind=kind, date__gte=start, date__lte=end)
        .order_by()
        .values("worker")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def _complete_condition() -> Q:
    return Q(**{f"{field}__gte": ROUTINE_1131[kind] for kind, field in _COUNT_FIELDS.items()})


def routine_people(*, year: int, as_of: date | None = None, township_ids=None) -> QuerySet:
    """Workers enrolled at some time in `year` (up to `as_of`), annotated with their 1131 counts of the
    year (`n_policy`, `n_guidance`, `n_job_push`, `n_training`), `complete`, and `open_entry_date` (entry of
    the open enrolment, None when they have left assistance).

    The counts are one grouped join of the year's records, not four correlated counts per person
    (issue 27: the worklist took 2–4 s at a district's scale); `_service_count` gives the same numbers."""
    start, end = year_window(year, as_of)
    open_entry = Enrolment.objects.filter(worker=OuterRef("pk"), exit_date__isnull=True).values("entry_date")[
        :1
    ]
    year_services = FilteredRelation(
        "assistance_services",
        condition=Q(assistance_services__date__gte=start, assistance_services__date__lte=end),
    )
    workers = (
        Worker.objects.filter(enrolled_between(start, end))
        .alias(year_services=year_services)
        .annotate(
            **{
                field: Count("year_services", filter=Q(year_services__kind=kind))
                for kind, field in _COUNT_FIELDS.items()
            },
            open_entry_date=Subquery(open_entry),
        )
        .annotate(
            complete=Case(
                When(_complete_condition(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .select_related("township")
    )
    return _ids_filter(workers, township_ids, "township_id")


def routine_missing(worker) -> list[str]:
    """What an annotated worker still lacks this year, e.g. ["岗位推送 2 次", "职业指导 1 次"]."""
    missing = []
    for kind, field in _COUNT_FIELDS.items():
        gap = ROUTINE_1131[kind] - getattr(worker, field)
        if gap > 0:
            missing.append(f"{ServiceKind(kind).label} {gap} 次")
    return missing


def _year_counts(start: date, end: date) -> QuerySet:
    """Per worker with a record dated in [start, end]: the year's 1131 counts under the names of
    `_COUNT_FIELDS`, in one grouped pass over the year's records."""
    return (
        ServiceRecord.objects.filter(date__gte=start, date__lte=end)
        .order_by()
        .values("worker")
        .annotate(**{field: Count("pk", filter=Q(kind=kind)) for kind, field in _COUNT_FIELDS.items()})
    )


def complete_workers(start: date, end: date) -> QuerySet:
    """The ids of the workers whose 1131 routine is complete in [start, end] (`_complete_condition` on the
    grouped counts: the same rule as `routine_people`'s `complete`), as a subquery."""
    return _year_counts(start, end).filter(_complete_condition()).values("worker")


def worklist(*, user, year: int | None = None, today: date | None = None) -> QuerySet:
    """A clerk's people in assistance now whose 1131 routine of the year is incomplete, longest waiting first
    (oldest entry into assistance, then the person registered first), with their current 就业意愿 and 求职意向
    (`with_intention`, issue 20 item 7) to guide the job pushes.

    Driven from the open enrolments (a few % of the district; `enrolment_one_open_per_worker` is their
    index), the complete people taken out with one grouped pass over the year's records; the four counts the
    page shows are computed for the rows of the page only (issue 27: 2–6 s at 1M employments when every
    enrolled worker's counts were grouped before the sort)."""
    today = today or timezone.localdate()
    year = year or today.year
    start, end = year_window(year, today if year == today.year else None)
    people = (
        # One open enrolment per worker at most (a unique condition), so the join adds no rows.
        Worker.objects.filter(enrolments__entry_date__isnull=False, enrolments__exit_date__isnull=True)
        .filter(enrolled_between(start, end))
        .exclude(pk__in=complete_workers(start, end))
        .annotate(
            open_entry_date=F("enrolments__entry_date"),
            **{field: _service_count(kind, start, end) for kind, field in _COUNT_FIELDS.items()},
            complete=Value(False, output_field=BooleanField()),
        )
        .select_related("township")
    )
    people = with_intention(people)
    return scope_queryset(people, user, township_field="township").order_by("open_entry_date", "pk")


def routine_rates(*, year: int, as_of: date | None = None, township_ids=None) -> dict[int, dict]:
    """Per township id: people counted, people complete, completion rate (one grouped query; the complete
    people are one grouped pass over the year's records, not four counts per person)."""
    start, end = year_window(year, as_of)
    rows = (
        Worker.objects.filter(enrolled_between(start, end))
        .values("township_id")
        .annotate(people=Count("pk"), complete=Count("pk", filter=Q(pk__in=complete_workers(start, end))))
        .order_by("township_id")
    )
    rows = _ids_filter(rows, township_ids, "township_id")
    return {
        r["township_id"]: {
            "people": r["people"],
            "complete": r["complete"],
            "rate": round(r["complete"] / r["people"], 4) if r["people"] else None,
        }
        for r in rows
    }
