"""The people behind a dashboard count (rule 4.3, or 4.5 for returnees): the workers counted by
`workers.selectors.CountedWorkers`, narrowed by township, industry and month, and always scoped by
`targets.scoping` to the user who asks.
"""

from datetime import date

from workers.selectors import CountedWorkers

from ..progress import default_as_of
from ..scoping import scope_ids


def counted_people(
    *,
    user,
    year: int,
    as_of: date | None = None,
    township_id: int | None = None,
    industry_ids: list[int] | None = None,
    returnee: bool = False,
    month: int | None = None,
) -> CountedWorkers:
    """The workers behind a rule-4.3 count (or, with `returnee`, a rule-4.5 count), scoped to `user`:
    a clerk sees only their township, an industry department only its industries. Scoped by the township
    the person counted in (rule 4.1): the old clerk keeps seeing who moved away."""
    as_of = as_of or default_as_of(year)
    township_ids, industry_ids = scope_ids(
        user,
        township_ids=None if township_id is None else [township_id],
        industry_ids=industry_ids or None,
    )
    return CountedWorkers(
        year=year,
        as_of=as_of,
        township_ids=township_ids,
        industry_ids=industry_ids,
        month=month,
        returnee=returnee,
    )
