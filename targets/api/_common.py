"""What the progress and the reference endpoints share: the plan years, in order.

Both read the same `PlanYear` rows — the progress endpoint to accept or refuse `?year=`, the reference
endpoints to list one target per plan year — so the list is built in one place.
"""

from ..models import PlanYear


def _plan_years() -> list[int]:
    return list(PlanYear.objects.order_by("year").values_list("year", flat=True))
