"""The current 就业意愿 and 求职意向 of a person (issue 20, item 7): their latest `IntentionRecord` (latest date,
then latest entered). Annotated onto worker querysets, so the worklist and its export read the same values.
"""

from django.db.models import OuterRef, QuerySet, Subquery

from ..models import IntentionRecord, WorkWish

INTENTION_FIELDS = {
    "wish": "wants_work",
    "wish_intention": "job_intention",
    "wish_recorded_on": "recorded_on",
}


def with_intention(workers: QuerySet, *, worker_ref: str = "pk") -> QuerySet:
    """`workers` annotated with `wish` (yes / no / None), `wish_intention` and `wish_recorded_on`."""
    latest = IntentionRecord.objects.filter(worker=OuterRef(worker_ref)).order_by("-recorded_on", "-id")
    return workers.annotate(
        **{name: Subquery(latest.values(field)[:1]) for name, field in INTENTION_FIELDS.items()}
    )


def wish_label(value: str | None) -> str:
    return WorkWish(value).label if value else ""
