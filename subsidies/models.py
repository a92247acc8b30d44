"""Subsidy kinds and their caps, applications and their review workflow, payments (issue 8).

Sources: the Wanzhou plan (seeds/000_…, 万州人社发〔2025〕64号) key task 7 — 创业补贴 ≤ 8,000 元/户,
农民工就业补贴 ≤ 1,000 元/人, 创业担保贷款 ≤ 30 万元 (个人) / 400 万元 (小微企业) with 50 % 贴息,
返乡创业园区 60 万元 once + ≤ 30 万元 over the following three years — and key task 3 (劳务品牌奖补
≤ 50 万元/个); the city document (seeds/004_…, 渝人社规〔2026〕6号) §5, §9, §11–13 for the kinds whose caps
bureau staff set per year. The rules themselves live in `subsidies.rules`; this module holds the data
and the invariants the database can keep.

What each cap counts (issue 20) is data on the kind (`SubsidyKind.cap_scope`), read as the plan writes it:

    "对符合条件的农村自主创业者和返乡农民工创办市场主体，给予最高8000元/户的创业补贴" — 户 is the market entity
    created (个体工商户 or enterprise, `Application.entity_code`), not the family household;
    "对招用重庆籍农民工的企业，按政策给予最高1000元/人的农民工就业补贴" — per person; the seed names no
    yearly renewal, so once per worker over the plan, whichever employer.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from targets.models import Township
from wanzhou_jobs.constraints import ConstraintMessages
from workers.models import Employer, Employment, Household, Worker


class Rule(models.TextChoices):
    """How a kind's cap is computed (see `subsidies.rules`)."""

    STARTUP = "startup", _("创业补贴（每个市场主体上限）")
    HIRING = "hiring", _("农民工就业补贴（每人上限）")
    LOAN_INTEREST = "loan_interest", _("创业担保贷款贴息（实付利息 50%）")
    PARK = "park", _("返乡创业园区（一次性 + 后续三年）")
    LABOUR_BRAND = "labour_brand", _("劳务品牌奖补（每个品牌上限）")
    YEARLY_CAP = "yearly_cap", _("每个对象每年上限（由区人力社保局设定）")
    WORKSHOP = "workshop", _("就业帮扶车间吸纳补助（每个车间上限，由区人力社保局设定）")
    SERVICE_AID = "service_aid", _("就业创业服务补助（每个机构或劳务经纪人上限，由区人力社保局设定）")


#: The plan's years (seeds/000_…: 2025—2027); a cap "over the plan" counts the applications of these years.
PLAN_YEARS = (2025, 2026, 2027)


class CapScope(models.TextChoices):
    """What a kind's cap counts: whose claims are summed (person, market entity, brand, applicant) and over
    which period (one year or the whole plan). Bureau staff change it with a reason (`CapScopeChange`)."""

    PERSON_PLAN = "person_plan", _("每人方案期内（2025—2027年）合计")
    PERSON_YEAR = "person_year", _("每人每年")
    ENTITY_PLAN = "entity_plan", _("每个市场主体方案期内合计")
    ENTITY_YEAR = "entity_year", _("每个市场主体每年")
    SUBJECT_PLAN = "subject_plan", _("每个品牌方案期内合计")
    SUBJECT_YEAR = "subject_year", _("每个品牌每年")
    APPLICANT_PLAN = "applicant_plan", _("每个申请对象方案期内合计")
    APPLICANT_YEAR = "applicant_year", _("每个申请对象每年")
    FIXED = "fixed", _("按政策规则（贴息按实付利息；园区按认定阶段）")


#: The scopes each rule may take, the first its default. The loan interest and the parks keep the
#: structure their seed sentences give them.
RULE_SCOPES = {
    Rule.STARTUP: (CapScope.ENTITY_PLAN, CapScope.ENTITY_YEAR, CapScope.PERSON_PLAN, CapScope.PERSON_YEAR),
    Rule.HIRING: (CapScope.PERSON_PLAN, CapScope.PERSON_YEAR),
    Rule.LOAN_INTEREST: (CapScope.FIXED,),
    Rule.PARK: (CapScope.FIXED,),
    Rule.LABOUR_BRAND: (CapScope.SUBJECT_PLAN, CapScope.SUBJECT_YEAR),
    Rule.YEARLY_CAP: (CapScope.APPLICANT_YEAR, CapScope.APPLICANT_PLAN),
    Rule.WORKSHOP: (CapScope.ENTITY_YEAR, CapScope.ENTITY_PLAN),
    Rule.SERVICE_AID: (CapScope.APPLICANT_YEAR, CapScope.APPLICANT_PLAN),
}


