"""Employment assistance (issue 9): enrolment, the "1131" routine, public-welfare posts, training, recruitment
events, labour brands and gig markets.

Sources: the city document (seeds/004_…, 渝人社规〔2026〕6号) §二 (who is assisted, entry and exit, "at least one
employed member per household"), §十三 (public-welfare posts, no "一托到底"); the Wanzhou plan (seeds/000_…)
tasks (三) brands, (四) training, (五) gig markets, (六) events, (八) "1131" and posts, (十) new-citizen training.
Employment status is never stored here: it is derived from the ledger (`workers.selectors`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from targets.models import Township
from wanzhou_jobs.constraints import ConstraintMessages
from workers.models import Worker


class EnrolmentCategory(models.TextChoices):
    MONITORED = "防止返贫致贫对象", _("防止返贫致贫对象")
    CONTINUED_SUPPORT = "继续帮扶对象", _("继续帮扶对象")
    POVERTY_ALLEVIATED = "脱贫人口", _("脱贫人口")


class ExitReason(models.TextChoices):
    RISK_ELIMINATED = "risk_eliminated", _("已消除风险")
    STABLE_EMPLOYMENT = "stable_employment", _("稳定就业")
    MOVED = "moved", _("户籍迁出")
    DECEASED = "deceased", _("死亡")
    NO_CAPACITY = "no_capacity", _("丧失劳动能力或无就业意愿")
    OTHER = "other", _("其他")
    #: Set only by the monitoring list's import (issue 26): "people gone from it are exited with reason
    #: 监测名单移出"; the clerk's exit form does not offer it.
    MONITORING_REMOVED = "monitoring_removed", _("监测名单移出")


class Enrolment(ConstraintMessages, models.Model):
    """One period of assistance of one worker; history is kept as rows, at most one open per worker."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("帮扶对象"), on_delete=models.PROTECT, related_name="enrolments"
    )
    category = models.CharField(_("帮扶类别"), max_length=10, choices=EnrolmentCategory.choices)
    entry_date = models.DateField(_("纳入日期"))
    entry_reason = models.CharField(_("纳入原因"), max_length=200)
    exit_date = models.DateField(_("退出日期"), null=True, blank=True)
    exit_reason = models.CharField(_("退出原因"), max_length=20, choices=ExitReason.choices, blank=True)
    exit_note = models.CharField(_("退出说明"), max_length=200, blank=True)
    # Seed 004 §二: "对已消除风险的……按程序规范有序退出帮扶范围，做好后续跟踪服务" (issue 20, item 6).
    follow_up_until = models.DateField(
        _("跟踪服务截止日"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("退出后在跟踪服务名单中保留至此日；默认退出后 12 个月"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    exited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("退出办理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("帮扶对象登记")
        verbose_name_plural = _("帮扶对象登记")
        ordering = ["-entry_date", "-id"]
        # The keyset of the enrolments feed (monitoring.api, issue 26): pages by (updated_at, id).
        indexes = [models.Index(fields=["updated_at", "id"], name="enrolment_feed_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"], condition=Q(exit_date__isnull=True), name="enrolment_one_open_per_worker"
            ),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | Q(exit_date__gte=F("entry_date")),
                name="enrolment_exit_after_entry",
            ),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True, exit_reason="")
                | (Q(exit_date__isnull=False) & ~Q(exit_reason="")),
                name="enrolment_exit_reason_iff_exit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker.name} {self.get_category_display()} {self.entry_date}"

    @property
    def is_open(self) -> bool:
        return self.exit_date is None

    def audit_data(self) -> dict:
        return {"worker": self.worker_id, "township": self.worker.township.code}


class ServiceKind(models.TextChoices):
    """The "1131" routine: 1 policy briefing, 1 career guidance, 3 job pushes, 1 training referral."""

    POLICY = "policy", _("政策宣介")
    GUIDANCE = "guidance", _("职业指导")
    JOB_PUSH = "job_push", _("岗位推送")
    TRAINING_REFERRAL = "training", _("就业培训推荐")


#: How many services of each kind make the yearly routine complete (plan task 8).
ROUTINE_1131 = {
    ServiceKind.POLICY: 1,
    ServiceKind.GUIDANCE: 1,
    ServiceKind.JOB_PUSH: 3,
    ServiceKind.TRAINING_REFERRAL: 1,
}


class ServiceRecord(ConstraintMessages, models.Model):
    """One service of the "1131" routine given to an enrolled worker on a date."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("帮扶对象"), on_delete=models.PROTECT, related_name="assistance_services"
    )
    kind = models.CharField(_("服务类型"), max_length=10, choices=ServiceKind.choices)
    date = models.DateField(_("服务日期"))
    employer_name = models.CharField(_("推送岗位单位"), max_length=200, blank=True)
    post_name = models.CharField(_("推送岗位"), max_length=100, blank=True)
    provided_by = models.CharField(_("服务人员"), max_length=50)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("“1131”服务记录")
        verbose_name_plural = _("“1131”服务记录")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["worker", "date"], name="service_worker_date")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="job_push") | (~Q(employer_name="") & ~Q(post_name="")),
                name="service_job_push_names_post",
            ),
            models.UniqueConstraint(
                fields=["worker", "kind", "date", "employer_name", "post_name"], name="service_natural_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def audit_data(self) -> dict:
        return {"worker": self.worker_id, "township": self.worker.township.code}


class PostKind(models.TextChoices):
    INFRASTRUCTURE = "infrastructure", _("乡村公共基础设施养护员")
    INFORMATION = "information", _("防止返贫致贫信息员")
    ELDERLY_DISABLED = "elderly_disabled", _("敬老助残协管员")
    OTHER = "other", _("其他")


class PublicWelfarePost(ConstraintMessages, models.Model):
    """A public-welfare post (公益性岗位) held by one worker from start to end; no two at once per person."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("安置人员"), on_delete=models.PROTECT, related_name="welfare_posts"
    )
    kind = models.CharField(_("岗位类别"), max_length=20, choices=PostKind.choices)
    title = models.CharField(_("岗位名称"), max_length=100, blank=True)
    employer_name = models.CharField(_("用工单位"), max_length=200, blank=True)
    start_date = models.DateField(_("上岗日期"))
    end_date = models.DateField(_("离岗日期"), null=True, blank=True)
    monthly_subsidy = models.DecimalField(_("月岗位补贴（元）"), max_digits=8, decimal_places=2)
    end_reason = models.CharField(_("离岗原因"), max_length=200, blank=True)
    # DESIGN.md §4.2: a post is work — the employment of form 公益性岗位 with the post's dates (issue 19).
    employment = models.OneToOneField(
        "workers.Employment",
        verbose_name=_("就业记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="welfare_post",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("公益性岗位安置")
        verbose_name_plural = _("公益性岗位安置")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["worker", "start_date"], name="post_worker_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="post_end_after_start",
            ),
            models.CheckConstraint(condition=Q(monthly_subsidy__gte=0), name="post_subsidy_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind="other") | ~Q(title=""), name="post_other_kind_has_title"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date}"

    def audit_data(self) -> dict:
        return {"worker": self.worker_id, "township": self.worker.township.code}


class CourseKind(models.TextChoices):
    PROJECT = "project", _("项目制培训")
    UPSKILLING = "upskilling", _("岗位技能提升培训")
    RURAL_CRAFTSMAN = "craftsman", _("乡村工匠培训")
    NEW_CITIZEN = "new_citizen", _("新市民培训")
    OTHER = "other", _("其他培训")


class Course(ConstraintMessages, models.Model):
    """A training course (技能培训). Without a township it is a district course, organised by the bureau."""

    name = models.CharField(_("培训名称"), max_length=120)
    kind = models.CharField(_("培训类别"), max_length=12, choices=CourseKind.choices)
    provider = models.CharField(_("培训机构"), max_length=120)
    start_date = models.DateField(_("开班日期"))
    end_date = models.DateField(_("结业日期"))
    follow_up_until = models.DateField(
        _("就业跟踪截止日"), editable=False, help_text=_("结业日期后 6 个月，由系统计算")
    )
    township = models.ForeignKey(
        Township,
        verbose_name=_("举办镇乡街道"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("留空表示区级培训"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-end_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="course_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.start_date}—{self.end_date}）"

    def audit_data(self) -> dict:
        return {"township": self.township.code} if self.township_id else {}


class Participation(ConstraintMessages, models.Model):
    """A worker of the ledger in a course; completion and certificate recorded when the course ends."""

    course = models.ForeignKey(
        Course, verbose_name=_("培训班"), on_delete=models.CASCADE, related_name="participations"
    )
    worker = models.ForeignKey(
        Worker, verbose_name=_("学员"), on_delete=models.PROTECT, related_name="trainings"
    )
    completed = models.BooleanField(_("已结业"), default=False)
    certificate = models.CharField(_("证书"), max_length=100, blank=True, help_text=_("证书名称或编号"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("培训学员")
        verbose_name_plural = _("培训学员")
        ordering = ["course", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "worker"], name="participation_once_per_course"),
            models.CheckConstraint(
                condition=Q(completed=True) | Q(certificate=""),
                name="participation_certificate_needs_completion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker.name} @ {self.course.name}"

    def audit_data(self) -> dict:
        return {"worker": self.worker_id, "township": self.worker.township.code}


class RecruitmentEvent(ConstraintMessages, models.Model):
    """A recruitment event (招聘活动), online or offline; no personal data, visible to all staff."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("线上")
        OFFLINE = "offline", _("线下")

    name = models.CharField(_("活动名称"), max_length=120)
    date = models.DateField(_("活动日期"))
    mode = models.CharField(_("形式"), max_length=8, choices=Mode.choices)
    organiser = models.CharField(_("主办单位"), max_length=120)
    township = models.ForeignKey(
        Township,
        verbose_name=_("举办镇乡街道"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("留空表示区级活动"),
    )
    employers = models.PositiveIntegerField(_("参会单位数"), default=0)
    posts_offered = models.PositiveIntegerField(_("提供岗位数"), default=0)
    attendees = models.PositiveIntegerField(_("参会人数"), default=0)
    hires = models.PositiveIntegerField(_("达成就业意向人数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("招聘活动")
        verbose_name_plural = _("招聘活动")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hires__lte=F("attendees")), name="event_hires_le_attendees"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def audit_data(self) -> dict:
        return {"township": self.township.code} if self.township_id else {}


class LabourBrand(models.Model):
    """A labour brand (劳务品牌); its practitioners are the employments whose channel is its name."""

    name = models.CharField(_("品牌名称"), max_length=50, unique=True)
    description = models.CharField(_("简介"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("劳务品牌")
        verbose_name_plural = _("劳务品牌")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class CarrierKind(models.TextChoices):
    GIG_MARKET = "gig_market", _("零工市场（驿站）")
    INCUBATOR = "incubator", _("创业孵化基地")
    RETURNEE_PARK = "returnee_park", _("农民工返乡创业园")
    FULL_EMPLOYMENT_COMMUNITY = "full_employment", _("充分就业社区（村）")


class Carrier(models.Model):
    """A carrier of employment (就业载体) of plan task (五) (issue 20, item 8): "建设三峡零工大本营，升级打造零工市场
    （驿站）5家……统筹创业孵化基地、农民工返乡创业园、充分就业社区（村）等载体建设，每年促进农民工就业人数保持在1000人以上".
    Its placements are the employments whose channel is its name; the ≥ 1,000 indicator counts them over every
    carrier, and the gig markets among them are counted against the 5 of their own indicator. (Formerly
    `GigMarket`: the existing gig markets became carriers of kind 零工市场（驿站）.)"""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    kind = models.CharField(
        _("载体类别"), max_length=16, choices=CarrierKind.choices, default=CarrierKind.GIG_MARKET
    )
    township = models.ForeignKey(
        Township, verbose_name=_("所在镇乡街道"), on_delete=models.PROTECT, null=True, blank=True
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("就业载体")
        verbose_name_plural = _("就业载体")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class RecognitionKind(models.TextChoices):
    """The categories of the city document §十二 and §十四 a person is recognised as (issue 20, item 4)."""

    SPECIAL_HARDSHIP = "特困人员", _("特困人员")
    DISABILITY = "残疾人", _("残疾人")
    EMPLOYMENT_DIFFICULTY = "就业困难人员", _("就业困难人员")


#: 重度残疾人: disability grade 1 or 2 (of the four grades of GB/T 26341, 一级 the most severe).
SEVERE_DISABILITY_GRADES = (1, 2)


class DifficultyStandard(ConstraintMessages, models.Model):
    """The district's recognition standard of 就业困难人员 for one year. City document §十二: "结合实际合理确定
    就业困难人员认定标准，将符合就业困难人员条件的防止返贫致贫对象和继续帮扶对象纳入就业援助范围" — the district sets
    it, so its text is data, kept per year, set by bureau staff."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    text = models.TextField(_("认定标准"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设定人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("就业困难人员认定标准")
        verbose_name_plural = _("就业困难人员认定标准")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年就业困难人员认定标准"


class Recognition(ConstraintMessages, models.Model):
    """One person recognised as 特困人员, 残疾人 (with the grade; 重度 = grade 1–2) or 就业困难人员 from a date
    (issue 20, item 4). City document §十四: "为特困人员、重度残疾人按最低缴费档次标准全额代缴"; §十二: the
    就业困难人员 are recognised against the district's standard of the year (`standard`), on a stated basis and by
    a named member of staff (`recognised_by`). At most one open recognition of a kind per person; an ended one
    stays as history."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="recognitions"
    )
    kind = models.CharField(_("认定类别"), max_length=10, choices=RecognitionKind.choices)
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"), null=True, blank=True, help_text=_("一级至四级；一级、二级为重度残疾")
    )
    recognised_on = models.DateField(_("认定日期"))
    basis = models.CharField(_("认定依据"), max_length=200)
    standard = models.ForeignKey(
        DifficultyStandard,
        verbose_name=_("适用认定标准"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recognitions",
    )
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    recognised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认定人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("人员类别认定")
        verbose_name_plural = _("人员类别认定")
        ordering = ["-recognised_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "kind"],
                condition=Q(ended_on__isnull=True),
                name="recognition_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("recognised_on")),
                name="recognition_end_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(kind="残疾人") & Q(disability_grade__gte=1, disability_grade__lte=4))
                | (~Q(kind="残疾人") & Q(disability_grade__isnull=True)),
                name="recognition_grade_iff_disability",
            ),
            models.CheckConstraint(
                condition=Q(kind="就业困难人员", standard__isnull=False)
                | (~Q(kind="就业困难人员") & Q(standard__isnull=True)),
                name="recognition_standard_iff_difficulty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker.name} {self.label}"

    @property
    def label(self) -> str:
        if self.kind == RecognitionKind.DISABILITY:
            severe = "重度" if self.is_severe else ""
            return f"{severe}残疾人（{self.disability_grade}级）"
        return self.get_kind_display()

    @property
    def is_severe(self) -> bool:
        return self.kind == RecognitionKind.DISABILITY and self.disability_grade in SEVERE_DISABILITY_GRADES

    def audit_data(self) -> dict:
        return {"worker": self.worker_id, "township": self.worker.township.code}


#: City document §十四: "为低保对象按不低于最低缴费档次标准的70%代缴" — the least share, in per cent.
DIBAO_LEAST_PERCENT = 70


class PensionStandard(ConstraintMessages, models.Model):
    """The lowest contribution tier of 城乡居民基本养老保险 for one year and the share paid for 低保对象 (issue 20,
    item 5). City document §十四: "继续实施城乡居民基本养老保险费代缴政策，为特困人员、重度残疾人按最低缴费档次标准
    全额代缴，为低保对象按不低于最低缴费档次标准的70%代缴" — the tier amount is set by the city each year, so it is
    data, entered by bureau staff; the share for 低保对象 is at least 70 %."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    lowest_tier = models.DecimalField(_("最低缴费档次标准（元/年）"), max_digits=8, decimal_places=2)
    dibao_percent = models.DecimalField(
        _("低保对象代缴比例（%）"), max_digits=5, decimal_places=2, default=DIBAO_LEAST_PERCENT
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设定人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("城乡居民养老保险代缴标准")
        verbose_name_plural = _("城乡居民养老保险代缴标准")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(lowest_tier__gt=0), name="pension_tier_positive"),
            models.CheckConstraint(
                condition=Q(dibao_percent__gte=DIBAO_LEAST_PERCENT, dibao_percent__lte=100),
                name="pension_dibao_share_from_70",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年城乡居民养老保险代缴标准"


class FollowUpRecord(ConstraintMessages, models.Model):
    """One follow-up contact with a person after they left assistance (issue 20, item 6). City document §二:
    "对已消除风险的防止返贫致贫对象和继续帮扶对象，按程序规范有序退出帮扶范围，做好后续跟踪服务"."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("退出的帮扶记录"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    date = models.DateField(_("跟踪日期"))
    note = models.CharField(_("跟踪情况"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("退出后跟踪服务记录")
        verbose_name_plural = _("退出后跟踪服务记录")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.note[:20]}"

    def audit_data(self) -> dict:
        return {"worker": self.enrolment.worker_id, "township": self.enrolment.worker.township.code}


class WorkWish(models.TextChoices):
    YES = "yes", _("有就业意愿")
    NO = "no", _("暂无就业意愿")


class IntentionRecord(ConstraintMessages, models.Model):
    """就业意愿 and 求职意向 of a person as recorded on a date; the latest is the person's current one (issue 20,
    item 7). City document §二(二): "动态更新防止返贫致贫对象和继续帮扶对象就业失业状态、技能水平、培训意愿、求职意向
    等信息"; §二(一) assists those "有劳动能力和就业意愿". History is kept as rows, one a day per person."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="intentions"
    )
    recorded_on = models.DateField(_("登记日期"))
    wants_work = models.CharField(_("就业意愿"), max_length=4, choices=WorkWish.choices)
    job_intention = models.CharField(
        _("求职意向"), max_length=100, blank=True, help_text=_("希望从事的工种、行业或地点")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("就业意愿与求职意向")
        verbose_name_plural = _("就业意愿与求职意向")
        ordering = ["-recorded_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "recorded_on"], name="intention_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.recorded_on} {self.get_wants_work_display()} {self.job_intention}".strip()

    def audit_data(self) -> dict:
        return {"worker": self.worker_id, "township": self.worker.township.code}


class RegisterKind(models.TextChoices):
    """The plan's registers that carry no number (issue 20, item 9), each with its sentence of seeds/000_…:"""

    #: 任务（七）: "壮大劳务经纪人队伍"
    BROKER = "broker", _("劳务经纪人")
    #: 任务（六）: "建立农民工返乡创业“导师库”"
    MENTOR = "mentor", _("创业导师")
    #: 任务（六）: "建立在外创业成功人士信息库与返乡创业招商团队"
    ENTREPRENEUR_OUTSIDE = "entrepreneur", _("在外创业成功人士")
    #: 任务（三）: "实施家政品牌培育计划"
    HOUSEKEEPING_BRAND = "hk_brand", _("家政品牌")
    #: 任务（三）: "扶持一批员工制家政企业"
    HOUSEKEEPING_FIRM = "hk_firm", _("员工制家政企业")


class RegisterEntry(ConstraintMessages, models.Model):
    """One entry of the plan's simple registers (劳务经纪人, 创业导师库, 在外创业成功人士信息库, 家政品牌, 员工制家政企业;
    issue 20, item 9). The plan sets no number for them: the key-task board shows how many are registered."""

    kind = models.CharField(_("名册"), max_length=12, choices=RegisterKind.choices)
    name = models.CharField(_("名称或姓名"), max_length=100)
    organisation = models.CharField(_("所在单位或地区"), max_length=100, blank=True)
    township = models.ForeignKey(
        Township, verbose_name=_("所在镇乡街道"), on_delete=models.PROTECT, null=True, blank=True
    )
    registered_on = models.DateField(_("入库日期"))
    active = models.BooleanField(_("在库"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("名册登记")
        verbose_name_plural = _("名册登记")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="register_entry_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.name}"


class HealthCheck(ConstraintMessages, models.Model):
    """An occupational health check of an older migrant worker (issue 20, item 9). Plan task (七): "定期开展
    大龄农民工职业健康体检" — the plan sets neither an age nor a number; the board counts the people checked."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("体检人员"), on_delete=models.PROTECT, related_name="health_checks"
    )
    date = models.DateField(_("体检日期"))
    provider = models.CharField(_("体检机构"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("大龄农民工职业健康体检")
        verbose_name_plural = _("大龄农民工职业健康体检")
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["worker", "date"], name="health_check_once_a_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.provider}"

    def audit_data(self) -> dict:
        return {"worker": self.worker_id, "township": self.worker.township.code}
