"""Org units and goals: townships, industries, plan years, targets, key-task indicators, staff scope.

Source: the Wanzhou plan (seeds/000_…, 万州人社发〔2025〕64号) annex 1 (township targets), annex 2 (industry
targets and lead departments), section 2 (the ten key tasks and their yearly indicators), and DESIGN.md §3.
This module imports no other app of the project.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wanzhou_jobs.constraints import ConstraintMessages


class Township(ConstraintMessages, models.Model):
    """One of Wanzhou's 52 township-level divisions (镇乡街道), keyed by its statistical division code."""

    class Kind(models.TextChoices):
        STREET = "街道", _("街道")
        TOWN = "镇", _("镇")
        TOWNSHIP = "乡", _("乡")

    code = models.CharField(_("区划代码"), max_length=9, unique=True, help_text=_("9 位统计用区划代码"))
    name = models.CharField(_("名称"), max_length=32, unique=True)
    kind = models.CharField(_("类别"), max_length=2, choices=Kind.choices)
    former_code = models.CharField(
        _("原区划代码"), max_length=9, blank=True, help_text=_("撤镇设街道前的代码，导入时作为别名接受")
    )
    in_plan = models.BooleanField(_("列入附件1"), default=True, help_text=_("方案附件1分解了年度目标任务"))

    class Meta:
        verbose_name = _("镇乡街道")
        verbose_name_plural = _("镇乡街道")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{9}$"), name="township_code_9_digits"),
        ]

    def __str__(self) -> str:
        return self.name


