"""Project-level pages: the home page that sends each role to its place."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from targets.models import Role, StaffAssignment
from targets.scoping import scope_for


@login_required
def home(request):
    scope = scope_for(request.user)
    if scope.role == Role.BUREAU:
        return redirect("targets:dashboard")
    if scope.role is None:
        return render(request, "no_assignment.html", status=403)
    return render(request, "home.html", {"scope": scope})


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
