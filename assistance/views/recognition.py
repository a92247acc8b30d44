"""Recognitions on a person's page (issue 20, item 4): record that a person of the clerk's township is 特困人员,
残疾人 (with the grade) or 就业困难人员, and end a recognition. Both are POSTs from the person page; the rules are
in `assistance.services.recognition`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _g
from django.views.decorators.http import require_POST

from .. import forms, services
from ..models import Recognition
from ._common import _form_messages, _person_record, _role_check, _scoped_or_404


@login_required
@require_POST
def recognition_add(request, pk: int):
    return _person_record(request, pk, forms.RecognitionForm, services.recognition_record, _g("认定已登记。"))


@login_required
@require_POST
def recognition_end(request, pk: int):
    denied = _role_check(request)
    if denied:
        return denied
    recognition = _scoped_or_404(Recognition.objects.select_related("worker"), request, pk)
    form = forms.RecognitionEndForm(request.POST)
    if form.is_valid():
        try:
            services.recognition_end(acting_user=request.user, recognition=recognition, **form.cleaned_data)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _g("认定已终止。"))
            return redirect("assistance:person", pk=recognition.worker_id)
    for message in _form_messages(form):
        messages.error(request, message)
    return redirect("assistance:person", pk=recognition.worker_id)
