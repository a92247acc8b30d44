"""Reads of employment assistance (issue 9), as set-based queries: the same answers on SQLite and PostgreSQL.

Rules (each tested against hand-counted cases in tests/test_selectors.py):

* **1131 status** of a person in year Y: complete when the person has, dated in Y, at least 1 policy briefing,
  1 career guidance, 3 job pushes and 1 training referral. People counted for a township's completion rate:
  workers of the township with an enrolment overlapping Y (up to the as-of date).
* **Household rule** on day D (city document §二(一)): a household is *subject* when a member is enrolled on
  D and a member has labour capacity (full or weak); it *meets the rule* when a member has an employment
  active on D (any workplace, `workers.selectors.workers_employed_on`). Subject households not meeting it
  are the 零就业家庭.
* **Public-welfare posts** in Y: distinct workers with a post active on at least one day of Y up to D. A post
  held on D that started `LONG_TENURE_MONTHS` or more before D is flagged (§十三: avoid "一托到底").
* **Training** in Y (courses whose end date falls in Y up to D): person-times = completed participations;
  post-training employment rate = completed participations whose worker has an employment active on some day
  from the course end to 6 months after it (`Course.follow_up_until`) ÷ completed participations;
  new-citizen trainings = distinct workers who completed a 新市民培训 course.
* **Recruitment events** in Y: events dated in Y up to D.
* **Labour brands / gig markets** in Y: distinct workers with an employment starting in Y up to D whose
  channel is the brand's (market's) name; for gig markets also the generic channel "零工市场".
* **Key-task board**: every indicator of DESIGN.md §3 with its KeyTaskTarget, arranged by
  `targets.progress.unit_status` exactly like the employment targets (completion, time progress, lagging).
"""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from targets.models import KeyTaskIndicator, KeyTaskTarget
from targets.progress import default_as_of, unit_status
from targets.scoping import scope_queryset
from workers.models import Employment, Household, Worker
from workers.selectors import (
    active_between,
    nearby_employment_matrix,
    poverty_alleviated_in_work,
    time_progress,
    workers_employed_on,
    year_window,
)

from .models import (
    ROUTINE_1131,
    Course,
    CourseKind,
    Enrolment,
    GigMarket,
    LabourBrand,
    Participation,
    PublicWelfarePost,
    RecruitmentEvent,
    ServiceKind,
    ServiceRecord,
)

LONG_TENURE_MONTHS = 36
GENERIC_GIG_CHANNEL = "零工市场"

_COUNT_FIELDS = {
    ServiceKind.POLICY: "n_policy",
    ServiceKind.GUIDANCE: "n_guidance",
    ServiceKind.JOB_PUSH: "n_job_push",
    ServiceKind.TRAINING_REFERRAL: "n_training",
}


def _ids_filter(queryset: QuerySet, township_ids, path: str) -> QuerySet:
    if township_ids is None:
        return queryset
    return queryset.filter(**{f"{path}__in": list(township_ids)})


# --- 1131 -----------------------------------------------------------------------------------------------