class Industry(models.Model):
    """One of the 12 industries of annex 2, or 其他行业 (code 99) for sectors the annex does not name."""

    OTHER_CODE = "99"

    code = models.CharField(_("行业代码"), max_length=2, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    lead_department = models.CharField(_("牵头部门"), max_length=80, blank=True)
    gb_sections = models.CharField(_("GB/T 4754 门类"), max_length=40, blank=True)
    gb_divisions = models.CharField(_("GB/T 4754 大类"), max_length=80, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    in_plan = models.BooleanField(_("列入附件2"), default=True)

    class Meta:
        verbose_name = _("行业")
        verbose_name_plural = _("行业")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PlanYear(models.Model):
    """A year of the 2025–2027 plan with its district goals."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    nearby_goal = models.PositiveIntegerField(_("新增农民工就近就业目标（人）"))
    returnee_goal = models.PositiveIntegerField(_("回引返乡就业创业目标（人）"))

    class Meta:
        verbose_name = _("计划年度")
        verbose_name_plural = _("计划年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}"


class TownshipTarget(ConstraintMessages, models.Model):
    plan_year = models.ForeignKey(PlanYear, verbose_name=_("年度"), on_delete=models.CASCADE)
    township = models.ForeignKey(Township, verbose_name=_("镇乡街道"), on_delete=models.PROTECT)
    target = models.PositiveIntegerField(_("年度目标（人）"))

    class Meta:
        verbose_name = _("镇乡街道年度目标")
        verbose_name_plural = _("镇乡街道年度目标")
        ordering = ["plan_year", "township__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan_year", "township"], name="township_target_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_year_id} {self.township}: {self.target}"


class IndustryTarget(ConstraintMessages, models.Model):
    plan_year = models.ForeignKey(PlanYear, verbose_name=_("年度"), on_delete=models.CASCADE)
    industry = models.ForeignKey(Industry, verbose_name=_("行业"), on_delete=models.PROTECT)
    target = models.PositiveIntegerField(_("年度目标（人）"))

    class Meta:
        verbose_name = _("行业年度目标")
        verbose_name_plural = _("行业年度目标")
        ordering = ["plan_year", "industry__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan_year", "industry"], name="industry_target_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_year_id} {self.industry}: {self.target}"


class KeyTaskIndicator(models.Model):
    """A yearly indicator of the plan's ten key tasks (DESIGN.md §3).

    Sector indicators (制造业 ≥ 3,000 …) are exact unions of annex-2 industries, listed in `industries`.
    """

    class Kind(models.TextChoices):
        COUNT = "count", _("数量")
        RATE = "rate", _("比率")
        SECTOR = "sector", _("行业吸纳")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    task = models.CharField(_("重点任务"), max_length=80, blank=True)
    unit = models.CharField(_("单位"), max_length=10)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.COUNT)
    industries = models.ManyToManyField(Industry, verbose_name=_("包含行业"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("重点任务指标")
        verbose_name_plural = _("重点任务指标")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class KeyTaskTarget(ConstraintMessages, models.Model):
    plan_year = models.ForeignKey(PlanYear, verbose_name=_("年度"), on_delete=models.CASCADE)
    indicator = models.ForeignKey(KeyTaskIndicator, verbose_name=_("指标"), on_delete=models.CASCADE)
    target = models.DecimalField(_("年度目标"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("重点任务年度目标")
        verbose_name_plural = _("重点任务年度目标")
        ordering = ["plan_year", "indicator__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["plan_year", "indicator"], name="key_task_target_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_year_id} {self.indicator}: {self.target}"


class Role(models.TextChoices):
    CLERK = "clerk", _("镇乡街道经办员")
    BUREAU = "bureau", _("区人力社保局")
    INDUSTRY = "industry", _("行业主管部门")
    REVIEWER = "reviewer", _("审核员")


class StaffAssignment(ConstraintMessages, models.Model):
    """Binds a user to a role and its scope: a clerk to one township, an industry user to industries."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="assignment"
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    township = models.ForeignKey(
        Township, verbose_name=_("镇乡街道"), on_delete=models.PROTECT, null=True, blank=True
    )
    industries = models.ManyToManyField(Industry, verbose_name=_("主管行业"), blank=True)
    must_change_password = models.BooleanField(
        _("须在下次登录时修改密码"),
        default=False,
        help_text=_("由 create_user 创建或重置的账号首次登录必须先修改密码。"),
    )

    class Meta:
        verbose_name = _("人员分工")
        verbose_name_plural = _("人员分工")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="clerk") | Q(township__isnull=False), name="clerk_has_township"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class QuarterLock(ConstraintMessages, models.Model):
    """A closed quarter approved by bureau staff (DESIGN.md §4.8): employments starting in it are frozen.

    Without a township the lock holds for the whole district; with one (issue 23: the bureau approved that
    township's quarterly submission) it holds for the jobs counted in that township."""

    township = models.ForeignKey(
        "Township",
        verbose_name=_("镇乡街道"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quarter_locks",
        help_text=_("不填则全区锁定"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=[(q, f"第{q}季度") for q in (1, 2, 3, 4)])
    locked_at = models.DateTimeField(_("锁定时间"), auto_now_add=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("锁定人"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("锁定说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("季度锁定")
        verbose_name_plural = _("季度锁定")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "quarter"], condition=Q(township__isnull=True), name="quarter_locked_once"
            ),
            models.UniqueConstraint(
                fields=["township", "year", "quarter"],
                condition=Q(township__isnull=False),
                name="township_quarter_locked_once",
            ),
        ]

    def __str__(self) -> str:
        where = self.township.name if self.township_id else "全区"
        return f"{where} {self.year}年第{self.quarter}季度"


class QuarterLockEvent(models.Model):
    """The log of locking and unlocking; an unlock always carries its reason."""

    class Action(models.TextChoices):
        LOCK = "lock", _("锁定")
        UNLOCK = "unlock", _("解锁")
        OPEN = "open", _("临时开放")
        CLOSE = "close", _("临时开放结束")

    township = models.ForeignKey(
        "Township",
        verbose_name=_("镇乡街道"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    reason = models.CharField(_("原因"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("季度锁定记录")
        verbose_name_plural = _("季度锁定记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter} {self.get_action_display()}"


class QuarterUnlockException(ConstraintMessages, models.Model):
    """A township's locked quarter opened by bureau staff for one named clerk until a date (issue 23, item 4).

    While it is active (not closed and `until` not passed) that clerk may write the township's jobs of the
    quarter; beat closes it the day after `until`. Seed: "各镇乡街道落实属地责任，严格落实各项工作及政策措施。"
    """

    township = models.ForeignKey(
        "Township", verbose_name=_("镇乡街道"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办员"), on_delete=models.PROTECT, related_name="+"
    )
    until = models.DateField(_("开放至"))
    reason = models.CharField(_("原因"), max_length=200)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("批准时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("季度临时开放")
        verbose_name_plural = _("季度临时开放")
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "year", "quarter"],
                condition=Q(closed_at__isnull=True),
                name="unlock_exception_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.year}年第{self.quarter}季度 开放至{self.until}"


class ProgressDirtyYear(models.Model):
    """The outbox of the progress engine: a year whose employments changed since its last recompute.

    Written in the same transaction as the change, so the database, not the broker, knows what is pending
    (DESIGN.md §7): if the broker is down the save still succeeds and beat sweeps this table later.
    """

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    marked_at = models.DateTimeField(_("标记时间"), auto_now=True)

    class Meta:
        verbose_name = _("待重算年度")
        verbose_name_plural = _("待重算年度")

    def __str__(self) -> str:
        return str(self.year)


class ProgressSnapshot(models.Model):
    """Precomputed progress of one year as of one date: what dashboards, the briefing and the API read."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    as_of = models.DateField(_("统计截止日"))
    computed_at = models.DateTimeField(_("计算时间"))
    record_count = models.PositiveIntegerField(_("就业记录数"))
    duration_ms = models.PositiveIntegerField(_("计算耗时（毫秒）"), default=0)
    data = models.JSONField(_("数据"))

    class Meta:
        verbose_name = _("进度快照")
        verbose_name_plural = _("进度快照")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}（{self.as_of}）"


class ApiClient(models.Model):
    """A client system of the REST API (DESIGN.md §6), e.g. the city system 渝悦就业.

    Only the SHA-256 of the token is stored: the token itself is printed once by `create_api_client` and
    cannot be recovered. A client is district-wide; `read_unmasked` lets it receive full ID numbers and
    phone numbers (THREATS.md B11, E1). Clients are revoked, never deleted, so the access log keeps them.
    """

    class Scope(models.TextChoices):
        READ = "read", _("读取（身份证号、手机号脱敏）")
        READ_UNMASKED = "read_unmasked", _("读取完整身份证号和手机号")

    name = models.CharField(_("名称"), max_length=80, unique=True)
    token_hash = models.CharField(_("令牌 SHA-256"), max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("令牌前缀"), max_length=12, editable=False)
    scopes = models.JSONField(_("权限"), default=list)
    throttle_rate = models.CharField(
        _("限流"), max_length=20, blank=True, help_text=_("如 600/minute；留空则使用 API_THROTTLE_RATE")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口客户端")
        verbose_name_plural = _("接口客户端")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ApiAccessLog(models.Model):
    """One API request: the processing record of PIPL art. 56 (THREATS.md B14), kept at least three years.

    Holds who (client or staff user), which endpoint, the filters, the status, how many records and which
    fields were returned — never an ID number or a phone number. Only the view permission exists: nothing in
    the application changes or deletes these rows.
    """

    client = models.ForeignKey(
        ApiClient,
        verbose_name=_("接口客户端"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_logs",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    principal = models.CharField(_("访问者"), max_length=160, blank=True)
    endpoint = models.CharField(_("接口"), max_length=200)
    method = models.CharField(_("请求方法"), max_length=10)
    query = models.JSONField(_("查询参数"), default=dict, blank=True)
    status = models.PositiveSmallIntegerField(_("状态码"))
    record_count = models.PositiveIntegerField(_("返回记录数"), null=True, blank=True)
    fields = models.JSONField(_("返回字段"), default=list, blank=True)
    unmasked = models.BooleanField(_("含完整身份证号"), default=False)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("接口访问记录")
        verbose_name_plural = _("接口访问记录")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["client", "at"], name="api_access_client_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.principal} {self.method} {self.endpoint}"
