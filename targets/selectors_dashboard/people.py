"""The people behind a dashboard count (rule 4.3, or 4.5 for returnees): the workers counted by
`workers.selectors.nearby_counted_workers`, narrowed by township, industry and month, and always scoped by
`targets.scoping` to the user who asks.
"""

from datetime import date

from django.db.models import Exists, OuterRef, QuerySet

from workers.models import Employment, Workplace
from workers.selectors import nearby_counted_workers, year_window

from ..progress import default_as_of
from ..scoping import scope_queryset


def counted_people(
    *,
    user,
    year: int,
    as_of: date | None = None,
    township_id: int | None = None,
    industry_ids: list[int] | None = None,
    returnee: bool = False,
    month: int | None = None,
) -> QuerySet:
    """The workers behind a rule-4.3 count (or, with `returnee`, a rule-4.5 count), scoped to `user`:
    a clerk sees only their township, an industry department only its industries."""
    as_of = as_of or default_as_of(year)
    people = nearby_counted_workers(year=year, as_of=as_of, township_id=township_id)
    if industry_ids:
        people = people.filter(counted_industry_id__in=industry_ids)
    if month is not None:
        people = people.filter(counted_start_date__month=month)
    if returnee:
        start, end = year_window(year, as_of)
        people = people.filter(
            Exists(
                Employment.objects.filter(
                    worker=OuterRef("pk"),
                    returnee=True,
                    workplace=Workplace.IN_DISTRICT,
                    start_date__gte=start,
                    start_date__lte=end,
                )
            )
        )
    # Scoped by the township the person counted in (rule 4.1): the old clerk keeps seeing who moved away.
    people = scope_queryset(
        people, user, township_field="counted_township_id", industry_field="counted_industry_id"
    )
    return people.order_by("counted_township_id", "counted_start_date", "id")
