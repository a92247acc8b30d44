"""就业意愿 and 求职意向 of a person, recorded with a date (issue 20, item 7). City document §二(二): "动态更新……
就业失业状态、技能水平、培训意愿、求职意向等信息". Each record is kept; the latest is the current one, shown on the
worklist beside the "1131" job pushes it should guide.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.scoping import ensure_township_writable
from workers.models import Worker

from ..models import IntentionRecord, WorkWish
from ._common import _locked_worker, _not_future, _text

WISH_INVALID = _("请选择就业意愿（有就业意愿或暂无就业意愿）。")
INTENTION_SAME_DAY = _("此人 {day} 的就业意愿已经登记。")


@transaction.atomic
def intention_record(
    *, acting_user, worker: Worker, recorded_on: date, wants_work: str, job_intention: str = ""
) -> IntentionRecord:
    """Record the person's 就业意愿 and 求职意向 as of `recorded_on`."""
    worker = _locked_worker(worker)
    ensure_township_writable(acting_user, worker.township_id)
    if wants_work not in WorkWish.values:
        raise ValidationError({"wants_work": WISH_INVALID})
    job_intention = _text(job_intention, label=_("求职意向"), max_length=100, field="job_intention")
    _not_future(recorded_on, label=_("登记日期"), field="recorded_on")
    if IntentionRecord.objects.filter(worker=worker, recorded_on=recorded_on).exists():
        raise ValidationError({"recorded_on": INTENTION_SAME_DAY.format(day=recorded_on)})
    return IntentionRecord.objects.create(
        worker=worker,
        recorded_on=recorded_on,
        wants_work=wants_work,
        job_intention=job_intention,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