def enrolled_between(first, last, *, worker_ref: str = "pk") -> Exists:
    """Workers with an enrolment sharing at least one day with [first, last]."""
    return Exists(
        Enrolment.objects.filter(worker=OuterRef(worker_ref), entry_date__lte=last).filter(
            Q(exit_date__isnull=True) | Q(exit_date__gte=first)
        )
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
    the open enrolment, None when they have left assistance)."""
    start, end = year_window(year, as_of)
    open_entry = Enrolment.objects.filter(worker=OuterRef("pk"), exit_date__isnull=True).values("entry_date")[
        :1
    ]
    workers = (
        Worker.objects.filter(enrolled_between(start, end))
        .annotate(
            **{field: _service_count(kind, start, end) for kind, field in _COUNT_FIELDS.items()},
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


def worklist(*, user, year: int | None = None, today: date | None = None) -> QuerySet:
    """A clerk's people in assistance now whose 1131 routine of the year is incomplete, longest waiting first
    (oldest entry into assistance, then the person registered first)."""
    today = today or timezone.localdate()
    year = year or today.year
    people = routine_people(year=year, as_of=today if year == today.year else None).filter(
        open_entry_date__isnull=False, complete=False
    )
    return scope_queryset(people, user, township_field="township").order_by("open_entry_date", "pk")


def routine_rates(*, year: int, as_of: date | None = None, township_ids=None) -> dict[int, dict]:
    """Per township id: people counted, people complete, completion rate (one grouped query)."""
    start, end = year_window(year, as_of)
    rows = (
        Worker.objects.filter(enrolled_between(start, end))
        .alias(**{field: _service_count(kind, start, end) for kind, field in _COUNT_FIELDS.items()})
        .values("township_id")
        .annotate(people=Count("pk"), complete=Count("pk", filter=_complete_condition()))
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


# --- Households -----------------------------------------------------------------------------------------


def subject_households(*, on: date | None = None, township_ids=None) -> QuerySet:
    """Households the rule applies to on `on`, annotated `employed` (a member in work that day)."""
    on = on or timezone.localdate()
    enrolled_member = Worker.objects.filter(household=OuterRef("pk")).filter(enrolled_between(on, on))
    capable_member = Worker.objects.filter(household=OuterRef("pk")).exclude(
        labour_capacity=Worker.LabourCapacity.NONE
    )
    employed_member = Worker.objects.filter(workers_employed_on(on), household=OuterRef("pk"))
    households = (
        Household.objects.filter(Exists(enrolled_member), Exists(capable_member))
        .annotate(employed=Exists(employed_member))
        .select_related("township")
    )
    return _ids_filter(households, township_ids, "township_id")


def zero_employment_households(*, on: date | None = None, township_ids=None) -> QuerySet:
    """零就业家庭: subject households with no member in work on `on`."""
    return subject_households(on=on, township_ids=township_ids).filter(employed=False)


def household_rule_rates(*, on: date | None = None, township_ids=None) -> dict[int, dict]:
    """Per township id: subject households, households meeting the rule, zero-employment, share meeting."""
    rows = (
        subject_households(on=on, township_ids=township_ids)
        .order_by()
        .values("township_id")
        .annotate(households=Count("pk"), meeting=Count("pk", filter=Q(employed=True)))
    )
    return {
        r["township_id"]: {
            "households": r["households"],
            "meeting": r["meeting"],
            "zero": r["households"] - r["meeting"],
            "share": round(r["meeting"] / r["households"], 4) if r["households"] else None,
        }
        for r in rows
    }


# --- Public-welfare posts -------------------------------------------------------------------------------


def long_tenure_since(today: date) -> date:
    return today - relativedelta(months=LONG_TENURE_MONTHS)


def posts(*, today: date | None = None) -> QuerySet:
    """Posts annotated `current` (held today) and `long_tenure` (held today, started ≥ 36 months ago)."""
    today = today or timezone.localdate()
    held = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
    return PublicWelfarePost.objects.select_related("worker", "worker__township").annotate(
        current=Case(When(held, then=Value(True)), default=Value(False), output_field=BooleanField()),
        long_tenure=Case(
            When(held & Q(start_date__lte=long_tenure_since(today)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def tenure_months(post, today: date | None = None) -> int:
    """Whole months from the start to the end (or today) of one post, for display."""
    end = post.end_date or today or timezone.localdate()
    delta = relativedelta(end, post.start_date)
    return max(0, delta.years * 12 + delta.months)


def post_holders(*, year: int, as_of: date | None = None, township_ids=None) -> int:
    """Distinct workers with a post active on at least one day of `year` up to `as_of`."""
    start, end = year_window(year, as_of)
    if end < start:
        return 0
    held = PublicWelfarePost.objects.filter(active_between(start, end))
    held = _ids_filter(held, township_ids, "worker__township_id")
    return held.values("worker_id").distinct().count()


# --- Training -------------------------------------------------------------------------------------------


def completed_participations(*, year: int, as_of: date | None = None, township_ids=None) -> QuerySet:
    """Completed participations in courses ending in `year` up to `as_of`, annotated `employed_after`."""
    start, end = year_window(year, as_of)
    # The follow-up window ends 6 months after the course, or at `as_of` when that comes first.
    window_end = (
        Least(OuterRef("course__follow_up_until"), Value(end))
        if as_of
        else OuterRef("course__follow_up_until")
    )
    employed = Employment.objects.filter(
        active_between(OuterRef("course__end_date"), window_end), worker=OuterRef("worker")
    )
    rows = Participation.objects.filter(
        completed=True, course__end_date__gte=start, course__end_date__lte=end
    ).annotate(employed_after=Exists(employed))
    return _ids_filter(rows, township_ids, "worker__township_id")


@dataclass(frozen=True)
class TrainingFigures:
    person_times: int
    employed: int
    new_citizen_people: int

    @property
    def employment_rate(self) -> float | None:
        return round(self.employed / self.person_times, 4) if self.person_times else None


def training_figures(*, year: int, as_of: date | None = None, township_ids=None) -> TrainingFigures:
    rows = completed_participations(year=year, as_of=as_of, township_ids=township_ids)
    totals = rows.aggregate(n=Count("pk"), employed=Count("pk", filter=Q(employed_after=True)))
    new_citizen = (
        rows.filter(course__kind=CourseKind.NEW_CITIZEN).order_by().values("worker_id").distinct().count()
    )
    return TrainingFigures(totals["n"], totals["employed"], new_citizen)


def courses(*, user) -> QuerySet:
    """Courses the user sees: their township's and the district's (for clerks), all for others."""
    from targets.scoping import scope_for

    scope = scope_for(user)
    qs = Course.objects.select_related("township").annotate(
        participants=Count("participations"),
        completed=Count("participations", filter=Q(participations__completed=True)),
    )
    if scope.is_empty:
        return qs.none()
    if scope.all_townships:
        return qs
    return qs.filter(Q(township__isnull=True) | Q(township_id__in=scope.township_ids))


# --- Events, brands, gig markets ------------------------------------------------------------------------


def event_count(*, year: int, as_of: date | None = None, township_ids=None) -> int:
    start, end = year_window(year, as_of)
    events = RecruitmentEvent.objects.filter(date__gte=start, date__lte=end)
    return _ids_filter(events, township_ids, "township_id").count()


def channel_employments(*, channels, year: int, as_of: date | None = None, township_ids=None) -> QuerySet:
    """Employments starting in `year` up to `as_of` whose channel is one of `channels`."""
    start, end = year_window(year, as_of)
    jobs = Employment.objects.filter(channel__in=list(channels), start_date__gte=start, start_date__lte=end)
    return _ids_filter(jobs, township_ids, "worker__township_id")


def channel_people(*, channels, year: int, as_of: date | None = None, township_ids=None) -> dict:
    """{"total": distinct workers over all channels, "by_channel": {channel: distinct workers}}."""
    jobs = channel_employments(channels=channels, year=year, as_of=as_of, township_ids=township_ids)
    by_channel = dict(
        jobs.order_by()
        .values("channel")
        .annotate(n=Count("worker_id", distinct=True))
        .values_list("channel", "n")
    )
    total = jobs.order_by().values("worker_id").distinct().count()
    return {"total": total, "by_channel": by_channel}


def brand_channels() -> list[str]:
    return list(LabourBrand.objects.values_list("name", flat=True))


def gig_channels() -> list[str]:
    return [*GigMarket.objects.values_list("name", flat=True), GENERIC_GIG_CHANNEL]


# --- Key-task board -------------------------------------------------------------------------------------

#: Indicator code → (drill-down page name, query) for the board's links; sector drill-downs go to the
#: people list of the employment targets.
DRILL_DOWN = {
    "labour-brand-new": ("assistance:channels", {"kind": "brand"}),
    "gig-market-employment": ("assistance:channels", {"kind": "gig"}),
    "training-person-times": ("assistance:courses", {}),
    "training-employment-rate": ("assistance:courses", {}),
    "new-citizen-training": ("assistance:courses", {"kind": CourseKind.NEW_CITIZEN}),
    "recruitment-events": ("assistance:events", {}),
    "public-welfare-posts": ("assistance:posts", {}),
}


def key_task_board(*, year: int, as_of: date | None = None) -> dict:
    """Every key-task indicator of `year` with target, actual, completion, time progress and lagging flags."""
    as_of = as_of or default_as_of(year)
    progress = time_progress(year, as_of)
    months_left = 12 - as_of.month if as_of.year == year else (12 if as_of.year < year else 0)
    targets = dict(KeyTaskTarget.objects.filter(plan_year_id=year).values_list("indicator_id", "target"))

    by_industry = nearby_employment_matrix(year=year, as_of=as_of).by_industry()
    training = training_figures(year=year, as_of=as_of)
    actuals = {
        "labour-brand-new": channel_people(channels=brand_channels(), year=year, as_of=as_of)["total"],
        "training-person-times": training.person_times,
        "gig-market-employment": channel_people(channels=gig_channels(), year=year, as_of=as_of)["total"],
        "recruitment-events": event_count(year=year, as_of=as_of),
        "poverty-alleviated-in-work": poverty_alleviated_in_work(on=as_of),
        "public-welfare-posts": post_holders(year=year, as_of=as_of),
        "new-citizen-training": training.new_citizen_people,
    }
    rows = []
    for indicator in KeyTaskIndicator.objects.prefetch_related("industries"):
        target = targets.get(indicator.pk)
        row = {
            "code": indicator.code,
            "name": indicator.name,
            "task": indicator.task,
            "unit": indicator.unit,
            "kind": indicator.kind,
        }
        if indicator.kind == KeyTaskIndicator.Kind.RATE:
            rate = training.employment_rate
            actual = round(rate * 100, 1) if rate is not None else None
            completion = round(actual / float(target), 4) if target and actual is not None else None
            row.update(
                target=float(target) if target is not None else None,
                count=actual,
                numerator=training.employed,
                denominator=training.person_times,
                completion_rate=completion,
                # A rate has no time progress: it lags when it is below its target.
                lagging=actual is not None and target is not None and actual < float(target),
                seriously_lagging=False,
                expected_by_now=None,
                gap=round(actual - float(target), 1) if actual is not None and target is not None else None,
            )
        else:
            if indicator.kind == KeyTaskIndicator.Kind.SECTOR:
                count = sum(by_industry.get(i.pk, 0) for i in indicator.industries.all())
                row["industries"] = sorted(i.code for i in indicator.industries.all())
            else:
                count = actuals.get(indicator.code, 0)
            row.update(unit_status(count=count, target=target, progress=progress, months_left=months_left))
            if indicator.code == "poverty-alleviated-in-work":
                # A stock at a date, not a flow over the year: compared with the target, not time progress.
                row["lagging"] = target is not None and count < target
                row["seriously_lagging"] = False
                row["expected_by_now"] = int(target) if target is not None else None
                row["gap"] = count - int(target) if target is not None else None
        rows.append(row)
    return {
        "year": year,
        "as_of": as_of,
        "time_progress": round(progress, 4),
        "computed_at": timezone.now(),
        "rows": rows,
    }
