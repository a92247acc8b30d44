"""Attachment pages of subsidy applications: upload, download and delete.

An attachment is found only through an application the user can see, so another township's file is a 404.
Uploads and deletions go through `services.attachment_add` / `attachment_delete`, which check status and
scope; every download is written to the audit log and served with `no-store` and `nosniff`.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from targets import audit

from .. import files, selectors, services
from ..forms import AttachmentForm
from ..models import Attachment
from ._common import _application, _guard


@login_required
@require_POST
def attachment_upload(request, pk: int):
    _guard(request)
    application = _application(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("subsidies:detail", pk=application.pk)
    upload = form.cleaned_data["file"]
    try:
        services.attachment_add(
            acting_user=request.user, application=application, file_obj=upload, file_name=upload.name
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("附件已上传。"))
    return redirect("subsidies:detail", pk=application.pk)


def _attachment(request, pk: int) -> Attachment:
    attachment = (
        Attachment.objects.filter(
            pk=pk, application__in=selectors.applications_for(request.user).values("pk")
        )
        .select_related("application")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


@login_required
def attachment_download(request, pk: int):
    _guard(request)
    attachment = _attachment(request, pk)
    path = files.path_of(attachment.stored_name)
    if not path.exists():
        raise Http404
    audit.audit_event(
        "attachment_download",
        obj=attachment,
        actor=request.user,
        detail={"application": attachment.application_id, "name": attachment.original_name},
    )
    response = FileResponse(path.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(attachment.original_name)}"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def attachment_delete(request, pk: int):
    _guard(request)
    attachment = _attachment(request, pk)
    if request.method == "POST":
        try:
            services.attachment_delete(acting_user=request.user, attachment=attachment)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("附件已删除。"))
        return redirect("subsidies:detail", pk=attachment.application_id)
    return render(request, "subsidies/attachment_delete.html", {"attachment": attachment})