def _scope_fits_rule() -> Q:
    condition = Q()
    for rule, scopes in RULE_SCOPES.items():
        condition |= Q(rule=rule.value, cap_scope__in=[s.value for s in scopes])
    return condition


class ApplicantType(models.TextChoices):
    WORKER = "worker", _("个人")
    HOUSEHOLD = "household", _("家庭户")
    EMPLOYER = "employer", _("用人单位")
    PARK = "park", _("创业园区")
    BRAND = "brand", _("劳务品牌")
    WORKSHOP = "workshop", _("就业帮扶车间")
    BROKER = "broker", _("劳务经纪人")
    AGENCY = "agency", _("人力资源服务机构")


#: Applicants who are a person in the ledger (`Application.worker`) or a unit in it (`Application.employer`).
PERSON_APPLICANTS = frozenset({ApplicantType.WORKER, ApplicantType.BROKER})
UNIT_APPLICANTS = frozenset({ApplicantType.EMPLOYER, ApplicantType.WORKSHOP, ApplicantType.AGENCY})


class SubsidyKind(ConstraintMessages, models.Model):
    """A kind of subsidy. Its row is also the lock that serialises every cap and budget check of the kind."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    rule = models.CharField(_("规则"), max_length=16, choices=Rule.choices)
    source = models.CharField(_("政策依据"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    active = models.BooleanField(_("受理申请"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    cap_scope = models.CharField(
        _("上限计算范围"),
        max_length=16,
        choices=CapScope.choices,
        default=CapScope.APPLICANT_YEAR,
        help_text=_("上限按谁、按多长期间合计；修改须填写原因并留痕"),
    )

    class Meta:
        verbose_name = _("补贴类别")
        verbose_name_plural = _("补贴类别")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=_scope_fits_rule(), name="subsidy_kind_scope_fits_rule")
        ]

    def __str__(self) -> str:
        return self.name


class CapScopeChange(models.Model):
    """The log of a kind's cap scope: from, to, why, who, when. `changed_by` is empty for the migration that
    first read the scopes as the plan writes them (issue 20)."""

    kind = models.ForeignKey(
        SubsidyKind, verbose_name=_("补贴类别"), on_delete=models.CASCADE, related_name="scope_changes"
    )
    from_scope = models.CharField(_("原计算范围"), max_length=16, choices=CapScope.choices, blank=True)
    to_scope = models.CharField(_("新计算范围"), max_length=16, choices=CapScope.choices)
    reason = models.CharField(_("修改原因"), max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("上限计算范围变更")
        verbose_name_plural = _("上限计算范围变更")
        ordering = ["changed_at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.kind} {self.from_scope}→{self.to_scope}"


class SubsidyKindYear(ConstraintMessages, models.Model):
    """A kind's caps and budget in one year, editable by bureau staff. An empty cap means "not set"."""

    kind = models.ForeignKey(
        SubsidyKind, verbose_name=_("补贴类别"), on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    cap = models.DecimalField(
        _("补贴上限（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "按补贴类别的“上限计算范围”合计（创业补贴为每个市场主体、就业补贴为每人、园区为一次性补贴、品牌为每个品牌）；留空表示未设定，不能审核通过"
        ),
    )
    follow_up_cap = models.DecimalField(
        _("后续奖补上限（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("返乡创业园区认定后三年内绩效奖补合计上限"),
    )
    principal_cap_individual = models.DecimalField(
        _("个人贷款本金上限（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    principal_cap_enterprise = models.DecimalField(
        _("小微企业贷款本金上限（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    interest_share = models.DecimalField(
        _("贴息比例"), max_digits=4, decimal_places=3, null=True, blank=True, help_text=_("如 0.5 即 50%")
    )
    budget = models.DecimalField(
        _("年度预算（元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("留空表示不设预算；超出预算的审核会被拒绝"),
    )

    class Meta:
        verbose_name = _("年度补贴标准")
        verbose_name_plural = _("年度补贴标准")
        ordering = ["kind__sort_order", "year"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="subsidy_kind_year_once"),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=0), name="subsidy_cap_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="subsidy_budget_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(interest_share__isnull=True)
                | (Q(interest_share__gte=0) & Q(interest_share__lte=1)),
                name="subsidy_interest_share_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}"


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    TOWNSHIP_APPROVED = "township_approved", _("镇街初审通过")
    DISTRICT_APPROVED = "district_approved", _("区级审核通过")
    PUBLIC_NOTICE = "public_notice", _("公示中")
    PAYABLE = "payable", _("待发放")
    PAID = "paid", _("已发放")
    WITHDRAWN = "withdrawn", _("已撤销")


#: Statuses whose approved amount counts against caps and budgets.
COMMITTED_STATUSES = (Status.DISTRICT_APPROVED, Status.PUBLIC_NOTICE, Status.PAYABLE, Status.PAID)
#: Statuses in which an application is still alive (a worker listed in it is claimed).
LIVE_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.TOWNSHIP_APPROVED, *COMMITTED_STATUSES)


class ParkStage(models.TextChoices):
    INITIAL = "initial", _("市级认定一次性补贴")
    FOLLOW_UP = "follow_up", _("后续三年绩效奖补")


class Application(ConstraintMessages, models.Model):
    """补贴申请: one claim of one kind by one applicant, for one year, owned by one township."""

    kind = models.ForeignKey(
        SubsidyKind, verbose_name=_("补贴类别"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("补贴年度"))
    township = models.ForeignKey(
        Township, verbose_name=_("镇乡街道"), on_delete=models.PROTECT, related_name="+"
    )
    applicant_type = models.CharField(_("申请对象类型"), max_length=10, choices=ApplicantType.choices)
    worker = models.ForeignKey(
        Worker, verbose_name=_("申请人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("家庭户"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("用人单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    employment = models.ForeignKey(
        Employment,
        verbose_name=_("创业就业记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # 创业补贴: the market entity created (seeds/000_… task 7: "返乡农民工创办市场主体，给予最高8000元/户"),
    # identified by its 统一社会信用代码 or, for an entity registered before it had one, its 注册号.
    entity_code = models.CharField(
        _("所创办市场主体统一社会信用代码或注册号"), max_length=18, blank=True, db_index=True
    )
    subject_name = models.CharField(_("园区或品牌名称"), max_length=100, blank=True)
    subject_key = models.CharField(_("规范化名称"), max_length=100, blank=True, editable=False, db_index=True)
    amount_requested = models.DecimalField(_("申请金额（元）"), max_digits=12, decimal_places=2)
    amount_approved = models.DecimalField(
        _("核定金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True, editable=False
    )
    # Evidence of a guaranteed loan (创业担保贷款): from the contract and the bank statement.
    loan_contract_no = models.CharField(_("贷款合同号"), max_length=60, blank=True)
    lender = models.CharField(_("贷款银行"), max_length=100, blank=True)
    principal = models.DecimalField(
        _("贷款本金（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    interest_paid = models.DecimalField(
        _("申请期内实际支付利息（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    period_start = models.DateField(_("贴息期起"), null=True, blank=True)
    period_end = models.DateField(_("贴息期止"), null=True, blank=True)
    # Evidence of a returnee entrepreneurship park.
    park_stage = models.CharField(_("园区补贴阶段"), max_length=10, choices=ParkStage.choices, blank=True)
    certified_on = models.DateField(_("市级园区认定日期"), null=True, blank=True)
    note = models.TextField(_("情况说明"), blank=True)

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    rejection_reason = models.CharField(_("最近驳回原因"), max_length=300, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True, editable=False)
    township_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("镇街初审人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    township_reviewed_at = models.DateTimeField(_("镇街初审时间"), null=True, blank=True, editable=False)
    district_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("区级审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    district_reviewed_at = models.DateTimeField(_("区级审核时间"), null=True, blank=True, editable=False)
    notice_start = models.DateField(_("公示开始"), null=True, blank=True, editable=False)
    notice_end = models.DateField(_("公示截止"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("补贴申请")
        verbose_name_plural = _("补贴申请")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["township", "status"], name="subsidy_app_township_status"),
            models.Index(fields=["kind", "year", "status"], name="subsidy_app_kind_year_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="subsidy_requested_positive"),
            models.CheckConstraint(
                condition=Q(amount_approved__isnull=True)
                | (Q(amount_approved__gt=0) & Q(amount_approved__lte=models.F("amount_requested"))),
                name="subsidy_approved_within_requested",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in COMMITTED_STATUSES])
                | Q(amount_approved__isnull=False),
                name="subsidy_committed_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.kind.name if self.kind_id else ''}".strip()

    def audit_data(self) -> dict:
        """Searchable keys of this row's audit entries (targets.audit)."""
        data = {"township": self.township_id}
        if self.worker_id:
            data["worker"] = self.worker_id
        return data

    get_additional_data = audit_data

    @property
    def number(self) -> str:
        return f"BT{self.year}-{self.pk:06d}" if self.pk else ""

    @property
    def applicant_label(self) -> str:
        if self.applicant_type in UNIT_APPLICANTS and self.employer_id:
            return self.employer.name
        if self.applicant_type in (ApplicantType.PARK, ApplicantType.BRAND):
            return self.subject_name
        if self.worker_id:
            return self.worker.name
        return ""


class ApplicationWorker(ConstraintMessages, models.Model):
    """A worker listed in an employer's hiring-subsidy claim, with the amount claimed for them."""

    application = models.ForeignKey(
        Application, verbose_name=_("补贴申请"), on_delete=models.CASCADE, related_name="lines"
    )
    worker = models.ForeignKey(Worker, verbose_name=_("农民工"), on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("申领人员")
        verbose_name_plural = _("申领人员")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "worker"], name="subsidy_line_worker_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="subsidy_line_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.amount}"

    def audit_data(self) -> dict:
        return {"township": self.application.township_id, "worker": self.worker_id}

    get_additional_data = audit_data


class Attachment(models.Model):
    """Evidence uploaded for an application, stored under a random name outside the web root."""

    application = models.ForeignKey(
        Application, verbose_name=_("补贴申请"), on_delete=models.CASCADE, related_name="attachments"
    )
    original_name = models.CharField(_("文件名"), max_length=120)
    stored_name = models.CharField(_("存储名"), max_length=80, unique=True, editable=False)
    content_type = models.CharField(_("文件类型"), max_length=40, editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请附件")
        verbose_name_plural = _("申请附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    def audit_data(self) -> dict:
        return {"township": self.application.township_id, "application": self.application_id}

    get_additional_data = audit_data


class Payment(ConstraintMessages, models.Model):
    """The payment of an approved application (发放): one per application."""

    application = models.OneToOneField(
        Application, verbose_name=_("补贴申请"), on_delete=models.PROTECT, related_name="payment"
    )
    amount = models.DecimalField(_("发放金额（元）"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("发放日期"))
    voucher_no = models.CharField(_("凭证号"), max_length=60, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("补贴发放")
        verbose_name_plural = _("补贴发放")
        ordering = ["-paid_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="subsidy_payment_positive")]

    def __str__(self) -> str:
        return f"{self.voucher_no} {self.amount}"

    def audit_data(self) -> dict:
        return {"township": self.application.township_id, "application": self.application_id}

    get_additional_data = audit_data


class ApplicationEvent(models.Model):
    """The workflow log: every transition of an application — who, when, from, to, comment."""

    class Action(models.TextChoices):
        CREATE = "create", _("录入")
        UPDATE = "update", _("修改")
        SUBMIT = "submit", _("提交")
        TOWNSHIP_APPROVE = "township_approve", _("镇街初审通过")
        DISTRICT_APPROVE = "district_approve", _("区级审核通过")
        REJECT = "reject", _("驳回")
        NOTICE_START = "notice_start", _("开始公示")
        NOTICE_END = "notice_end", _("公示期满")
        PAY = "pay", _("发放")
        WITHDRAW = "withdraw", _("撤销")
        ATTACH = "attach", _("上传附件")
        DETACH = "detach", _("删除附件")

    application = models.ForeignKey(
        Application, verbose_name=_("补贴申请"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices, blank=True)
    comment = models.CharField(_("意见"), max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.from_status}→{self.to_status}"
