"""The workflow moves offered on an application page, each confirmed first on its own page.

`MOVES` names each move's button and form; `available_moves` shows only the moves whose status allows them
and whose role fits, and the service of the move (`services.TRANSITION_SERVICES`) checks role, scope and
four eyes again, so a hand-made POST gets no further than the button would. A refused move comes back as
errors on the confirmation form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import Role
from targets.scoping import scope_for

from .. import rules, services
from ..forms import ApproveForm, CommentForm, PayForm, ReasonForm
from ..models import Status
from ..services.blockers import move_blocker
from ._common import NO_SUBSIDIES, Action, _application, _guard

#: The moves offered on an application page: action → (button label, form class, irreversible?).
MOVES = {
    Action.SUBMIT: (_("提交审核"), CommentForm),
    Action.TOWNSHIP_APPROVE: (_("镇街初审通过"), CommentForm),
    Action.DISTRICT_APPROVE: (_("区级审核通过"), ApproveForm),
    Action.REJECT: (_("驳回"), ReasonForm),
    Action.NOTICE_START: (_("开始公示"), CommentForm),
    Action.NOTICE_END: (_("公示期满，转待发放"), CommentForm),
    Action.PAY: (_("登记发放"), PayForm),
    Action.WITHDRAW: (_("撤销申请"), ReasonForm),
}


def available_moves(user, application) -> list[tuple[str, str, str | None]]:
    """Buttons to show: moves whose status allows them and whose role fits (the service checks again),
    each with the reason it would be refused now (four eyes, notice period) — shown disabled — or None."""
    scope = scope_for(user)
    role = scope.role
    reviewer = role in (Role.REVIEWER, Role.BUREAU)
    writer = scope.can_write and scope.sees_township(application.township_id)
    moves = []
    for action, (label, _form) in MOVES.items():
        allowed, _target = services.TRANSITIONS[action]
        if application.status not in allowed:
            continue
        if action == Action.SUBMIT and not writer:
            continue
        if action == Action.TOWNSHIP_APPROVE and not (reviewer or writer):
            continue
        if action == Action.REJECT and not (reviewer or (writer and application.status == Status.SUBMITTED)):
            continue
        if (
            action in (Action.DISTRICT_APPROVE, Action.NOTICE_START, Action.NOTICE_END, Action.PAY)
            and not reviewer
        ):
            continue
        if action == Action.WITHDRAW and not (
            writer and (role == Role.BUREAU or application.status in services.CLERK_WITHDRAWABLE)
        ):
            continue
        moves.append((action, label, move_blocker(user, application, action)))
    return moves


def _run_move(request, application, action, form):
    service = services.TRANSITION_SERVICES[action]
    kwargs = {"acting_user": request.user, "application": application}
    data = form.cleaned_data
    if action in (Action.REJECT, Action.WITHDRAW):
        kwargs["reason"] = data["reason"]
    elif action == Action.PAY:
        kwargs.update(paid_on=data["paid_on"], voucher_no=data["voucher_no"])
    else:
        kwargs["comment"] = data.get("comment", "")
        if action == Action.DISTRICT_APPROVE:
            kwargs["amount"] = data["amount"]
    return service(**kwargs)


@login_required
def application_move(request, pk: int, action: str):
    """GET: the confirmation page of a move; POST: the move itself."""
    _guard(request)
    if action not in MOVES:
        raise Http404
    application = _application(request, pk)
    label, form_class = MOVES[action]
    initial = {}
    if action == Action.DISTRICT_APPROVE:
        initial["amount"] = application.amount_requested
    if action == Action.PAY:
        initial["paid_on"] = timezone.localdate()
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _run_move(request, application, action, form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or str(NO_SUBSIDIES))
        else:
            messages.success(request, _("已{label}：{number}").format(label=label, number=application.number))
            return redirect("subsidies:detail", pk=application.pk)
    return render(
        request,
        "subsidies/application_move.html",
        {
            "application": application,
            "action": action,
            "label": label,
            "form": form,
            "caps": rules.remaining(application),
        },
    )
