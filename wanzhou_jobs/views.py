"""Project-level pages: the home page that sends each role to its place."""

from datetime import date

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse_lazy

from targets.models import Role, StaffAssignment
from targets.scoping import scope_for
from targets.selectors_dashboard import dashboard_progress, lagging_counts, parse_year
from workers.selectors import returns_board


@login_required
def home(request):
    """Each role's workbench: its pages as tiles; bureau staff also see what needs them now — the
    townships lagging behind time progress and the returns of the last closed quarter still missing."""
    scope = scope_for(request.user)
    if scope.role is None:
        return render(request, "no_assignment.html", status=403)
    context = {"scope": scope}
    if scope.role == Role.BUREAU:
        context.update(_bureau_worklist())
    elif scope.role == Role.CLERK:
        context.update(_clerk_worklist(request.user))
    elif scope.role == Role.REVIEWER:
        context.update(_reviewer_worklist(request.user))
    return render(request, "home.html", context)


def _clerk_worklist(user, today: date | None = None) -> dict:
    """What waits for a clerk: this year's returns of their township that are due or overdue, the people
    whose 1131 routine is incomplete, and subsidy drafts not yet submitted."""
    from assistance.selectors import worklist
    from subsidies.models import Status
    from subsidies.selectors import applications_for

    year = parse_year(None)
    board = returns_board(year=year, today=today)
    township_ids = scope_for(user).township_ids
    row = next((r for r in board["rows"] + board["apart"] if r["township"].pk in township_ids), None)
    due = [
        {"quarter": q, "state": cell["state"], "deadline": cell["deadline"]}
        for q, cell in enumerate(row["cells"] if row else [], start=1)
        if cell["state"] in ("due", "overdue")
    ]
    from reporting.selectors import returned_reports

    return {
        "year": year,
        "returned": returned_reports(township_ids=township_ids),
        "returns_due": due,
        "routine_open": worklist(user=user, year=year).count(),
        "drafts": applications_for(user).filter(status=Status.DRAFT).count(),
    }


def _reviewer_worklist(user) -> dict:
    """What waits for a reviewer: the queue's applications by status, in the order the work is done."""
    from subsidies.models import Status
    from subsidies.selectors import review_queue

    counts = dict(review_queue(user=user).order_by().values_list("status").annotate(n=Count("pk")))
    order = (Status.TOWNSHIP_APPROVED, Status.DISTRICT_APPROVED, Status.PUBLIC_NOTICE, Status.PAYABLE)
    return {"queue": [(s, Status(s).label, counts.get(s, 0)) for s in order]}


def _bureau_worklist(today: date | None = None) -> dict:
    year = parse_year(None)
    board = returns_board(year=year, today=today)
    return {
        "year": year,
        "lagging": lagging_counts(dashboard_progress(year=year)),
        "returns": {
            "quarter": board["last_closed"],
            "missing": len(board["missing"]),
            "overdue": board["overdue"],
            "deadline": board["last_deadline"],
        },
    }


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; it also clears the "must change at first login" flag. Other sessions of
    the user end (Django checks the session's password hash on every request); this one stays."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        StaffAssignment.objects.filter(user=self.request.user).update(must_change_password=False)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
