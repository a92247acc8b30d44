"""**Follow-up after exit** (issue 20, item 6). City document §二: "对已消除风险的防止返贫致贫对象和继续帮扶对象，按
程序规范有序退出帮扶范围，做好后续跟踪服务".

* On the follow-up list on day D: an exited enrolment with exit date ≤ D ≤ `follow_up_until`, not followed by a
  new enrolment of the person entered by D (who is then in assistance again).
* **Lost work** (失业预警) on D: the person has no employment active on D, their last job ended on or after the
  exit date, and no new one started within `LOST_WORK_DAYS` (30) days of its end — i.e. D is more than 30 days
  after the latest end date of their jobs. (A job that started after that end would itself be active or have
  ended later, so the latest end date is the whole test.) Employment comes from the ledger, never stored here.
"""

from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from workers.models import Employment
from workers.selectors import active_on

from ..models import Enrolment, FollowUpRecord
from ._common import _ids_filter

#: "their last job ends and no new one starts within 30 days" (issue 20, item 6).
LOST_WORK_DAYS = 30


def follow_up_people(*, as_of: date | None = None, township_ids=None) -> QuerySet[Enrolment]:
    """Exited enrolments on the follow-up list on `as_of` (default today), annotated with `employed_now`,
    `last_job_end`, `lost_work` (the alert), `last_follow_up`; people who lost work first, then the end of the
    follow-up period."""
    as_of = as_of or timezone.localdate()
    later_enrolment = Enrolment.objects.filter(
        worker=OuterRef("worker"), entry_date__gt=OuterRef("exit_date"), entry_date__lte=as_of
    )
    last_end = (
        Employment.objects.filter(worker=OuterRef("worker"), start_date__lte=as_of, end_date__isnull=False)
        .order_by()
        .values("worker")
        .annotate(last=Max("end_date"))
        .values("last")
    )
    last_follow_up = (
        FollowUpRecord.objects.filter(enrolment=OuterRef("pk"))
        .order_by()
        .values("enrolment")
        .annotate(last=Max("date"))
        .values("last")
    )
    rows = (
        Enrolment.objects.filter(exit_date__lte=as_of, follow_up_until__gte=as_of)
        .exclude(Exists(later_enrolment))
        .annotate(
            employed_now=Exists(Employment.objects.filter(active_on(as_of), worker=OuterRef("worker"))),
            last_job_end=Subquery(last_end, output_field=DateField()),
            last_follow_up=Subquery(last_follow_up, output_field=DateField()),
        )
        .annotate(
            lost_work=Case(
                When(
                    Q(employed_now=False)
                    & Q(last_job_end__gte=F("exit_date"))
                    & Q(last_job_end__lt=as_of - timedelta(days=LOST_WORK_DAYS)),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .select_related("worker", "worker__township")
        .order_by("-lost_work", "follow_up_until", "pk")
    )
    return _ids_filter(rows, township_ids, "worker__township_id")
