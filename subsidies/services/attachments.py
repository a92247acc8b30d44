"""Attachments of subsidy applications: upload while 草稿 or 已提交, delete while 草稿.

`files.check_file` refuses what is not an allowed document before anything is stored; the stored file is
removed again if its row cannot be written, and a deleted attachment's file goes only once the transaction has
committed. Each upload and deletion writes an `ApplicationEvent` with the file's name.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.scoping import ensure_township_writable

from .. import files
from ..models import Application, Attachment, Status
from .workflow import Action, _lock, _log

ATTACH_NOT_NOW = _("只有草稿或已提交的申请可以上传附件。")
DETACH_NOT_NOW = _("只有草稿状态的申请可以删除附件。")
TOO_MANY_ATTACHMENTS = _("每份申请最多上传 {n} 个附件。")
MAX_ATTACHMENTS = 20


@transaction.atomic
def attachment_add(*, acting_user, application: Application, file_obj, file_name: str) -> Attachment:
    locked = _lock(application)
    ensure_township_writable(acting_user, locked.township_id)
    if locked.status not in (Status.DRAFT, Status.SUBMITTED):
        raise ValidationError(ATTACH_NOT_NOW)
    if locked.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(TOO_MANY_ATTACHMENTS.format(n=MAX_ATTACHMENTS))
    checked = files.check_file(file_obj, file_name)
    stored_name = files.store(checked)
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                application=locked,
                original_name=checked.name,
                stored_name=stored_name,
                content_type=checked.content_type,
                size=len(checked.data),
                sha256=checked.sha256,
                uploaded_by=acting_user,
            )
            _log(locked, action=Action.ATTACH, user=acting_user, comment=checked.name)
    except BaseException:
        files.remove(stored_name)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, acting_user, attachment: Attachment) -> None:
    locked = _lock(attachment.application)
    ensure_township_writable(acting_user, locked.township_id)
    if locked.status != Status.DRAFT:
        raise ValidationError(DETACH_NOT_NOW)
    stored_name, name = attachment.stored_name, attachment.original_name
    Attachment.objects.filter(pk=attachment.pk, application=locked).delete()
    _log(locked, action=Action.DETACH, user=acting_user, comment=name)
    transaction.on_commit(lambda: files.remove(stored_name))
