"""The poverty-monitoring list (issue 26): each upload of the national monitoring system's export is a dated
snapshot of who is monitored, one entry a person, with the list's own household and person keys.

Source: the city document (seeds/004_…) §二(二): "依托全国防止返贫监测和衔接推进乡村振兴信息系统……建立跨部门
数据共享比对机制，动态更新防止返贫致贫对象和继续帮扶对象就业失业状态、技能水平、培训意愿、求职意向等信息".
Applying a snapshot enrols the people new on it and exits those gone from it (`monitoring.services`); the
comparison with the ledger is read by `monitoring.selectors`. Employment status is never stored here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assistance.models import EnrolmentCategory
from targets.models import Township
from wanzhou_jobs.constraints import ConstraintMessages
from workers.models import Worker


class MonitoringList(ConstraintMessages, models.Model):
    """One upload of the monitoring list (监测名单): checked as a whole, confirmed by bureau staff, then applied.

    Seed (004 §二(二)): "依托全国防止返贫监测和衔接推进乡村振兴信息系统……建立跨部门数据共享比对机制".
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        APPLIED = "applied", _("已导入")
        DISCARDED = "discarded", _("已放弃")

    list_date = models.DateField(_("名单日期"))
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件 SHA-256"), max_length=64)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveIntegerField(_("人数"), default=0)
    enrolled = models.PositiveIntegerField(_("新纳入帮扶"), default=0)
    exited = models.PositiveIntegerField(_("移出退出帮扶"), default=0)
    registered = models.PositiveIntegerField(_("新登记人员"), default=0)
    households_new = models.PositiveIntegerField(_("新建家庭户"), default=0)
    households_updated = models.PositiveIntegerField(_("更新家庭户"), default=0)
    category_changed = models.PositiveIntegerField(_("帮扶类别变化"), default=0)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("监测名单")
        verbose_name_plural = _("监测名单")
        ordering = ["-list_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["list_date"], condition=Q(status="applied"), name="monitoring_list_one_per_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.list_date} {self.file_name}"

    def audit_data(self) -> dict:
        return {"detail": {"list_date": str(self.list_date)}}


class MonitoringEntry(ConstraintMessages, models.Model):
    """One person of one snapshot, as the list gives them (household key, head, relation, category, capacity).

    Seed (004 §二(一)): "帮扶对象为……防止返贫致贫对象和……继续帮扶对象"; the list's keys go back with the status.
    """

    snapshot = models.ForeignKey(
        MonitoringList, verbose_name=_("监测名单"), on_delete=models.CASCADE, related_name="entries"
    )
    row_number = models.PositiveIntegerField(_("行号"))
    household_number = models.CharField(_("户编号"), max_length=32)
    head_name = models.CharField(_("户主姓名"), max_length=50, blank=True)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("公民身份号码"), max_length=18)
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True)
    category = models.CharField(_("帮扶类别"), max_length=10, choices=EnrolmentCategory.choices)
    labour_capacity = models.CharField(
        _("劳动能力"), max_length=8, choices=Worker.LabourCapacity.choices, blank=True
    )
    list_working = models.BooleanField(_("名单中为务工"), null=True, blank=True)
    township = models.ForeignKey(
        Township, verbose_name=_("镇乡街道"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.CharField(_("村（社区）"), max_length=50, blank=True)
    worker = models.ForeignKey(
        Worker,
        verbose_name=_("台账人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitoring_entries",
    )

    class Meta:
        verbose_name = _("监测名单人员")
        verbose_name_plural = _("监测名单人员")
        ordering = ["snapshot", "row_number"]
        indexes = [
            models.Index(fields=["snapshot", "township"], name="monitoring_entry_township"),
            # The household rule of the comparison looks up the members of one household on one list.
            models.Index(fields=["snapshot", "household_number"], name="monitoring_entry_household"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "id_number"], name="monitoring_entry_once_per_list"),
        ]

    def __str__(self) -> str:
        return f"{self.household_number} {self.name}"

    def audit_data(self) -> dict:
        return {"township": self.township_id, "worker": self.worker_id}
