"""The reviewers' queue of subsidy applications, with bulk actions.

For reviewers and bureau staff only. A bulk action takes two steps: the selection is shown for confirmation,
then each application is moved by the service of that move in its own transaction, so one refusal (status,
cap, four eyes) stops only that application and is reported by its number.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from .. import selectors, services
from ..models import Status
from ._common import PER_PAGE, Action, _deny, _guard, _query
from .moves import MOVES

ONLY_REVIEWERS = _("本页面仅供审核员和区人力社保局使用。")
#: The queue's tabs, and the order in which a reviewer's work waits in them (the default tab).
TABS = (
    Status.SUBMITTED,
    Status.TOWNSHIP_APPROVED,
    Status.DISTRICT_APPROVED,
    Status.PUBLIC_NOTICE,
    Status.PAYABLE,
)
REVIEW_ORDER = (
    Status.TOWNSHIP_APPROVED,
    Status.DISTRICT_APPROVED,
    Status.PUBLIC_NOTICE,
    Status.PAYABLE,
    Status.SUBMITTED,
)
BULK_ACTIONS = (Action.TOWNSHIP_APPROVE, Action.DISTRICT_APPROVE, Action.NOTICE_START, Action.NOTICE_END)


@login_required
def review_queue(request):
    _guard(request)
    if not selectors.is_reviewer(request.user):
        return _deny(request, ONLY_REVIEWERS)
    if request.method == "POST":
        return _bulk(request)
    queue = selectors.review_queue(user=request.user)
    counts = dict(queue.order_by().values_list("status").annotate(n=Count("pk")))
    # The default tab is the first, in the order a reviewer works, that holds something waiting.
    waiting = next((s for s in REVIEW_ORDER if counts.get(s)), Status.TOWNSHIP_APPROVED)
    status = request.GET.get("status") or waiting
    queryset = queue.filter(status=status) if status in Status.values else queue
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "subsidies/review_queue.html",
        {
            "page": page,
            "status": status,
            "statuses": [(s, Status(s).label, counts.get(s, 0)) for s in TABS],
            "bulk_actions": [(a, MOVES[a][0]) for a in BULK_ACTIONS],
            "query": _query(request, "status"),
        },
    )


def _bulk(request):
    """Two steps: the selection is shown for confirmation; `confirm=1` runs each move in its own transaction."""
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        messages.error(request, _("请选择批量操作。"))
        return redirect("subsidies:review")
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()][:200]
    chosen = list(selectors.review_queue(user=request.user).filter(pk__in=ids))
    if not chosen:
        messages.error(request, _("请先勾选申请。"))
        return redirect("subsidies:review")
    if request.POST.get("confirm") != "1":
        return render(
            request,
            "subsidies/bulk_confirm.html",
            {"action": action, "label": MOVES[action][0], "applications": chosen},
        )
    done, failed = 0, []
    for application in chosen:
        try:
            services.TRANSITION_SERVICES[action](acting_user=request.user, application=application)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            failed.append(f"{application.number}：{text}")
    if done:
        messages.success(request, _("{label}：成功 {n} 件。").format(label=MOVES[action][0], n=done))
    for line in failed:
        messages.error(request, line)
    return redirect("subsidies:review")
