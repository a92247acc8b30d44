"""Forms of the subsidy pages. They parse input and look up what the user may see; the rules are in services.

People are found by their full ID number within the user's scope only (no lists of other townships' people,
no prefix search), employers by their unified social credit code or exact name.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import Township
from targets.scoping import scope_queryset, writable_townships
from workers.models import Employer, Employment, EmploymentForm, Worker
from workers.services import employer_key
from workers.validators import normalise_credit_code, normalise_id_number

from .models import (
    PERSON_APPLICANTS,
    UNIT_APPLICANTS,
    ApplicantType,
    Application,
    ParkStage,
    Rule,
    SubsidyKind,
)
from .rules import ALLOWED_APPLICANTS, LINE_RULES
from .services import PLAN_YEARS, ApplicationData

PERSON_NOT_FOUND = _("在您可查看的台账中找不到公民身份号码 {id_number}，请先在台账中登记此人。")
EMPLOYER_NOT_FOUND = _("台账中找不到用人单位“{value}”，请填写统一社会信用代码或单位全称。")
LINE_FORMAT = _("第 {n} 行格式不对：请按“公民身份号码 金额”填写，每人一行。")
LINE_AMOUNT = _("第 {n} 行的金额“{value}”不是有效的数字。")
NO_STARTUP_JOB = _("申请人在台账中没有自主创业的就业记录，请先登记其创办的市场主体。")


def _find_worker(user, value) -> Worker:
    try:
        id_number = normalise_id_number(value)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None
    worker = (
        scope_queryset(Worker.objects.all(), user, township_field="township")
        .filter(id_number=id_number)
        .first()
    )
    if worker is None:
        raise ValidationError(PERSON_NOT_FOUND.format(id_number=id_number))
    return worker


def _find_employer(value) -> Employer:
    text = (value or "").strip()
    employer = None
    try:
        code = normalise_credit_code(text)
    except ValidationError:
        code = ""
    if code:
        employer = Employer.objects.filter(credit_code=code).first()
    if employer is None and text:
        employer = Employer.objects.filter(name_key=employer_key(text)).first()
    if employer is None:
        raise ValidationError(EMPLOYER_NOT_FOUND.format(value=text))
    return employer


class ApplicationForm(forms.Form):
    """One form for every kind: the fields of the kind's rule are shown, the others removed."""

    year = forms.TypedChoiceField(label=_("补贴年度"), coerce=int, choices=[(y, y) for y in PLAN_YEARS])
    applicant_type = forms.ChoiceField(label=_("申请对象类型"), choices=ApplicantType.choices)
    worker_id_number = forms.CharField(
        label=_("申请人公民身份号码"), max_length=24, required=False, help_text=_("填写完整的 18 位号码")
    )
    employer_ref = forms.CharField(
        label=_("用人单位（统一社会信用代码或全称）"), max_length=200, required=False
    )
    township = forms.ModelChoiceField(
        label=_("所属镇乡街道"), queryset=Township.objects.none(), required=False
    )
    entity_code = forms.CharField(
        label=_("所创办市场主体的统一社会信用代码或注册号"),
        max_length=30,
        required=False,
        help_text=_(
            "创业补贴按所创办的市场主体（个体工商户或企业）计算上限；台账中该单位已有统一社会信用代码时可不填，"
            "申请人创办了多个市场主体时填写本次申请的那一个"
        ),
    )
    subject_name = forms.CharField(label=_("名称"), max_length=100, required=False)
    park_stage = forms.ChoiceField(
        label=_("园区补贴阶段"), choices=[("", "—")] + ParkStage.choices, required=False
    )
    certified_on = forms.DateField(
        label=_("市级园区认定日期"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    loan_contract_no = forms.CharField(label=_("贷款合同号"), max_length=60, required=False)
    lender = forms.CharField(label=_("贷款银行"), max_length=100, required=False)
    principal = forms.DecimalField(
        label=_("贷款本金（元）"), max_digits=12, decimal_places=2, required=False, min_value=0
    )
    interest_paid = forms.DecimalField(
        label=_("期内实际支付利息（元，以银行对账单为准）"),
        max_digits=12,
        decimal_places=2,
        required=False,
        min_value=0,
    )
    period_start = forms.DateField(
        label=_("贴息期起"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("贴息期止"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    lines_text = forms.CharField(
        label=_("申领人员（每行：公民身份号码 金额）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("只能列出在本单位就业、且您有权查看的人员；每人在上限计算范围内只能申领一次"),
    )
    amount_requested = forms.DecimalField(
        label=_("申请金额（元）"), max_digits=12, decimal_places=2, required=False, min_value=Decimal("0.01")
    )
    note = forms.CharField(label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, kind: SubsidyKind, user, instance: Application | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        self.kind, self.user, self.instance = kind, user, instance
        rule = kind.rule
        allowed = ALLOWED_APPLICANTS[rule]
        self.fields["applicant_type"].choices = [(a, ApplicantType(a).label) for a in allowed]
        self.fields["applicant_type"].initial = allowed[0]
        self.fields["year"].initial = min(max(timezone.localdate().year, min(PLAN_YEARS)), max(PLAN_YEARS))
        townships = writable_townships(user)
        self.fields["township"].queryset = townships
        if townships.count() == 1:
            self.fields["township"].initial = townships.first()
        keep = {"year", "applicant_type", "amount_requested", "note"}
        if PERSON_APPLICANTS & set(allowed):
            keep.add("worker_id_number")
        if UNIT_APPLICANTS & set(allowed):
            keep.add("employer_ref")
        if set(allowed) - PERSON_APPLICANTS:
            keep.add("township")
        if rule == Rule.STARTUP:
            keep.add("entity_code")
        elif rule in LINE_RULES:
            keep = (keep - {"amount_requested"}) | {"lines_text"}
            if rule == Rule.SERVICE_AID:
                self.fields["lines_text"].label = _("组织输出的人员（每行：公民身份号码 金额）")
                self.fields["lines_text"].help_text = _(
                    "只能列出防止返贫致贫对象、继续帮扶对象，且台账中有本年度开始的就业记录"
                )
        elif rule == Rule.LOAN_INTEREST:
            keep |= {"loan_contract_no", "lender", "principal", "interest_paid", "period_start", "period_end"}
        elif rule == Rule.PARK:
            keep |= {"subject_name", "park_stage", "certified_on"}
            self.fields["subject_name"].label = _("园区名称")
        elif rule == Rule.LABOUR_BRAND:
            keep |= {"subject_name"}
            self.fields["subject_name"].label = _("劳务品牌名称")
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if len(allowed) == 1:
            self.fields["applicant_type"].widget = forms.HiddenInput()

    @staticmethod
    def initial_from(application: Application) -> dict:
        initial = {
            name: getattr(application, name)
            for name in (
                "year",
                "applicant_type",
                "entity_code",
                "subject_name",
                "park_stage",
                "certified_on",
                "loan_contract_no",
                "lender",
                "principal",
                "interest_paid",
                "period_start",
                "period_end",
                "amount_requested",
                "note",
            )
        }
        initial["township"] = application.township_id
        if application.worker_id:
            initial["worker_id_number"] = application.worker.id_number
        if application.employer_id:
            initial["employer_ref"] = application.employer.credit_code or application.employer.name
        initial["lines_text"] = "\n".join(
            f"{line.worker.id_number} {line.amount}" for line in application.lines.select_related("worker")
        )
        return initial

    def clean(self):
        data = super().clean()
        applicant_type = data.get("applicant_type") or ApplicantType.WORKER
        worker = employer = None
        if applicant_type in PERSON_APPLICANTS and data.get("worker_id_number"):
            try:
                worker = _find_worker(self.user, data["worker_id_number"])
            except ValidationError as exc:
                self.add_error("worker_id_number", exc)
        if applicant_type in UNIT_APPLICANTS and data.get("employer_ref"):
            try:
                employer = _find_employer(data["employer_ref"])
            except ValidationError as exc:
                self.add_error("employer_ref", exc)
        data["worker"], data["employer"] = worker, employer
        data["lines"] = self._parse_lines(data.get("lines_text") or "") if "lines_text" in self.fields else []
        return data

    def _parse_lines(self, text: str) -> list:
        lines = []
        for n, raw in enumerate(text.splitlines(), start=1):
            parts = raw.replace(",", " ").replace("，", " ").split()
            if not parts:
                continue
            if len(parts) != 2:
                self.add_error("lines_text", LINE_FORMAT.format(n=n))
                continue
            try:
                worker = _find_worker(self.user, parts[0])
            except ValidationError as exc:
                self.add_error("lines_text", _("第 {n} 行：").format(n=n) + " ".join(exc.messages))
                continue
            try:
                amount = Decimal(parts[1])
            except InvalidOperation:
                self.add_error("lines_text", LINE_AMOUNT.format(n=n, value=parts[1]))
                continue
            lines.append((worker, amount))
        return lines

    def to_data(self) -> ApplicationData:
        data = self.cleaned_data
        worker = data.get("worker")
        employment = None
        if self.kind.rule == Rule.STARTUP and worker is not None:
            startups = Employment.objects.filter(
                worker=worker, form=EmploymentForm.SELF_EMPLOYED
            ).select_related("employer")
            code = "".join((data.get("entity_code") or "").split()).upper()
            # The market entity named by its code, else the founder's latest one.
            employment = (code and startups.filter(employer__credit_code=code).first()) or (
                startups.order_by("-start_date", "-id").first()
            )
            if employment is None:
                raise ValidationError({"worker_id_number": NO_STARTUP_JOB})
        return ApplicationData(
            kind=self.kind,
            year=data["year"],
            applicant_type=data.get("applicant_type") or ApplicantType.WORKER,
            amount_requested=data.get("amount_requested"),
            township=data.get("township"),
            worker=worker,
            employer=data.get("employer"),
            employment=employment,
            entity_code=data.get("entity_code") or "",
            subject_name=data.get("subject_name") or "",
            loan_contract_no=data.get("loan_contract_no") or "",
            lender=data.get("lender") or "",
            principal=data.get("principal"),
            interest_paid=data.get("interest_paid"),
            period_start=data.get("period_start"),
            period_end=data.get("period_end"),
            park_stage=data.get("park_stage") or "",
            certified_on=data.get("certified_on"),
            note=data.get("note") or "",
            lines=data.get("lines") or [],
        )

    def add_service_error(self, exc: ValidationError) -> None:
        """Show a service's ValidationError on the form, on the field it names when the form has it."""
        mapping = {
            "worker": "worker_id_number",
            "employer": "employer_ref",
            "employment": "worker_id_number",
            "lines": "lines_text",
        }
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                name = mapping.get(field, field)
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("意见（可不填）"), max_length=300, required=False)


class ApproveForm(CommentForm):
    amount = forms.DecimalField(
        label=_("核定金额（元）"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )


class PayForm(forms.Form):
    paid_on = forms.DateField(
        label=_("发放日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    voucher_no = forms.CharField(label=_("凭证号"), max_length=60)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件（PDF、JPEG 或 PNG）"))
