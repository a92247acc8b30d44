"""The real-name ledger: workers, households, employers and employments (DESIGN.md §4.1–4.2).

A worker is one person identified by the normalised 18-character resident ID number; sex and birth date come
from the number; the worker counts in the township of household registration. An employment is one job with
the natural key (worker, start date, normalised employer name). Invariants live in database constraints, so a
raw insert cannot break them either.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from targets.models import Industry, Township
from wanzhou_jobs.constraints import ConstraintMessages

from .names import NAME_MAX_LENGTH
from .validators import mask_id_number, mask_phone


class Category(models.TextChoices):
    """人员类别 — each maps to a boolean field of Worker (`category_fields`)."""

    POVERTY_ALLEVIATED = "脱贫人口", _("脱贫人口")
    MONITORED = "防止返贫致贫对象", _("防止返贫致贫对象")
    CONTINUED_SUPPORT = "继续帮扶对象", _("继续帮扶对象")
    RELOCATED = "易地扶贫搬迁", _("易地扶贫搬迁")
    DIBAO = "低保", _("低保")
    DISABLED = "残疾", _("残疾")
    YULU_GRADUATE = "雨露计划毕业生", _("雨露计划毕业生")


CATEGORY_FIELDS = {
    Category.POVERTY_ALLEVIATED: "is_poverty_alleviated",
    Category.MONITORED: "is_monitored",
    Category.CONTINUED_SUPPORT: "is_continued_support",
    Category.RELOCATED: "is_relocated",
    Category.DIBAO: "is_dibao",
    Category.DISABLED: "is_disabled",
    Category.YULU_GRADUATE: "is_yulu_graduate",
}


class Household(models.Model):
    """A registered household (户); members are the workers pointing at it."""

    number = models.CharField(_("户编号"), max_length=32, unique=True)
    township = models.ForeignKey(Township, verbose_name=_("户籍所在镇乡街道"), on_delete=models.PROTECT)
    village = models.CharField(_("户籍所在村（社区）"), max_length=50, blank=True)
    head_name = models.CharField(_("户主姓名"), max_length=NAME_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("家庭户")
        verbose_name_plural = _("家庭户")
        ordering = ["township", "village", "number"]
        # The list's default order, read from the index (issue 27).
        indexes = [models.Index(fields=["township", "village", "number"], name="household_list_order")]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}".strip()

    def audit_data(self) -> dict:
        """Searchable keys of this row's audit entries (targets.audit)."""
        return {"township": self.township_id}

    get_additional_data = audit_data


