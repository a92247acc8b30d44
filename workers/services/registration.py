"""Household registration and its history (户籍迁移; DESIGN.md §4.1, issue 19).

A worker's registration is a chain of `RegistrationPeriod` rows; the open one is `Worker.township`, the
township whose clerk keeps the record. Every count uses the township of registration on a job's start date,
stored on the job as `Employment.registration_township` and kept in step here: `registration_open` gives a
new person their first period, `registration_township_sync` sets the jobs' township from the periods, and
`worker_move` records a move from a date.

A move is refused when it would change a figure already reported: its date falls in a locked quarter, or the
person has a job starting on or after it in a locked quarter (the job would count elsewhere); it may not
precede the person's last move, nor lie in the future. Who may move: bureau staff only. The receiving
township's clerk may not, because a move takes a person's later jobs out of the old township's figures and
the record out of the old clerk's hands, and the ledger has no step in which the old clerk agrees; a return
that meets a person registered elsewhere names the township and since when, and points to this move
(`workers.returns.REGISTERED_ELSEWHERE`).

A move leaves the person's `Household` (and its township) as it is: DESIGN.md does not say whether a household
follows its members' registration, so that is not decided here.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.audit import audit_event_on_commit
from targets.models import Role, Township
from targets.scoping import scope_for
from targets.services import locked_quarters, progress_mark_dirty, quarter_of

from ..models import REGISTERED_SINCE_UNKNOWN, Employment, RegistrationPeriod, Worker

MOVE_BUREAU_ONLY = _("户籍迁移需由区人力社保局办理。")
MOVE_SAME_TOWNSHIP = _("此人户籍已在{township}，无需迁移。")
MOVE_IN_FUTURE = _("迁移日期不能晚于今天。")
MOVE_BEFORE_LAST = _("迁移日期须晚于此人上一次户籍变更日期 {date}（当前登记在{township}）。")
MOVE_IN_LOCKED_QUARTER = _(
    "迁移日期 {date} 所在的 {year} 年第 {quarter} 季度已锁定，不能办理该日期的户籍迁移。"
)
MOVE_CHANGES_LOCKED_JOB = _(
    "此人在 {start} 开始的就业记录属于已锁定的 {year} 年第 {quarter} 季度，迁移后该记录将改计到{township}，"
    "已锁定的数字会改变；请改用该记录之后的日期，或先解锁该季度。"
)
MOVE_REASON_TOO_LONG = _("迁移原因不能超过 200 个字。")


def registration_open(*, worker: Worker, acting_user=None) -> RegistrationPeriod:
    """The first period of a newly registered person: their township, from before any job."""
    return RegistrationPeriod.objects.create(
        worker=worker,
        township_id=worker.township_id,
        from_date=REGISTERED_SINCE_UNKNOWN,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )


def township_on_subquery(day, worker_ref="worker") -> Subquery:
    """The township of registration of `OuterRef(worker_ref)` on `day` (a date or an expression)."""
    return Subquery(
        RegistrationPeriod.objects.filter(worker=OuterRef(worker_ref), from_date__lte=day)
        .order_by("-from_date")
        .values("township_id")[:1]
    )


def registration_township_sync(employments: QuerySet) -> int:
    """Set the registration township of these jobs from their worker's periods (one UPDATE)."""
    return employments.update(registration_township=township_on_subquery(OuterRef("start_date")))


def township_on(worker: Worker, day: date) -> int:
    """The id of the township where `worker` was registered on `day`."""
    period = (
        RegistrationPeriod.objects.filter(worker=worker, from_date__lte=day).order_by("-from_date").first()
    )
    return period.township_id if period is not None else worker.township_id


@transaction.atomic
def worker_move(
    *, acting_user, worker: Worker, township: Township, on: date, reason: str = ""
) -> RegistrationPeriod:
    """Record that `worker`'s household registration moved to `township` from `on` (rule 4.1)."""
    if scope_for(acting_user).role != Role.BUREAU:
        raise PermissionDenied(MOVE_BUREAU_ONLY)
    locked = Worker.objects.select_for_update().select_related("township").get(pk=worker.pk)
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": MOVE_REASON_TOO_LONG})
    if township.pk == locked.township_id:
        raise ValidationError(MOVE_SAME_TOWNSHIP.format(township=township.name), code="same")
    if on > timezone.localdate():
        raise ValidationError(MOVE_IN_FUTURE, code="future")
    current = RegistrationPeriod.objects.select_for_update().filter(worker=locked, until__isnull=True).first()
    if current is None:  # a person the ledger got without a period (cannot happen through the services)
        current = registration_open(worker=locked, acting_user=acting_user)
    if on <= current.from_date:
        raise ValidationError(
            MOVE_BEFORE_LAST.format(date=current.from_date.isoformat(), township=locked.township.name),
            code="before_last",
        )
    year, quarter = quarter_of(on)
    locks = locked_quarters(township_ids={locked.township_id, township.pk}, acting_user=acting_user)
    if (year, quarter) in locks:
        raise ValidationError(
            MOVE_IN_LOCKED_QUARTER.format(date=on.isoformat(), year=year, quarter=quarter), code="locked"
        )
    later_jobs = Employment.objects.filter(worker=locked, start_date__gte=on)
    for start in later_jobs.order_by("start_date").values_list("start_date", flat=True):
        if quarter_of(start) in locks:
            y, q = quarter_of(start)
            raise ValidationError(
                MOVE_CHANGES_LOCKED_JOB.format(
                    start=start.isoformat(), year=y, quarter=q, township=township.name
                ),
                code="locked",
            )
    old_township = locked.township
    current.until = on
    current.save(update_fields=["until"])
    period = RegistrationPeriod.objects.create(
        worker=locked,
        township=township,
        from_date=on,
        reason=reason,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    now = timezone.now()
    years = set(later_jobs.values_list("start_date__year", flat=True))
    later_jobs.update(registration_township=township, updated_at=now)
    Worker.objects.filter(pk=locked.pk).update(township=township, version=F("version") + 1, updated_at=now)
    # The API's employment records embed the worker's current township: every job goes out again.
    Employment.objects.filter(worker=locked).update(updated_at=now)
    # Rule 4.6 counts a person in their township on the day D: every snapshot from the move's year on.
    progress_mark_dirty(sorted(years | {on.year}))
    audit_event_on_commit(
        "worker_move",
        obj=period,
        actor=acting_user,
        worker=locked.pk,
        detail={
            "from": old_township.code,
            "to": township.code,
            "on": on.isoformat(),
            "reason": reason,
            "jobs": later_jobs.count(),
        },
    )
    worker.township = township
    return period
