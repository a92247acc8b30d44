"""Project-level pages: the home page that sends each role to its place."""

from datetime import date

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
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
    return render(request, "home.html", context)


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
