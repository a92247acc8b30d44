"""**Training** in Y (issue 9; courses whose end date falls in Y up to D): person-times = completed
participations; post-training employment rate = completed participations whose worker has an employment active
on some day from the course end to 6 months after it (`Course.follow_up_until`) ÷ completed participations;
new-citizen trainings = distinct workers who completed a 新市民培训 course.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Least

from workers.models import Employment
from workers.selectors import active_between, year_window

from ..models import Course, CourseKind, Participation
from ._common import _ids_filter


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
