"""The plan's simple registers and the health checks of older migrant workers (issue 20, item 9; seeds/000_…
任务（三）"实施家政品牌培育计划，扶持一批员工制家政企业", 任务（六）"建立在外创业成功人士信息库" and "建立农民工返乡创业
“导师库”", 任务（七）"壮大劳务经纪人队伍……定期开展大龄农民工职业健康体检"). Registers are the bureau's; a health
check is recorded by the person's township like any personal record.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.models import Township
from targets.scoping import ensure_township_writable
from workers.models import Worker

from ..models import HealthCheck, RegisterEntry, RegisterKind
from ._common import _ensure_bureau, _locked_worker, _not_future, _text

REGISTER_KIND_INVALID = _("请选择名册：劳务经纪人、创业导师、在外创业成功人士、家政品牌或员工制家政企业。")
REGISTER_DUPLICATE = _("“{kind}”名册中已有“{name}”。")
HEALTH_CHECK_DUPLICATE = _("此人 {day} 的体检已经登记。")


@transaction.atomic
def register_save(
    *,
    acting_user,
    kind: str,
    name: str,
    registered_on: date,
    organisation: str = "",
    township: Township | None = None,
    active: bool = True,
    entry: RegisterEntry | None = None,
) -> RegisterEntry:
    """Add (or change) an entry of one of the plan's registers; bureau staff only."""
    _ensure_bureau(acting_user)
    if kind not in RegisterKind.values:
        raise ValidationError({"kind": REGISTER_KIND_INVALID})
    name = _text(name, label=_("名称或姓名"), max_length=100, required=True, field="name")
    organisation = _text(organisation, label=_("所在单位或地区"), max_length=100, field="organisation")
    _not_future(registered_on, label=_("入库日期"), field="registered_on")
    duplicate = RegisterEntry.objects.filter(kind=kind, name=name).exclude(pk=getattr(entry, "pk", None))
    if duplicate.exists():
        raise ValidationError({"name": REGISTER_DUPLICATE.format(kind=RegisterKind(kind).label, name=name)})
    entry = entry or RegisterEntry(created_by=acting_user if getattr(acting_user, "pk", None) else None)
    entry.kind, entry.name, entry.organisation = kind, name, organisation
    entry.township, entry.registered_on, entry.active = township, registered_on, active
    entry.save()
    return entry


@transaction.atomic
def health_check_record(*, acting_user, worker: Worker, date: date, provider: str) -> HealthCheck:
    """Record an occupational health check of `worker` on `date`."""
    worker = _locked_worker(worker)
    ensure_township_writable(acting_user, worker.township_id)
    provider = _text(provider, label=_("体检机构"), max_length=100, required=True, field="provider")
    _not_future(date, label=_("体检日期"), field="date")
    if HealthCheck.objects.filter(worker=worker, date=date).exists():
        raise ValidationError({"date": HEALTH_CHECK_DUPLICATE.format(day=date)})
    return HealthCheck.objects.create(
        worker=worker,
        date=date,
        provider=provider,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
