"""Every write of employment assistance (issue 9). Forms, the admin and the spreadsheet import call these.

Each function checks township scoping for the acting user (`targets.scoping`), validates with a Chinese
message the clerk can act on, and changes nothing when it refuses (one transaction). Writes that must not
race for one person (enrolment, posts) lock the worker row first, so two clerks cannot both succeed.
"""

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import Role, Township
from targets.scoping import ensure_township_visible, ensure_township_writable, scope_for
from workers.models import Worker

from .models import (
    Course,
    CourseKind,
    Enrolment,
    EnrolmentCategory,
    ExitReason,
    GigMarket,
    LabourBrand,
    Participation,
    PostKind,
    PublicWelfarePost,
    RecruitmentEvent,
    ServiceKind,
    ServiceRecord,
)

#: Post-training employment counts jobs active or starting within this many months after the course end.
FOLLOW_UP_MONTHS = 6

ONLY_BUREAU = _("只有区人力社保局工作人员可以执行此操作。")
DATE_IN_FUTURE = _("{label}不能晚于今天。")
ALREADY_ENROLLED = _("此人已在帮扶中（{category}，{entry} 纳入），不能重复纳入。")
ENTRY_BEFORE_LAST_EXIT = _("纳入日期不能早于上次退出帮扶的日期（{exit}）。")
ENTRY_REASON_REQUIRED = _("请填写纳入帮扶的原因。")
CATEGORY_INVALID = _("帮扶类别只能是防止返贫致贫对象、继续帮扶对象或脱贫人口。")
ALREADY_EXITED = _("该帮扶记录已于 {exit} 退出，不能再次退出。")
EXIT_BEFORE_ENTRY = _("退出日期不能早于纳入日期（{entry}）。")
EXIT_REASON_INVALID = _("请选择退出原因。")
EXIT_NOTE_REQUIRED = _("退出原因为“其他”时，请填写退出说明。")
NOT_ENROLLED_ON = _("{date} 此人不在帮扶范围内（没有覆盖该日期的帮扶登记），不能记录“1131”服务。")
SERVICE_KIND_INVALID = _("服务类型只能是政策宣介、职业指导、岗位推送或就业培训推荐。")
JOB_PUSH_NEEDS_POST = _("岗位推送必须填写推送的单位和岗位。")
PROVIDER_REQUIRED = _("请填写服务人员。")
SERVICE_DUPLICATE = _("{date} 的这条{kind}记录已经登记，不能重复登记。")
POST_KIND_INVALID = _("请选择公益性岗位类别。")
POST_OTHER_NEEDS_TITLE = _("岗位类别为“其他”时，请填写岗位名称。")
POST_END_BEFORE_START = _("离岗日期不能早于上岗日期。")
POST_SUBSIDY_NEGATIVE = _("月岗位补贴不能为负数。")
POST_OVERLAP = _("此人在 {start} 至 {end} 已在公益性岗位（{kind}），同一人不能同时在两个公益性岗位。")
POST_ALREADY_ENDED = _("该岗位已于 {end} 离岗。")
COURSE_END_BEFORE_START = _("结业日期不能早于开班日期。")
COURSE_KIND_INVALID = _("请选择培训类别。")
NAME_REQUIRED = _("请填写{label}。")
PARTICIPANT_DUPLICATE = _("此人已是该培训班学员。")
COMPLETE_BEFORE_END = _("培训班尚未结业（结业日期 {end}），不能登记结业。")
CERTIFICATE_NEEDS_COMPLETION = _("未结业的学员不能登记证书。")
EVENT_MODE_INVALID = _("请选择线上或线下。")
HIRES_EXCEED_ATTENDEES = _("达成就业意向人数不能多于参会人数。")
COUNT_NEGATIVE = _("{label}不能为负数。")
BRAND_EXISTS = _("劳务品牌“{name}”已存在。")
MARKET_EXISTS = _("零工市场“{name}”已存在。")
FIELD_TOO_LONG = _("{label}不能超过 {n} 个字。")


