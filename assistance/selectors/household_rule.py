"""**Household rule** on day D (issue 9, city document §二(一)): a household is *subject* when a member is
enrolled on D and a member has labour capacity (full or weak); it *meets the rule* when a member has an
employment active on D (any workplace, `workers.selectors.workers_employed_on`). Subject households not
meeting it are the 零就业家庭.
"""

from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from workers.models import Household, Worker
from workers.selectors import workers_employed_on

from ._common import _ids_filter
from .routine import enrolled_between


def subject_households(*, on: date | None = None, township_ids=None) -> QuerySet:
    """Households the rule applies to on `on`, annotated `employed` (a member in work that day)."""
    on = on or timezone.localdate()
    # Starting from the people enrolled on the day (a few % of the district), not from every household.
    enrolled_households = Worker.objects.filter(enrolled_between(on, on), household__isnull=False).values(
        "household_id"
    )
    capable_member = Worker.objects.filter(household=OuterRef("pk")).exclude(
        labour_capacity=Worker.LabourCapacity.NONE
    )
    employed_member = Worker.objects.filter(workers_employed_on(on), household=OuterRef("pk"))
    households = (
        Household.objects.filter(pk__in=enrolled_households)
        .filter(Exists(capable_member))
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
