"""The review of subsidies: township approval, district approval and rejection, each under four eyes.

The township review is done by a clerk of the township, bureau staff or a reviewer; the district review by a
reviewer or bureau staff only; neither by the submitter, and the district review not by the township reviewer.
The district approval fixes the approved amount and locks the kind's row (`SubsidyKind`), which serialises
every cap and budget check of that kind, so two approvals at the same moment can never together exceed a cap.
A rejection needs a reason and sends the application back to 草稿 with every review stamp cleared.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import Role
from targets.scoping import ensure_township_visible, ensure_township_writable

from .. import rules
from ..models import Application, Rule, Status, SubsidyKind, SubsidyKindYear
from .workflow import (
    _ACTION_LABELS,
    REASON_REQUIRED,
    ROLE_NOT_ALLOWED,
    Action,
    _advisory_caps,
    _ensure_reviewer,
    _ensure_transition,
    _lock,
    _move,
    _role,
)

OWN_SUBMISSION = _("不能审核自己提交的申请（四眼原则），请由另一位工作人员办理。")
OWN_TOWNSHIP_REVIEW = _("您已办理该申请的镇街初审，区级审核须由另一位工作人员办理（四眼原则）。")
APPROVED_AMOUNT_INVALID = _("核定金额必须大于 0 元且不超过申请金额 {requested} 元。")
HIRING_AMOUNT_FIXED = _(
    "农民工就业补贴按名单逐人核定，核定金额须等于名单合计 {total} 元；如需调整请驳回修改。"
)


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
