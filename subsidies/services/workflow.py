"""The workflow of subsidies: one table of allowed moves (`TRANSITIONS`) and the pieces every move shares.

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

Each move locks the application row (`_lock`), so nothing is approved twice, checks the table
(`_ensure_transition`) and who may make it (`_ensure_reviewer` and the like), then `_move` sets the new
status and writes an `ApplicationEvent` (who, when, from, to, comment) in the same transaction. The moves
themselves live in `applications` (submit, withdraw), `review` (the two approvals, reject) and `payments`
(notice, pay).
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from targets.models import Role
from targets.scoping import ensure_township_visible, scope_for

from .. import rules
from ..models import Application, ApplicationEvent, Status

Action = ApplicationEvent.Action

NOT_ALLOWED_NOW = _("该申请当前状态为“{status}”，不能{action}。")
ROLE_NOT_ALLOWED = _("您的账号不能{action}。")
REASON_REQUIRED = _("请填写{what}原因。")

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


def _log(application: Application, *, action, user, from_status="", to_status="", comment="") -> None:
    ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=(comment or "")[:300],
        user=user,
    )


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