class Worker(ConstraintMessages, models.Model):
    class Sex(models.TextChoices):
        MALE = "男", _("男")
        FEMALE = "女", _("女")

    class LabourCapacity(models.TextChoices):
        FULL = "full", _("有劳动能力")
        WEAK = "weak", _("弱劳动能力")
        NONE = "none", _("无劳动能力")

    class SkillLevel(models.TextChoices):
        NONE = "none", _("无技能等级")
        LEVEL_5 = "5", _("初级工")
        LEVEL_4 = "4", _("中级工")
        LEVEL_3 = "3", _("高级工")
        LEVEL_2 = "2", _("技师")
        LEVEL_1 = "1", _("高级技师")

    # Unique through Meta.constraints: a field-level unique=True would add a second, LIKE-pattern index
    # on PostgreSQL that no query uses (ID numbers are searched exactly) and every insert pays for.
    id_number = models.CharField(_("公民身份号码"), max_length=18)
    name = models.CharField(_("姓名"), max_length=NAME_MAX_LENGTH)  # workers.names: register characters
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    phone = models.CharField(_("联系电话"), max_length=11, blank=True)
    township = models.ForeignKey(
        Township,
        verbose_name=_("户籍所在镇乡街道"),
        on_delete=models.PROTECT,
        related_name="workers",
        db_index=False,  # worker_township_name starts with township
    )
    village = models.CharField(_("户籍所在村（社区）"), max_length=50, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("家庭户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    is_poverty_alleviated = models.BooleanField(_("脱贫人口"), default=False)
    is_monitored = models.BooleanField(_("防止返贫致贫对象"), default=False)
    is_continued_support = models.BooleanField(_("继续帮扶对象"), default=False)
    is_relocated = models.BooleanField(_("易地扶贫搬迁"), default=False)
    is_dibao = models.BooleanField(_("低保"), default=False)
    is_disabled = models.BooleanField(_("残疾"), default=False)
    is_yulu_graduate = models.BooleanField(_("雨露计划毕业生"), default=False)
    labour_capacity = models.CharField(
        _("劳动能力"), max_length=8, choices=LabourCapacity.choices, default=LabourCapacity.FULL
    )
    skill_level = models.CharField(
        _("技能等级"), max_length=8, choices=SkillLevel.choices, default=SkillLevel.NONE
    )
    training_wish = models.CharField(_("培训意愿"), max_length=100, blank=True)
    job_intention = models.CharField(_("就业意向"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    import_batch_id = models.BigIntegerField(
        _("导入批次"), null=True, blank=True, editable=False, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,  # who entered a row is shown, never searched; users are deactivated, not deleted
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("农民工")
        verbose_name_plural = _("农民工")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["township", "name"], name="worker_township_name"),
            # The counting join reads a worker's township from the index alone.
            models.Index(fields=["id", "township"], name="worker_id_township"),
            # The village filter's choices within a township, from the index alone (issue 27).
            models.Index(fields=["township", "village"], name="worker_township_village"),
            # The list's default order (-updated_at, -id) read backwards without sorting the ties of a
            # bulk import's one timestamp (issue 27: 0.66 s at 513k people with the updated_at index).
            # Also the workers feed's keyset and every `updated_at` range: the index on updated_at alone that
            # it made redundant is gone (one index less to maintain on every import, issue 24).
            models.Index(fields=["updated_at", "id"], name="worker_list_order"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number"], name="worker_id_number_unique"),
            models.CheckConstraint(
                condition=Q(id_number__regex=r"^[0-9]{17}[0-9X]$"), name="worker_id_number_form"
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=r"^1[3-9][0-9]{9}$"), name="worker_phone_form"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.masked_id_number}）"

    def audit_data(self) -> dict:
        """Searchable keys of this row's audit entries (targets.audit)."""
        return {"township": self.township_id, "worker": self.pk}

    get_additional_data = audit_data

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def categories(self) -> list[str]:
        return [str(category) for category, field in CATEGORY_FIELDS.items() if getattr(self, field)]


#: The first registration period of a person whose earlier registration the ledger does not know starts here:
#: before any job the ledger can hold (DESIGN.md §4.2: none before 2000).
REGISTERED_SINCE_UNKNOWN = date(1900, 1, 1)


class RegistrationPeriod(ConstraintMessages, models.Model):
    """One period of household registration (DESIGN.md §4.1): the worker was registered in `township` from
    `from_date` until the day before `until` (None: still). A worker's periods follow each other without a
    gap; the open one matches `Worker.township`. Written by worker_register, the import and worker_move."""

    worker = models.ForeignKey(
        Worker,
        verbose_name=_("农民工"),
        on_delete=models.CASCADE,
        related_name="registrations",
        db_index=False,  # registration_worker_from starts with worker
    )
    township = models.ForeignKey(
        Township, verbose_name=_("户籍所在镇乡街道"), on_delete=models.PROTECT, related_name="+"
    )
    from_date = models.DateField(_("起始日期"))
    until = models.DateField(_("迁出日期"), null=True, blank=True)
    reason = models.CharField(_("迁移原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("办理时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("户籍登记期间")
        verbose_name_plural = _("户籍登记期间")
        ordering = ["worker", "from_date"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "from_date"], name="registration_worker_from"),
            models.UniqueConstraint(
                fields=["worker"], condition=Q(until__isnull=True), name="registration_one_open"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gt=F("from_date")), name="registration_until_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.from_date}–{self.until or ''}"

    def audit_data(self) -> dict:
        """Searchable keys of this row's audit entries (targets.audit)."""
        return {"township": self.township_id, "worker": self.worker_id}

    get_additional_data = audit_data


class Employer(ConstraintMessages, models.Model):
    """An employer, matched by its unified social credit code when it has one, else by normalised name."""

    name = models.CharField(_("单位名称"), max_length=200)
    name_key = models.CharField(_("规范化名称"), max_length=200, unique=True, editable=False)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    gb_division = models.CharField(
        _("国民经济行业大类"), max_length=4, blank=True, help_text=_("GB/T 4754 代码")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("就业单位")
        verbose_name_plural = _("就业单位")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="employer_credit_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Workplace(models.TextChoices):
    IN_DISTRICT = "in_district", _("区内")
    IN_CITY = "in_city", _("区外市内")
    OUT_OF_CITY = "out_of_city", _("市外")


class EmploymentForm(models.TextChoices):
    UNIT = "单位就业", _("单位就业")
    FLEXIBLE = "灵活就业", _("灵活就业")
    SELF_EMPLOYED = "自主创业", _("自主创业")
    PUBLIC_WELFARE = "公益性岗位", _("公益性岗位")
    ASSISTANCE_WORKSHOP = "就业帮扶车间", _("就业帮扶车间")
    WORK_FOR_RELIEF = "以工代赈", _("以工代赈")


class Source(models.TextChoices):
    FORM = "form", _("页面录入")
    IMPORT = "import", _("季度报表导入")
    API = "api", _("接口")
    COMMAND = "command", _("命令")


class Employment(ConstraintMessages, models.Model):
    worker = models.ForeignKey(
        Worker,
        verbose_name=_("农民工"),
        on_delete=models.PROTECT,
        related_name="employments",
        db_index=False,  # the natural key's unique index starts with worker
    )
    employer = models.ForeignKey(
        Employer, verbose_name=_("就业单位"), on_delete=models.PROTECT, related_name="employments"
    )
    employer_key = models.CharField(_("规范化单位名称"), max_length=200, editable=False)
    # No index of their own on industry and workplace township: 13 and 52 values over a million rows; the
    # counting indexes carry the industry, and each insert of an import would pay for both.
    industry = models.ForeignKey(
        Industry, verbose_name=_("就业行业"), on_delete=models.PROTECT, db_index=False
    )
    workplace = models.CharField(_("就业地点"), max_length=12, choices=Workplace.choices)
    workplace_township = models.ForeignKey(
        Township,
        verbose_name=_("就业地点镇乡街道"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    form = models.CharField(_("就业形式"), max_length=8, choices=EmploymentForm.choices)
    start_date = models.DateField(_("就业时间"))
    end_date = models.DateField(_("离职时间"), null=True, blank=True)
    returnee = models.BooleanField(_("回引返乡"), default=False)
    channel = models.CharField(_("就业渠道"), max_length=50, blank=True)
    monthly_income = models.DecimalField(
        _("月收入（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(
        _("来源"), max_length=8, choices=Source.choices, default=Source.FORM, editable=False
    )
    import_batch_id = models.BigIntegerField(
        _("导入批次"), null=True, blank=True, editable=False, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    # Read through employment_feed_order, which serves every scan by `updated_at` (issue 24).
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Rule 4.1: the township of the worker's registration on the start date, derived from the worker's
    # RegistrationPeriod rows and kept in step by every write (employment_record, the import, worker_move).
    # Every count reads it, so a later move never changes an earlier period's figures.
    registration_township = models.ForeignKey(
        Township,
        verbose_name=_("计数镇乡街道（就业时户籍）"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # read through the counting indexes
        editable=False,
    )

    class Meta:
        verbose_name = _("就业记录")
        verbose_name_plural = _("就业记录")
        ordering = ["-start_date", "-id"]
        indexes = [
            # The counting rules scan one year of in-district jobs in worker order (DESIGN.md §4.3).
            models.Index(fields=["workplace", "start_date", "worker", "id"], name="employment_counting"),
            # Each worker's earliest in-district job, read in worker order from the index alone
            # (bench/results/counting-*.txt: halves the server time of the yearly matrix at 1M jobs).
            models.Index(
                fields=["worker", "start_date", "id", "industry", "returnee", "registration_township"],
                condition=Q(workplace="in_district"),
                name="employment_first_job_township",
            ),
            # A township's people list: the people with an in-district job of the window registered in the
            # township, found without reading the district's jobs (workers.selectors.CountedWorkers, issue 27).
            models.Index(
                fields=["registration_township", "start_date", "worker"],
                condition=Q(workplace="in_district"),
                name="employment_township_window",
            ),
            # The job list's default order (-start_date, -id), read backwards (issue 27).
            models.Index(fields=["start_date", "id"], name="employment_start_order"),
            # The API feed's keyset (updated_at, id): a page starts at its cursor in the index even inside
            # the thousands of rows an import stamps with one `updated_at` (issue 24).
            models.Index(fields=["updated_at", "id"], name="employment_feed_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "start_date", "employer_key"], name="employment_natural_key"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="employment_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(monthly_income__isnull=True) | Q(monthly_income__gte=0),
                name="employment_income_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(workplace="in_district") & Q(workplace_township__isnull=False))
                | (~Q(workplace="in_district") & Q(workplace_township__isnull=True)),
                name="employment_workplace_township_iff_in_district",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_date} {self.employer.name if self.employer_id else ''}".strip()

    def audit_data(self) -> dict:
        """Searchable keys of this row's audit entries (targets.audit)."""
        return {"township": self.worker.township_id, "worker": self.worker_id}

    get_additional_data = audit_data

    @property
    def workplace_label(self) -> str:
        if self.workplace == Workplace.IN_DISTRICT and self.workplace_township_id:
            return str(self.workplace_township)
        return self.get_workplace_display()


class ImportBatch(models.Model):
    """One uploaded quarterly return (DESIGN.md §5): who, when, which file, what it did."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("已上传")
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("校验通过，待确认")
        REJECTED = "rejected", _("有错误，未导入")
        QUEUED = "queued", _("排队导入中")
        IMPORTING = "importing", _("导入中")
        IMPORTED = "imported", _("已导入")
        FAILED = "failed", _("导入失败")
        ROLLED_BACK = "rolled_back", _("已撤销")
        DISCARDED = "discarded", _("已放弃（未导入）")

    township = models.ForeignKey(
        Township, verbose_name=_("报送镇乡街道"), on_delete=models.PROTECT, null=True, blank=True
    )
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件 SHA-256"), max_length=64)
    file_size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    stored_path = models.CharField(_("暂存路径"), max_length=300, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.UPLOADED)
    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    rows_processed = models.PositiveIntegerField(_("已处理行数"), default=0)
    rows_new = models.PositiveIntegerField(_("新增"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    rows_updated = models.PositiveIntegerField(_("更新"), default=0)
    rows_rejected = models.PositiveIntegerField(_("有错误"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    # The first rows as they will be (or were) written, masked, for the preview (issue 17, item 5).
    preview = models.JSONField(_("预览"), default=list, blank=True, editable=False)
    # The file's columns as the clerk mapped them (file header → return header, "" = not read).
    column_map = models.JSONField(_("列对应"), default=dict, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rolled_back_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    rollback_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("季度报表导入批次")
        verbose_name_plural = _("季度报表导入批次")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["township", "year", "quarter"], name="batch_township_quarter")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    def audit_data(self) -> dict:
        """Searchable keys of this row's audit entries (targets.audit)."""
        return {"township": self.township_id, "batch": self.pk}

    get_additional_data = audit_data

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.REJECTED,
            self.Status.IMPORTED,
            self.Status.FAILED,
            self.Status.ROLLED_BACK,
            self.Status.DISCARDED,
        }


class Tombstone(models.Model):
    """A deleted worker or employment, so incremental API clients learn of deletions (DESIGN.md §6)."""

    class Kind(models.TextChoices):
        WORKER = "worker", _("农民工")
        EMPLOYMENT = "employment", _("就业记录")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField(_("记录编号"))
    township = models.ForeignKey(Township, verbose_name=_("镇乡街道"), on_delete=models.PROTECT)
    industry = models.ForeignKey(
        Industry, verbose_name=_("行业"), on_delete=models.PROTECT, null=True, blank=True
    )
    start_year = models.PositiveSmallIntegerField(_("就业年度"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("删除记录")
        verbose_name_plural = _("删除记录")
        ordering = ["deleted_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class ReturnColumnMapping(ConstraintMessages, models.Model):
    """The columns of a township's own return layout, as its clerk mapped them (DESIGN.md §5): offered
    again when a file with the same header texts comes from the township."""

    township = models.ForeignKey(
        Township, verbose_name=_("镇乡街道"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    headers_key = models.CharField(_("表头指纹"), max_length=64)  # SHA-256 of the sorted header texts
    headers = models.JSONField(_("文件表头"), default=list)
    mapping = models.JSONField(_("列对应"), default=dict)  # file header → return header ("" = not read)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
    )
    updated_at = models.DateTimeField(_("确认时间"), auto_now=True)

    class Meta:
        verbose_name = _("季度报表列对应")
        verbose_name_plural = _("季度报表列对应")
        constraints = [
            models.UniqueConstraint(fields=["township", "headers_key"], name="column_mapping_once"),
        ]

    def __str__(self) -> str:
        return f"{self.township} {len(self.mapping)}"