def _today() -> date:
    return timezone.localdate()


def _ensure_bureau(acting_user) -> None:
    scope = scope_for(acting_user)
    if scope.role != Role.BUREAU or not scope.can_write:
        raise PermissionDenied(ONLY_BUREAU)


def _text(value, *, label, max_length: int, required: bool = False, field: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(
            {field: NAME_REQUIRED.format(label=label)} if field else NAME_REQUIRED.format(label=label)
        )
    if len(text) > max_length:
        message = FIELD_TOO_LONG.format(label=label, n=max_length)
        raise ValidationError({field: message} if field else message)
    return text


def _not_future(day: date, *, label: str, field: str) -> None:
    if day > _today():
        raise ValidationError({field: DATE_IN_FUTURE.format(label=label)})


def _locked_worker(worker: Worker) -> Worker:
    """The worker row, locked until commit, so checks and the write of one person are serialised."""
    return Worker.objects.select_for_update().select_related("township").get(pk=worker.pk)


# --- Enrolment ------------------------------------------------------------------------------------------


@transaction.atomic
def enrolment_enter(
    *, acting_user, worker: Worker, category: str, entry_date: date, entry_reason: str
) -> Enrolment:
    """Take a worker into assistance. One open enrolment per person; a new period starts after the last."""
    worker = _locked_worker(worker)
    ensure_township_writable(acting_user, worker.township_id)
    if category not in EnrolmentCategory.values:
        raise ValidationError({"category": CATEGORY_INVALID})
    entry_reason = _text(entry_reason, label=_("纳入原因"), max_length=200, field="entry_reason")
    if not entry_reason:
        raise ValidationError({"entry_reason": ENTRY_REASON_REQUIRED})
    _not_future(entry_date, label=_("纳入日期"), field="entry_date")
    current = Enrolment.objects.filter(worker=worker, exit_date__isnull=True).first()
    if current is not None:
        raise ValidationError(
            ALREADY_ENROLLED.format(category=current.get_category_display(), entry=current.entry_date),
            code="enrolled",
        )
    last_exit = (
        Enrolment.objects.filter(worker=worker, exit_date__gte=entry_date).order_by("-exit_date").first()
    )
    if last_exit is not None:
        raise ValidationError({"entry_date": ENTRY_BEFORE_LAST_EXIT.format(exit=last_exit.exit_date)})
    return Enrolment.objects.create(
        worker=worker,
        category=category,
        entry_date=entry_date,
        entry_reason=entry_reason,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )


@transaction.atomic
def enrolment_exit(
    *, acting_user, enrolment: Enrolment, exit_date: date, exit_reason: str, exit_note: str = ""
) -> Enrolment:
    """End an enrolment (risk eliminated, moved, deceased, …); the row stays as history."""
    locked = Enrolment.objects.select_for_update().select_related("worker").get(pk=enrolment.pk)
    ensure_township_writable(acting_user, locked.worker.township_id)
    if locked.exit_date is not None:
        raise ValidationError(ALREADY_EXITED.format(exit=locked.exit_date), code="exited")
    if exit_reason not in ExitReason.values:
        raise ValidationError({"exit_reason": EXIT_REASON_INVALID})
    exit_note = _text(exit_note, label=_("退出说明"), max_length=200, field="exit_note")
    if exit_reason == ExitReason.OTHER and not exit_note:
        raise ValidationError({"exit_note": EXIT_NOTE_REQUIRED})
    _not_future(exit_date, label=_("退出日期"), field="exit_date")
    if exit_date < locked.entry_date:
        raise ValidationError({"exit_date": EXIT_BEFORE_ENTRY.format(entry=locked.entry_date)})
    locked.exit_date = exit_date
    locked.exit_reason = exit_reason
    locked.exit_note = exit_note
    locked.exited_by = acting_user if getattr(acting_user, "pk", None) else None
    locked.save()
    return locked


def enrolled_on(worker_id: int, day: date) -> bool:
    return (
        Enrolment.objects.filter(worker_id=worker_id, entry_date__lte=day).exclude(exit_date__lt=day).exists()
    )


# --- "1131" services ------------------------------------------------------------------------------------


def service_check(
    *,
    worker: Worker,
    kind: str,
    date: date,
    provided_by: str,
    employer_name: str = "",
    post_name: str = "",
    enrolled: bool | None = None,
) -> dict:
    """The checks of one service record (form, import); returns the cleaned text fields. `enrolled` lets the
    import pass what it preloaded for the whole file instead of one query per row."""
    errors: dict[str, list] = {}
    if kind not in ServiceKind.values:
        errors.setdefault("kind", []).append(SERVICE_KIND_INVALID)
    cleaned = {}
    for field, label, length in (
        ("provided_by", _("服务人员"), 50),
        ("employer_name", _("推送岗位单位"), 200),
        ("post_name", _("推送岗位"), 100),
    ):
        try:
            cleaned[field] = _text(locals()[field], label=label, max_length=length)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            cleaned[field] = ""
    if not cleaned["provided_by"] and "provided_by" not in errors:
        errors.setdefault("provided_by", []).append(PROVIDER_REQUIRED)
    if kind == ServiceKind.JOB_PUSH and not (cleaned["employer_name"] and cleaned["post_name"]):
        errors.setdefault("post_name", []).append(JOB_PUSH_NEEDS_POST)
    if kind != ServiceKind.JOB_PUSH:
        cleaned["employer_name"] = cleaned["post_name"] = ""
    if date > _today():
        errors.setdefault("date", []).append(DATE_IN_FUTURE.format(label=_("服务日期")))
    elif not (enrolled if enrolled is not None else enrolled_on(worker.pk, date)):
        errors.setdefault("date", []).append(NOT_ENROLLED_ON.format(date=date.isoformat()))
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def service_record(
    *,
    acting_user,
    worker: Worker,
    kind: str,
    date: date,
    provided_by: str,
    employer_name: str = "",
    post_name: str = "",
    note: str = "",
) -> ServiceRecord:
    """Record one service of the "1131" routine for an enrolled worker."""
    ensure_township_writable(acting_user, worker.township_id)
    cleaned = service_check(
        worker=worker,
        kind=kind,
        date=date,
        provided_by=provided_by,
        employer_name=employer_name,
        post_name=post_name,
    )
    note = _text(note, label=_("备注"), max_length=200, field="note")
    duplicate = ServiceRecord.objects.filter(
        worker=worker,
        kind=kind,
        date=date,
        employer_name=cleaned["employer_name"],
        post_name=cleaned["post_name"],
    )
    message = SERVICE_DUPLICATE.format(date=date.isoformat(), kind=ServiceKind(kind).label)
    if duplicate.exists():
        raise ValidationError(message, code="duplicate")
    try:
        with transaction.atomic():
            return ServiceRecord.objects.create(
                worker=worker,
                kind=kind,
                date=date,
                note=note,
                created_by=acting_user if getattr(acting_user, "pk", None) else None,
                **cleaned,
            )
    except IntegrityError:
        raise ValidationError(message, code="duplicate") from None


@transaction.atomic
def service_delete(*, acting_user, record: ServiceRecord) -> None:
    locked = ServiceRecord.objects.select_for_update().select_related("worker").get(pk=record.pk)
    ensure_township_writable(acting_user, locked.worker.township_id)
    locked.delete()


# --- Public-welfare posts -------------------------------------------------------------------------------


def _overlapping_posts(worker: Worker, start: date, end: date | None, exclude_pk: int | None = None):
    """Posts of the worker whose period shares at least one day with [start, end] (end None: open)."""
    posts = PublicWelfarePost.objects.filter(worker=worker).exclude(end_date__lt=start)
    if end is not None:
        posts = posts.filter(start_date__lte=end)
    if exclude_pk is not None:
        posts = posts.exclude(pk=exclude_pk)
    return posts.order_by("start_date")


def _overlap_error(post: PublicWelfarePost) -> ValidationError:
    return ValidationError(
        POST_OVERLAP.format(
            start=post.start_date, end=post.end_date or _("至今"), kind=post.get_kind_display()
        ),
        code="overlap",
    )


@transaction.atomic
def post_assign(
    *,
    acting_user,
    worker: Worker,
    kind: str,
    start_date: date,
    monthly_subsidy: Decimal,
    title: str = "",
    employer_name: str = "",
    end_date: date | None = None,
) -> PublicWelfarePost:
    """Place a worker in a public-welfare post. One person never holds two posts on the same day."""
    worker = _locked_worker(worker)
    ensure_township_writable(acting_user, worker.township_id)
    errors: dict[str, list] = {}
    if kind not in PostKind.values:
        errors.setdefault("kind", []).append(POST_KIND_INVALID)
    title = _text(title, label=_("岗位名称"), max_length=100, field="title")
    employer_name = _text(employer_name, label=_("用工单位"), max_length=200, field="employer_name")
    if kind == PostKind.OTHER and not title:
        errors.setdefault("title", []).append(POST_OTHER_NEEDS_TITLE)
    if monthly_subsidy is None or monthly_subsidy < 0:
        errors.setdefault("monthly_subsidy", []).append(POST_SUBSIDY_NEGATIVE)
    if start_date > _today():
        errors.setdefault("start_date", []).append(DATE_IN_FUTURE.format(label=_("上岗日期")))
    if end_date is not None and end_date < start_date:
        errors.setdefault("end_date", []).append(POST_END_BEFORE_START)
    elif end_date is not None and end_date > _today():
        errors.setdefault("end_date", []).append(DATE_IN_FUTURE.format(label=_("离岗日期")))
    if errors:
        raise ValidationError(errors)
    clash = _overlapping_posts(worker, start_date, end_date).first()
    if clash is not None:
        raise _overlap_error(clash)
    return PublicWelfarePost.objects.create(
        worker=worker,
        kind=kind,
        title=title,
        employer_name=employer_name,
        start_date=start_date,
        end_date=end_date,
        monthly_subsidy=monthly_subsidy,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )


@transaction.atomic
def post_end(*, acting_user, post: PublicWelfarePost, end_date: date, reason: str = "") -> PublicWelfarePost:
    """The holder leaves the post (退岗转岗: the city document asks for exits, not lifetime posts)."""
    locked = PublicWelfarePost.objects.select_for_update().select_related("worker").get(pk=post.pk)
    ensure_township_writable(acting_user, locked.worker.township_id)
    if locked.end_date is not None:
        raise ValidationError(POST_ALREADY_ENDED.format(end=locked.end_date), code="ended")
    if end_date < locked.start_date:
        raise ValidationError({"end_date": POST_END_BEFORE_START})
    _not_future(end_date, label=_("离岗日期"), field="end_date")
    locked.end_date = end_date
    locked.end_reason = _text(reason, label=_("离岗原因"), max_length=200, field="end_reason")
    locked.save()
    return locked


# --- Training -------------------------------------------------------------------------------------------


def follow_up_until(end_date: date) -> date:
    """The last day on which a job still counts as employment after training (course end + 6 months; a
    month-end course ends its window at the end of the sixth month, e.g. 31 Aug → 28/29 Feb)."""
    return end_date + relativedelta(months=FOLLOW_UP_MONTHS)


def _ensure_course_township(acting_user, township: Township | None) -> None:
    if township is None:
        _ensure_bureau(acting_user)  # a district course is the bureau's
    else:
        ensure_township_writable(acting_user, township)


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


@transaction.atomic
def participant_remove(*, acting_user, participation: Participation) -> None:
    locked = Participation.objects.select_for_update().select_related("worker").get(pk=participation.pk)
    ensure_township_writable(acting_user, locked.worker.township_id)
    locked.delete()


# --- Recruitment events, brands, gig markets ------------------------------------------------------------


@transaction.atomic
def event_record(
    *,
    acting_user,
    name: str,
    date: date,
    mode: str,
    organiser: str,
    township: Township | None,
    employers: int = 0,
    posts_offered: int = 0,
    attendees: int = 0,
    hires: int = 0,
) -> RecruitmentEvent:
    _ensure_course_township(acting_user, township)
    errors: dict[str, list] = {}
    try:
        name = _text(name, label=_("活动名称"), max_length=120, required=True, field="name")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        organiser = _text(organiser, label=_("主办单位"), max_length=120, required=True, field="organiser")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if mode not in RecruitmentEvent.Mode.values:
        errors.setdefault("mode", []).append(EVENT_MODE_INVALID)
    for field, value, label in (
        ("employers", employers, _("参会单位数")),
        ("posts_offered", posts_offered, _("提供岗位数")),
        ("attendees", attendees, _("参会人数")),
        ("hires", hires, _("达成就业意向人数")),
    ):
        if value is None or value < 0:
            errors.setdefault(field, []).append(COUNT_NEGATIVE.format(label=label))
    if not errors and hires > attendees:
        errors.setdefault("hires", []).append(HIRES_EXCEED_ATTENDEES)
    if date > _today():
        errors.setdefault("date", []).append(DATE_IN_FUTURE.format(label=_("活动日期")))
    if errors:
        raise ValidationError(errors)
    return RecruitmentEvent.objects.create(
        name=name,
        date=date,
        mode=mode,
        organiser=organiser,
        township=township,
        employers=employers,
        posts_offered=posts_offered,
        attendees=attendees,
        hires=hires,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )


@transaction.atomic
def brand_save(
    *, acting_user, name: str, description: str = "", active: bool = True, brand=None
) -> LabourBrand:
    """Add (or change) a labour brand; its name is what clerks put in the employment's channel."""
    _ensure_bureau(acting_user)
    name = _text(name, label=_("品牌名称"), max_length=50, required=True, field="name")
    if LabourBrand.objects.filter(name=name).exclude(pk=getattr(brand, "pk", None)).exists():
        raise ValidationError({"name": BRAND_EXISTS.format(name=name)})
    brand = brand or LabourBrand()
    brand.name, brand.description, brand.active = name, (description or "").strip()[:200], active
    brand.save()
    return brand


@transaction.atomic
def market_save(
    *,
    acting_user,
    name: str,
    township: Township | None = None,
    address: str = "",
    active: bool = True,
    market=None,
) -> GigMarket:
    _ensure_bureau(acting_user)
    name = _text(name, label=_("名称"), max_length=50, required=True, field="name")
    if GigMarket.objects.filter(name=name).exclude(pk=getattr(market, "pk", None)).exists():
        raise ValidationError({"name": MARKET_EXISTS.format(name=name)})
    market = market or GigMarket()
    market.name, market.township, market.address, market.active = (
        name,
        township,
        (address or "").strip()[:200],
        active,
    )
    market.save()
    return market


# --- Reference data -------------------------------------------------------------------------------------

#: The brands the plan names in task (三); more are added by bureau staff.
PLAN_BRANDS = ("三峡季工", "三峡保安", "万州面厨", "鲁渝无人机操控师")


def brands_load(summary=None) -> int:
    """Create the plan's labour brands where missing (idempotent; part of `load_reference_data`)."""
    created = 0
    for name in PLAN_BRANDS:
        _brand, was_created = LabourBrand.objects.get_or_create(name=name)
        created += int(was_created)
        if summary is not None:
            summary.add("labour_brands", was_created)
    return created
