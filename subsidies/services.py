"""Every write of subsidies: kinds, applications, the review workflow, attachments and payment (issue 8).

The workflow is one table of allowed moves (`TRANSITIONS`), one service per move:

    草稿 → 已提交 → 镇街初审通过 → 区级审核通过 → 公示中 → 待发放 → 已发放
    驳回 (with a reason) from any review back to 草稿; 撤销 (with a reason) from any live status but 已发放.

| move             | from                       | who                                                           |
|------------------|----------------------------|---------------------------------------------------------------|
| save, submit     | 草稿                        | clerk of the township, bureau                                 |
| township_approve | 已提交                      | clerk of the township, bureau, reviewer — not the submitter   |
| district_approve | 镇街初审通过                | reviewer, bureau — neither the submitter nor the township reviewer |
| reject           | 已提交 … 公示中             | as the review of that status; never the submitter             |
| notice start/end | 区级审核通过 / 公示中       | reviewer, bureau; the notice lasts SUBSIDY_NOTICE_WORKING_DAYS |
| pay              | 待发放                      | reviewer, bureau — not the submitter nor the district reviewer |
| withdraw         | 草稿 … 镇街初审通过 (clerk), … 待发放 (bureau) | clerk of the township, bureau            |

Each move locks the application row, so nothing is approved twice; the district approval also locks the
kind's row (`SubsidyKind`), which serialises every cap and budget check of that kind, so two approvals at the
same moment can never together exceed a cap. Each move writes an `ApplicationEvent` (who, when, from, to,
comment) in the same transaction. A refused move raises ValidationError/PermissionDenied and changes nothing.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import PlanYear, Role, Township
from targets.scoping import NOT_IN_SCOPE, ensure_township_visible, ensure_township_writable, scope_for
from workers.models import Employer, Employment, Worker
from workers.services import employer_key

from . import files, rules
from .models import (
    ApplicantType,
    Application,
    ApplicationEvent,
    ApplicationWorker,
    Attachment,
    Payment,
    Rule,
    Status,
    SubsidyKind,
    SubsidyKindYear,
)

Action = ApplicationEvent.Action

NOT_ALLOWED_NOW = _("该申请当前状态为“{status}”，不能{action}。")
ROLE_NOT_ALLOWED = _("您的账号不能{action}。")
OWN_SUBMISSION = _("不能审核自己提交的申请（四眼原则），请由另一位工作人员办理。")
OWN_TOWNSHIP_REVIEW = _("您已办理该申请的镇街初审，区级审核须由另一位工作人员办理（四眼原则）。")
OWN_APPROVAL_PAY = _("您提交或审核通过了该申请，发放须由另一位工作人员登记（四眼原则）。")
REASON_REQUIRED = _("请填写{what}原因。")
NOTICE_NOT_OVER = _("公示期至 {end} 截止，期满后才能转为待发放。")
APPROVED_AMOUNT_INVALID = _("核定金额必须大于 0 元且不超过申请金额 {requested} 元。")
HIRING_AMOUNT_FIXED = _(
    "农民工就业补贴按名单逐人核定，核定金额须等于名单合计 {total} 元；如需调整请驳回修改。"
)
VOUCHER_REQUIRED = _("请填写发放凭证号。")
VOUCHER_DUPLICATE = _("凭证号 {voucher} 已用于另一笔发放，请核对。")
PAID_ON_INVALID = _("发放日期不能晚于今天，也不能早于区级审核日期 {approved}。")
KIND_INACTIVE = _("“{kind}”已停止受理新申请。")
YEAR_INVALID = _("补贴年度须在 {first}—{last} 年之间。")
TOWNSHIP_REQUIRED = _("请选择申请所属镇乡街道。")
ATTACH_NOT_NOW = _("只有草稿或已提交的申请可以上传附件。")
DETACH_NOT_NOW = _("只有草稿状态的申请可以删除附件。")
TOO_MANY_ATTACHMENTS = _("每份申请最多上传 {n} 个附件。")
MAX_ATTACHMENTS = 20

_ACTION_LABELS = {
    Action.UPDATE: _("修改"),
    Action.SUBMIT: _("提交"),
    Action.TOWNSHIP_APPROVE: _("镇街初审"),
    Action.DISTRICT_APPROVE: _("区级审核"),
    Action.REJECT: _("驳回"),
    Action.NOTICE_START: _("开始公示"),
    Action.NOTICE_END: _("结束公示"),
    Action.PAY: _("登记发放"),
    Action.WITHDRAW: _("撤销"),
}

#: The one table of allowed moves: action → (statuses it may start from, status it leads to).
TRANSITIONS: dict[str, tuple[frozenset, str]] = {
    Action.SUBMIT: (frozenset({Status.DRAFT}), Status.SUBMITTED),
    Action.TOWNSHIP_APPROVE: (frozenset({Status.SUBMITTED}), Status.TOWNSHIP_APPROVED),
    Action.DISTRICT_APPROVE: (frozenset({Status.TOWNSHIP_APPROVED}), Status.DISTRICT_APPROVED),
    Action.REJECT: (
        frozenset(
            {Status.SUBMITTED, Status.TOWNSHIP_APPROVED, Status.DISTRICT_APPROVED, Status.PUBLIC_NOTICE}
        ),
        Status.DRAFT,
    ),
    Action.NOTICE_START: (frozenset({Status.DISTRICT_APPROVED}), Status.PUBLIC_NOTICE),
    Action.NOTICE_END: (frozenset({Status.PUBLIC_NOTICE}), Status.PAYABLE),
    Action.PAY: (frozenset({Status.PAYABLE}), Status.PAID),
    Action.WITHDRAW: (
        frozenset(
            {
                Status.DRAFT,
                Status.SUBMITTED,
                Status.TOWNSHIP_APPROVED,
                Status.DISTRICT_APPROVED,
                Status.PUBLIC_NOTICE,
                Status.PAYABLE,
            }
        ),
        Status.WITHDRAWN,
    ),
}
CLERK_WITHDRAWABLE = frozenset({Status.DRAFT, Status.SUBMITTED, Status.TOWNSHIP_APPROVED})


# --- Reference data -----------------------------------------------------------------------------------

# (code, name, rule, source, defaults of each plan year) — caps of the plan (task 7, task 3) and the city
# document's kinds, whose caps bureau staff set per year.
KINDS = [
    ("startup", "创业补贴", Rule.STARTUP, "万州人社发〔2025〕64号 任务七：最高8000元/户", {"cap": 8000}),
    ("hiring", "农民工就业补贴", Rule.HIRING, "万州人社发〔2025〕64号 任务七：最高1000元/人", {"cap": 1000}),
    (
        "loan_interest",
        "创业担保贷款贴息",
        Rule.LOAN_INTEREST,
        "万州人社发〔2025〕64号 任务七：个人最高30万元、小微企业最高400万元，贴息为实际利率的50%",
        {"principal_cap_individual": 300000, "principal_cap_enterprise": 4000000, "interest_share": "0.5"},
    ),
    (
        "park",
        "返乡创业园区补贴",
        Rule.PARK,
        "万州人社发〔2025〕64号 任务七：市级园区60万元/家一次性补贴，后续三年绩效奖补最高30万元",
        {"cap": 600000, "follow_up_cap": 300000},
    ),
    (
        "labour_brand",
        "劳务品牌奖补",
        Rule.LABOUR_BRAND,
        "万州人社发〔2025〕64号 任务三：最高50万元/个",
        {"cap": 500000},
    ),
    ("transport", "跨区域交通补助", Rule.YEARLY_CAP, "渝人社规〔2026〕6号 第（五）条", {}),
    ("public_welfare_post", "公益性岗位补贴", Rule.YEARLY_CAP, "渝人社规〔2026〕6号 第（十三）条", {}),
    ("social_insurance", "社会保险补贴", Rule.YEARLY_CAP, "渝人社规〔2026〕6号 第（十二）条", {}),
    ("job_seeking", "一次性求职补贴", Rule.YEARLY_CAP, "渝人社规〔2026〕6号 第（十一）条", {}),
    ("employment_service", "就业创业服务补助", Rule.YEARLY_CAP, "渝人社规〔2026〕6号 第（九）条", {}),
]
PLAN_YEARS = (2025, 2026, 2027)


@transaction.atomic
def subsidy_kinds_load(summary=None) -> int:
    """Create the subsidy kinds and their yearly caps where missing; never touch a row that exists."""
    created_count = 0
    years = list(PlanYear.objects.values_list("year", flat=True)) or list(PLAN_YEARS)
    for order, (code, name, rule, source, defaults) in enumerate(KINDS, start=1):
        kind, created = SubsidyKind.objects.get_or_create(
            code=code, defaults={"name": name, "rule": rule, "source": source, "sort_order": order}
        )
        created_count += created
        if summary is not None:
            summary.add("subsidy_kinds", created)
        for year in years:
            values = {key: Decimal(str(value)) for key, value in defaults.items()}
            _setting, created = SubsidyKindYear.objects.get_or_create(kind=kind, year=year, defaults=values)
            created_count += created
            if summary is not None:
                summary.add("subsidy_kind_years", created)
    return created_count


# --- Applications: drafts -----------------------------------------------------------------------------


@dataclass
class ApplicationData:
    """What the form supplies for one application (kind-specific evidence fields may stay empty)."""

    kind: SubsidyKind
    year: int
    applicant_type: str
    amount_requested: Decimal | None = None
    township: Township | None = None
    worker: Worker | None = None
    employer: Employer | None = None
    employment: Employment | None = None
    subject_name: str = ""
    loan_contract_no: str = ""
    lender: str = ""
    principal: Decimal | None = None
    interest_paid: Decimal | None = None
    period_start: date | None = None
    period_end: date | None = None
    park_stage: str = ""
    certified_on: date | None = None
    note: str = ""
    lines: list = field(default_factory=list)  # [(Worker, Decimal)] for the hiring subsidy


_DATA_FIELDS = (
    "kind",
    "year",
    "applicant_type",
    "worker",
    "employer",
    "employment",
    "loan_contract_no",
    "lender",
    "principal",
    "interest_paid",
    "period_start",
    "period_end",
    "park_stage",
    "certified_on",
    "note",
)


def _apply(application: Application, data: ApplicationData, acting_user) -> list:
    """Copy `data` onto `application`, scope-check everything it names; return the checked lines."""
    kind = data.kind
    if not kind.active:
        raise ValidationError({"kind": KIND_INACTIVE.format(kind=kind.name)})
    first, last = min(PLAN_YEARS), max(max(PLAN_YEARS), timezone.localdate().year)
    if not first <= int(data.year or 0) <= last:
        raise ValidationError({"year": YEAR_INVALID.format(first=first, last=last)})
    for name in _DATA_FIELDS:
        setattr(application, name, getattr(data, name))
    application.subject_name = (data.subject_name or "").strip()
    application.subject_key = employer_key(application.subject_name)[:100]
    application.loan_contract_no = (data.loan_contract_no or "").strip()
    worker_based = data.applicant_type == ApplicantType.WORKER
    if not worker_based:
        application.worker = None
    if data.applicant_type != ApplicantType.EMPLOYER:
        application.employer = None
    if kind.rule != Rule.STARTUP:
        application.employment = None
    if kind.rule != Rule.PARK:
        application.park_stage, application.certified_on = "", None
    if kind.rule != Rule.LOAN_INTEREST:
        application.principal = application.interest_paid = None
        application.period_start = application.period_end = None
        application.loan_contract_no = application.lender = ""
    if worker_based and data.worker is not None:
        # A person's application belongs to the township of their registration (DESIGN.md §4.1).
        application.township = data.worker.township
        application.household = data.worker.household
    else:
        application.household = None
        application.township = data.township
    if application.township is None:
        raise ValidationError({"township": TOWNSHIP_REQUIRED})
    ensure_township_writable(acting_user, application.township)
    lines = list(data.lines) if kind.rule == Rule.HIRING else []
    scope = scope_for(acting_user)
    for worker, _amount in lines:
        if not scope.sees_township(worker.township_id):
            raise PermissionDenied(NOT_IN_SCOPE)
    if lines:
        application.amount_requested = sum((amount or Decimal("0") for _w, amount in lines), Decimal("0"))
    else:
        application.amount_requested = data.amount_requested
    rules.evidence_check(application, lines=lines)
    return lines


def _save_lines(application: Application, lines: list) -> None:
    application.lines.all().delete()
    ApplicationWorker.objects.bulk_create(
        [ApplicationWorker(application=application, worker=worker, amount=amount) for worker, amount in lines]
    )


def _log(application: Application, *, action, user, from_status="", to_status="", comment="") -> None:
    ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=(comment or "")[:300],
        user=user,
    )


@transaction.atomic
def application_create(*, acting_user, data: ApplicationData) -> Application:
    application = Application(created_by=acting_user, status=Status.DRAFT)
    lines = _apply(application, data, acting_user)
    application.save()
    _save_lines(application, lines)
    _log(application, action=Action.CREATE, user=acting_user, to_status=Status.DRAFT)
    return application


@transaction.atomic
def application_update(*, acting_user, application: Application, data: ApplicationData) -> Application:
    locked = _lock(application)
    ensure_township_writable(acting_user, locked.township_id)
    _ensure_status(locked, Action.UPDATE, {Status.DRAFT})
    lines = _apply(locked, data, acting_user)
    locked.save()
    _save_lines(locked, lines)
    _log(locked, action=Action.UPDATE, user=acting_user, from_status=Status.DRAFT, to_status=Status.DRAFT)
    return locked


# --- Applications: the workflow ------------------------------------------------------------------------


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _ensure_status(application: Application, action: str, allowed) -> None:
    if application.status not in allowed:
        raise ValidationError(
            NOT_ALLOWED_NOW.format(status=Status(application.status).label, action=_ACTION_LABELS[action]),
            code="status",
        )


def _ensure_transition(application: Application, action: str) -> str:
    allowed, target = TRANSITIONS[action]
    _ensure_status(application, action, allowed)
    return target


def _role(user) -> str | None:
    return scope_for(user).role


def _ensure_reviewer(user, application: Application, action: str) -> None:
    if _role(user) not in (Role.REVIEWER, Role.BUREAU):
        raise PermissionDenied(ROLE_NOT_ALLOWED.format(action=_ACTION_LABELS[action]))
    ensure_township_visible(user, application.township_id)


def _ensure_township_reviewer(user, application: Application, action: str) -> None:
    """Township review: a clerk of the township, bureau staff or a reviewer."""
    role = _role(user)
    if role == Role.CLERK:
        ensure_township_writable(user, application.township_id)
    elif role in (Role.REVIEWER, Role.BUREAU):
        ensure_township_visible(user, application.township_id)
    else:
        raise PermissionDenied(ROLE_NOT_ALLOWED.format(action=_ACTION_LABELS[action]))


def _ensure_not_submitter(user, application: Application) -> None:
    if application.submitted_by_id == user.pk:
        raise PermissionDenied(OWN_SUBMISSION)


def _advisory_caps(application: Application, amount: Decimal) -> None:
    """Before the district review, refuse what could never be approved — except a cap not set yet."""
    try:
        rules.caps_enforce(application, amount)
    except ValidationError as exc:
        if getattr(exc, "code", None) != "no_cap":
            raise


def _move(application: Application, *, action, target, user, comment="", **changes) -> Application:
    source = application.status
    for key, value in changes.items():
        setattr(application, key, value)
    application.status = target
    application.save()
    _log(application, action=action, user=user, from_status=source, to_status=target, comment=comment)
    return application


@transaction.atomic
def application_submit(*, acting_user, application: Application, comment: str = "") -> Application:
    locked = _lock(application)
    ensure_township_writable(acting_user, locked.township_id)
    target = _ensure_transition(locked, Action.SUBMIT)
    rules.evidence_check(
        locked, lines=[(line.worker, line.amount) for line in locked.lines.select_related("worker")]
    )
    if locked.kind.rule == Rule.HIRING:
        rules.hiring_pending_check(locked)
    _advisory_caps(locked, locked.amount_requested)
    return _move(
        locked,
        action=Action.SUBMIT,
        target=target,
        user=acting_user,
        comment=comment,
        submitted_by=acting_user,
        submitted_at=timezone.now(),
        rejection_reason="",
    )


@transaction.atomic
def application_township_approve(*, acting_user, application: Application, comment: str = "") -> Application:
    locked = _lock(application)
    _ensure_township_reviewer(acting_user, locked, Action.TOWNSHIP_APPROVE)
    target = _ensure_transition(locked, Action.TOWNSHIP_APPROVE)
    _ensure_not_submitter(acting_user, locked)
    _advisory_caps(locked, locked.amount_requested)
    return _move(
        locked,
        action=Action.TOWNSHIP_APPROVE,
        target=target,
        user=acting_user,
        comment=comment,
        township_reviewed_by=acting_user,
        township_reviewed_at=timezone.now(),
    )


@transaction.atomic
def application_district_approve(
    *, acting_user, application: Application, amount: Decimal | None = None, comment: str = ""
) -> Application:
    locked = _lock(application)
    _ensure_reviewer(acting_user, locked, Action.DISTRICT_APPROVE)
    target = _ensure_transition(locked, Action.DISTRICT_APPROVE)
    _ensure_not_submitter(acting_user, locked)
    if locked.township_reviewed_by_id == acting_user.pk:
        raise PermissionDenied(OWN_TOWNSHIP_REVIEW)
    amount = locked.amount_requested if amount is None else Decimal(amount)
    if amount <= 0 or amount > locked.amount_requested:
        raise ValidationError(APPROVED_AMOUNT_INVALID.format(requested=rules.yuan(locked.amount_requested)))
    if locked.kind.rule == Rule.HIRING and amount != locked.amount_requested:
        raise ValidationError(HIRING_AMOUNT_FIXED.format(total=rules.yuan(locked.amount_requested)))
    # The kind's row is the lock behind every cap and budget of the kind: a second approval of the same kind
    # waits here until this transaction ends, then sees this approval in its sums.
    SubsidyKind.objects.select_for_update().get(pk=locked.kind_id)
    setting = (
        SubsidyKindYear.objects.select_for_update().filter(kind_id=locked.kind_id, year=locked.year).first()
    )
    if setting is None:
        rules.setting_for(locked)  # raises the "no setting for this year" message
    rules.caps_enforce(locked, amount, setting=setting)
    return _move(
        locked,
        action=Action.DISTRICT_APPROVE,
        target=target,
        user=acting_user,
        comment=comment,
        amount_approved=amount,
        district_reviewed_by=acting_user,
        district_reviewed_at=timezone.now(),
    )


@transaction.atomic
def application_reject(*, acting_user, application: Application, reason: str) -> Application:
    locked = _lock(application)
    if locked.status == Status.SUBMITTED:
        _ensure_township_reviewer(acting_user, locked, Action.REJECT)
    else:
        _ensure_reviewer(acting_user, locked, Action.REJECT)
    target = _ensure_transition(locked, Action.REJECT)
    _ensure_not_submitter(acting_user, locked)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED.format(what=_("驳回"))})
    return _move(
        locked,
        action=Action.REJECT,
        target=target,
        user=acting_user,
        comment=reason,
        rejection_reason=reason[:300],
        amount_approved=None,
        submitted_by=None,
        submitted_at=None,
        township_reviewed_by=None,
        township_reviewed_at=None,
        district_reviewed_by=None,
        district_reviewed_at=None,
        notice_start=None,
        notice_end=None,
    )


def working_days_end(start: date, days: int) -> date:
    """The last day of a period of `days` working days (Monday–Friday) beginning on `start`."""
    day, counted = start, 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted >= days:
                return day
        day += timedelta(days=1)


@transaction.atomic
def application_notice_start(
    *, acting_user, application: Application, start: date | None = None, comment: str = ""
) -> Application:
    locked = _lock(application)
    _ensure_reviewer(acting_user, locked, Action.NOTICE_START)
    target = _ensure_transition(locked, Action.NOTICE_START)
    start = start or timezone.localdate()
    end = working_days_end(start, settings.SUBSIDY_NOTICE_WORKING_DAYS)
    return _move(
        locked,
        action=Action.NOTICE_START,
        target=target,
        user=acting_user,
        comment=comment or _("公示期 {start} 至 {end}").format(start=start, end=end),
        notice_start=start,
        notice_end=end,
    )


@transaction.atomic
def application_notice_end(
    *, acting_user, application: Application, today: date | None = None, comment: str = ""
) -> Application:
    locked = _lock(application)
    _ensure_reviewer(acting_user, locked, Action.NOTICE_END)
    target = _ensure_transition(locked, Action.NOTICE_END)
    today = today or timezone.localdate()
    if locked.notice_end is None or today <= locked.notice_end:
        raise ValidationError(NOTICE_NOT_OVER.format(end=locked.notice_end), code="notice")
    return _move(locked, action=Action.NOTICE_END, target=target, user=acting_user, comment=comment)


@transaction.atomic
def application_pay(
    *, acting_user, application: Application, paid_on: date, voucher_no: str, comment: str = ""
) -> Application:
    locked = _lock(application)
    _ensure_reviewer(acting_user, locked, Action.PAY)
    target = _ensure_transition(locked, Action.PAY)
    if acting_user.pk in (locked.submitted_by_id, locked.district_reviewed_by_id):
        raise PermissionDenied(OWN_APPROVAL_PAY)
    voucher_no = (voucher_no or "").strip()
    if not voucher_no:
        raise ValidationError({"voucher_no": VOUCHER_REQUIRED})
    approved_on = timezone.localdate(locked.district_reviewed_at)
    if paid_on is None or paid_on > timezone.localdate() or paid_on < approved_on:
        raise ValidationError({"paid_on": PAID_ON_INVALID.format(approved=approved_on)})
    if Payment.objects.filter(voucher_no=voucher_no).exists():
        raise ValidationError({"voucher_no": VOUCHER_DUPLICATE.format(voucher=voucher_no)})
    try:
        with transaction.atomic():
            Payment.objects.create(
                application=locked,
                amount=locked.amount_approved,
                paid_on=paid_on,
                voucher_no=voucher_no,
                recorded_by=acting_user,
            )
    except IntegrityError:
        raise ValidationError({"voucher_no": VOUCHER_DUPLICATE.format(voucher=voucher_no)})
    return _move(
        locked,
        action=Action.PAY,
        target=target,
        user=acting_user,
        comment=comment or _("凭证号 {voucher}，发放日期 {day}").format(voucher=voucher_no, day=paid_on),
    )


@transaction.atomic
def application_withdraw(*, acting_user, application: Application, reason: str) -> Application:
    locked = _lock(application)
    ensure_township_writable(acting_user, locked.township_id)
    target = _ensure_transition(locked, Action.WITHDRAW)
    if _role(acting_user) != Role.BUREAU:
        _ensure_status(locked, Action.WITHDRAW, CLERK_WITHDRAWABLE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED.format(what=_("撤销"))})
    return _move(locked, action=Action.WITHDRAW, target=target, user=acting_user, comment=reason)


TRANSITION_SERVICES = {
    Action.SUBMIT: application_submit,
    Action.TOWNSHIP_APPROVE: application_township_approve,
    Action.DISTRICT_APPROVE: application_district_approve,
    Action.REJECT: application_reject,
    Action.NOTICE_START: application_notice_start,
    Action.NOTICE_END: application_notice_end,
    Action.PAY: application_pay,
    Action.WITHDRAW: application_withdraw,
}


# --- Attachments -----------------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, acting_user, application: Application, file_obj, file_name: str) -> Attachment:
    locked = _lock(application)
    ensure_township_writable(acting_user, locked.township_id)
    if locked.status not in (Status.DRAFT, Status.SUBMITTED):
        raise ValidationError(ATTACH_NOT_NOW)
    if locked.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(TOO_MANY_ATTACHMENTS.format(n=MAX_ATTACHMENTS))
    checked = files.check_file(file_obj, file_name)
    stored_name = files.store(checked)
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                application=locked,
                original_name=checked.name,
                stored_name=stored_name,
                content_type=checked.content_type,
                size=len(checked.data),
                sha256=checked.sha256,
                uploaded_by=acting_user,
            )
            _log(locked, action=Action.ATTACH, user=acting_user, comment=checked.name)
    except BaseException:
        files.remove(stored_name)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, acting_user, attachment: Attachment) -> None:
    locked = _lock(attachment.application)
    ensure_township_writable(acting_user, locked.township_id)
    if locked.status != Status.DRAFT:
        raise ValidationError(DETACH_NOT_NOW)
    stored_name, name = attachment.stored_name, attachment.original_name
    Attachment.objects.filter(pk=attachment.pk, application=locked).delete()
    _log(locked, action=Action.DETACH, user=acting_user, comment=name)
    transaction.on_commit(lambda: files.remove(stored_name))
