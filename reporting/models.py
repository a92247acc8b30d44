"""The quarterly reporting cycle of a township (issue 23): submit, check, approve or return.

Seed (万州人社发〔2025〕64号, 三、保障措施): "各镇乡街道落实属地责任，严格落实各项工作及政策措施。" and "依托人力资源信息库
系统和渝悦就业平台，加强返乡回流人员数字监测" — each township answers for its own quarter's data; the bureau
approves it. Seed (渝人社规〔2026〕6号): "建立定期共商机制，每季度共同研判形势、解决难题；建立数据共享机制，定期共享政策兑现、
就业状态等数据" — hence the quarter.

    未报送 (open) → 已报送 (submitted) → 已审核 (approved: the township's quarter is locked)
                                 ↘ 已退回 (returned, with a reason) → 已报送 …

Every move is a `ReportEvent` (who, when, note); a submission points at the `QualityRun` the clerk saw,
so bureau staff see the same findings and the clerk's acknowledgement.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from targets.models import Township
from wanzhou_jobs.constraints import ConstraintMessages


class QuarterReport(ConstraintMessages, models.Model):
    """One township's report of one quarter (报送). Seed: "各镇乡街道落实属地责任，严格落实各项工作及政策措施。" """

    class Status(models.TextChoices):
        OPEN = "open", _("未报送")
        SUBMITTED = "submitted", _("已报送")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已审核")

    township = models.ForeignKey(
        Township, verbose_name=_("镇乡街道"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=[(q, f"第{q}季度") for q in (1, 2, 3, 4)])
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("季度报送")
        verbose_name_plural = _("季度报送")
        ordering = ["-year", "-quarter", "township__code"]
        constraints = [
            models.UniqueConstraint(fields=["township", "year", "quarter"], name="report_once_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.year}年第{self.quarter}季度"

    def audit_data(self) -> dict:
        return {"township": self.township.code}


class QualityRun(models.Model):
    """One run of the data-quality checks over a township's quarter, with its findings as they were then."""

    report = models.ForeignKey(
        QuarterReport, verbose_name=_("季度报送"), on_delete=models.CASCADE, related_name="runs"
    )
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人"), on_delete=models.PROTECT, related_name="+"
    )
    run_at = models.DateTimeField(_("检查时间"), auto_now_add=True)
    errors = models.PositiveIntegerField(_("错误"), default=0)
    warnings = models.PositiveIntegerField(_("提醒"), default=0)

    class Meta:
        verbose_name = _("数据质量检查")
        verbose_name_plural = _("数据质量检查")
        ordering = ["-run_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.report} 检查 {self.run_at:%Y-%m-%d %H:%M}"


class QualityFinding(models.Model):
    """What one rule found in a run: the rule, its severity and message, and the records it concerns."""

    class Severity(models.TextChoices):
        ERROR = "error", _("错误")
        WARNING = "warning", _("提醒")

    run = models.ForeignKey(
        QualityRun, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="findings"
    )
    rule = models.CharField(_("规则"), max_length=40)
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices)
    message = models.CharField(_("说明"), max_length=300)
    worker_ids = models.JSONField(_("涉及人员"), default=list, blank=True)
    employment_ids = models.JSONField(_("涉及就业记录"), default=list, blank=True)

    class Meta:
        verbose_name = _("数据质量问题")
        verbose_name_plural = _("数据质量问题")
        ordering = ["run", "severity", "rule", "pk"]

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


class ReportEvent(models.Model):
    """A step of the cycle: who, when, which move, and the note (acknowledgement, reason of a return)."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("报送")
        RETURN = "return", _("退回")
        APPROVE = "approve", _("审核通过")
        REOPEN = "reopen", _("解锁重开")

    report = models.ForeignKey(
        QuarterReport, verbose_name=_("季度报送"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=10, choices=QuarterReport.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=QuarterReport.Status.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    run = models.ForeignKey(
        QualityRun,
        verbose_name=_("数据质量检查"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("季度报送记录")
        verbose_name_plural = _("季度报送记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.report} {self.get_action_display()}"


class ReportingDeadline(ConstraintMessages, models.Model):
    """The submission deadline of a quarter when bureau staff moved it from the default, the 10th day after
    the quarter ends (issue 23, item 5; as the returns board counts it, workers.selectors.return_deadline).
    Seed (渝人社规〔2026〕6号): "每季度共同研判形势、解决难题；建立数据共享机制，定期共享政策兑现、就业状态等数据"."""

    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=[(q, f"第{q}季度") for q in (1, 2, 3, 4)])
    deadline = models.DateField(_("报送截止日期"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("设置人"), on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(_("设置时间"), auto_now=True)

    class Meta:
        verbose_name = _("报送截止日期")
        verbose_name_plural = _("报送截止日期")
        ordering = ["-year", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["year", "quarter"], name="deadline_once_per_quarter")]

    def __str__(self) -> str:
        return f"{self.year}年第{self.quarter}季度 截止{self.deadline}"


class Notification(ConstraintMessages, models.Model):
    """One message of a user's inbox (issue 23, item 6), created once per event: `key` names the event
    (a return, an approval, a township's deadline of a quarter, a month's lagging notice…), so a sweep run
    twice, or after beat restarts, finds it and adds nothing; an opted-in user gets it by email once.
    Seed (万州人社发〔2025〕64号): "各镇乡街道落实属地责任，严格落实各项工作及政策措施。" """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("报送截止临近")
        OVERDUE = "overdue", _("报送逾期")
        RETURNED = "returned", _("报送被退回")
        APPROVED = "approved", _("报送审核通过")
        UNLOCK_GRANTED = "unlock", _("临时开放")
        UNLOCK_EXPIRING = "expiring", _("临时开放即将到期")
        LAGGING = "lagging", _("严重滞后提醒")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("事件"), max_length=80)
    title = models.CharField(_("内容"), max_length=300)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_event")]

    def __str__(self) -> str:
        return self.title


class NotificationSetting(models.Model):
    """A user's choice to get their notifications by email too (off unless they opt in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+"
    )
    email = models.BooleanField(_("同时发送邮件"), default=False)

    class Meta:
        verbose_name = _("消息设置")
        verbose_name_plural = _("消息设置")

    def __str__(self) -> str:
        return f"{self.user} 邮件{'开' if self.email else '关'}"
