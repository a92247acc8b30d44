"""Training courses and their participants (issue 9). A district course (no township) is the bureau's, a
township course its clerks'; a clerk adds people of their own township to any course they see.
`follow_up_until` fixes the window in which a job after the course counts as post-training employment, the
window `assistance.selectors.training` reads back.
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from targets.models import Township
from targets.scoping import ensure_township_visible, ensure_township_writable, scope_for
from workers.models import Worker

from ..models import Course, CourseKind, Participation
from ._common import _ensure_course_township, _text, _today

#: Post-training employment counts jobs active or starting within this many months after the course end.
FOLLOW_UP_MONTHS = 6
COURSE_END_BEFORE_START = _("结业日期不能早于开班日期。")
COURSE_KIND_INVALID = _("请选择培训类别。")
PARTICIPANT_DUPLICATE = _("此人已是该培训班学员。")
COMPLETE_BEFORE_END = _("培训班尚未结业（结业日期 {end}），不能登记结业。")
CERTIFICATE_NEEDS_COMPLETION = _("未结业的学员不能登记证书。")


def follow_up_until(end_date: date) -> date:
    """The last day on which a job still counts as employment after training (course end + 6 months; a
    month-end course ends its window at the end of the sixth month, e.g. 31 Aug → 28/29 Feb)."""
    return end_date + relativedelta(months=FOLLOW_UP_MONTHS)


@transaction.atomic
def course_save(
    *,
    acting_user,
    name: str,
    kind: str,
    provider: str,
    start_date: date,
    end_date: date,
    township: Township | None,
    course: Course | None = None,
) -> Course:
    """Create (or, with `course`, change) a training course."""
    if course is not None:
        course = Course.objects.select_for_update().get(pk=course.pk)
        _ensure_course_township(acting_user, course.township)
    _ensure_course_township(acting_user, township)
    errors: dict[str, list] = {}
    for field, value, label, length in (
        ("name", name, _("培训名称"), 120),
        ("provider", provider, _("培训机构"), 120),
    ):
        try:
            text = _text(value, label=label, max_length=length, required=True, field=field)
        except ValidationError as exc:
            errors.update({k: v for k, v in exc.message_dict.items()})
            text = ""
        if field == "name":
            name = text
        else:
            provider = text
    if kind not in CourseKind.values:
        errors.setdefault("kind", []).append(COURSE_KIND_INVALID)
    if end_date < start_date:
        errors.setdefault("end_date", []).append(COURSE_END_BEFORE_START)
    if errors:
        raise ValidationError(errors)
    values = {
        "name": name,
        "kind": kind,
        "provider": provider,
        "start_date": start_date,
        "end_date": end_date,
        "follow_up_until": follow_up_until(end_date),
        "township": township,
    }
    if course is None:
        return Course.objects.create(
            created_by=acting_user if getattr(acting_user, "pk", None) else None, **values
        )
    for key, value in values.items():
        setattr(course, key, value)
    course.save()
    return course


def ensure_course_visible(acting_user, course: Course) -> None:
    """A clerk sees the courses of their township and the district's; others only by their scope."""
    if course.township_id is not None:
        ensure_township_visible(acting_user, course.township_id)
    elif scope_for(acting_user).is_empty:
        raise PermissionDenied(_("您无权查看该培训班。"))


@transaction.atomic
def participant_add(
    *, acting_user, course: Course, worker: Worker, completed: bool = False, certificate: str = ""
) -> Participation:
    """Add a worker of the ledger (of the clerk's own township) to a course."""
    ensure_course_visible(acting_user, course)
    ensure_township_writable(acting_user, worker.township_id)
    certificate = _text(certificate, label=_("证书"), max_length=100, field="certificate")
    _participation_check(course, completed, certificate)
    if Participation.objects.filter(course=course, worker=worker).exists():
        raise ValidationError(PARTICIPANT_DUPLICATE, code="duplicate")
    try:
        with transaction.atomic():
            return Participation.objects.create(
                course=course,
                worker=worker,
                completed=completed,
                certificate=certificate,
                created_by=acting_user if getattr(acting_user, "pk", None) else None,
            )
    except IntegrityError:
        raise ValidationError(PARTICIPANT_DUPLICATE, code="duplicate") from None


def _participation_check(course: Course, completed: bool, certificate: str) -> None:
    if completed and course.end_date > _today():
        raise ValidationError({"completed": COMPLETE_BEFORE_END.format(end=course.end_date)})
    if certificate and not completed:
        raise ValidationError({"certificate": CERTIFICATE_NEEDS_COMPLETION})


@transaction.atomic
def participant_update(
    *, acting_user, participation: Participation, completed: bool, certificate: str = ""
) -> Participation:
    locked = (
        Participation.objects.select_for_update().select_related("course", "worker").get(pk=participation.pk)
    )
    ensure_township_writable(acting_user, locked.worker.township_id)
    certificate = _text(certificate, label=_("证书"), max_length=100, field="certificate")
    _participation_check(locked.course, completed, certificate)
    locked.completed, locked.certificate = completed, certificate
    locked.save()
    return locked
