"""**Recruitment events** in Y (issue 9): events dated in Y up to D, counted for the key-task board; the
events page lists the rows themselves.
"""

from datetime import date

from workers.selectors import year_window

from ..models import RecruitmentEvent
from ._common import _ids_filter


def event_count(*, year: int, as_of: date | None = None, township_ids=None) -> int:
    start, end = year_window(year, as_of)
    events = RecruitmentEvent.objects.filter(date__gte=start, date__lte=end)
    return _ids_filter(events, township_ids, "township_id").count()
