"""Applications of subsidies from the applicant's side: the draft (create, update), submit and withdraw.

`ApplicationData` is what the form hands in; `_apply` copies it onto the application,
checks the kind, year and township, scope-checks every worker it names and runs the evidence check of the
kind's rule. A draft can be changed by the clerk of its township or bureau staff only; submitting checks the
evidence again and refuses what no cap would ever allow; withdrawing needs a reason, and a clerk may withdraw
only before the district review.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import Role, Township
from targets.scoping import NOT_IN_SCOPE, ensure_township_writable, scope_for
from workers.models import Employer, Employment, Worker
from workers.services import employer_key

from .. import rules
from ..models import (
    PERSON_APPLICANTS,
    UNIT_APPLICANTS,
    Application,
    ApplicationWorker,
    Rule,
    Status,
    SubsidyKind,
)
from .reference import PLAN_YEARS
from .workflow import (
    CLERK_WITHDRAWABLE,
    REASON_REQUIRED,
    Action,
    _advisory_caps,
    _ensure_status,
    _ensure_transition,
    _lock,
    _log,
    _move,
    _role,
)

KIND_INACTIVE = _("“{kind}”已停止受理新申请。")
YEAR_INVALID = _("补贴年度须在 {first}—{last} 年之间。")
TOWNSHIP_REQUIRED = _("请选择申请所属镇乡街道。")


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
    entity_code: str = ""  # 创业补贴: the market entity's 统一社会信用代码 or 注册号 when the ledger has none
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
    worker_based = data.applicant_type in PERSON_APPLICANTS
    if not worker_based:
        application.worker = None
    if data.applicant_type not in UNIT_APPLICANTS:
        application.employer = None
    if kind.rule == Rule.STARTUP:
        application.entity_code = "".join((data.entity_code or "").split()).upper()[:18]
    else:
        application.employment = None
        application.entity_code = ""
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
    lines = list(data.lines) if kind.rule in rules.LINE_RULES else []
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
