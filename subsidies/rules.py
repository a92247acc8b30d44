"""The rules of each subsidy kind: who may apply, what evidence is needed, and which caps apply.

Sources (seeds/000_… task 7 and task 3; seeds/004_… §5, §9, §11–13):

| rule          | applicant                          | cap (default scope; `SubsidyKind.cap_scope`)                |
|---------------|------------------------------------|------------------------------------------------------------|
| startup       | the founder (a worker) with a 自主创业 | ≤ cap per market entity created, whole plan period          |
|               | job at the market entity           | (统一社会信用代码 or 注册号)                                |
| hiring        | employer with a credit code        | ≤ cap per worker; a worker is claimed once over the plan   |
| loan_interest | worker (个人) or employer (小微企业)| principal ≤ its cap; subsidy ≤ share × interest paid       |
| park          | park                               | initial ≤ cap, once; follow-up ≤ follow_up_cap in the      |
|               |                                    | three years after city-level certification                 |
| labour_brand  | brand                              | ≤ cap per brand, whole plan period                          |
| yearly_cap    | worker or employer                 | ≤ cap per beneficiary per year; no cap set → not approvable |

The seed sentences, read as the plan writes them (issue 20):

    创业补贴 — "对符合条件的农村自主创业者和返乡农民工创办市场主体，给予最高8000元/户的创业补贴" (000_… 任务七):
    the sentence is about the market entity created, so 户 is that entity (个体工商户 or enterprise), not the
    family household; its founder applies, and needs no family household in the ledger.
    农民工就业补贴 — "对招用重庆籍农民工的企业，按政策给予最高1000元/人的农民工就业补贴" (000_… 任务七): per
    person, with no yearly renewal: once per worker over the plan, whichever employer claims.

The scope of each cap (who is counted, over which period) is data on the kind, so bureau staff can change
it with a logged reason (`services.kind_cap_scope_set`); `RULE_SCOPES` lists what each rule may take.
Every kind may also have a yearly budget. `cap_checks` lists the caps that apply to an application with what
is already committed (district-approved or later) elsewhere; the services compare the amount with them inside
the transaction that holds the kind's row lock, so the sums cannot change underneath.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workers.models import Employment, EmploymentForm
from workers.validators import normalise_credit_code

from . import selectors
from .models import (
    COMMITTED_STATUSES,
    LIVE_STATUSES,
    PERSON_APPLICANTS,
    PLAN_YEARS,
    UNIT_APPLICANTS,
    ApplicantType,
    Application,
    CapScope,
    ParkStage,
    Rule,
    Status,
    SubsidyKindYear,
)

ALLOWED_APPLICANTS = {
    Rule.STARTUP: (ApplicantType.WORKER,),
    Rule.HIRING: (ApplicantType.EMPLOYER,),
    Rule.LOAN_INTEREST: (ApplicantType.WORKER, ApplicantType.EMPLOYER),
    Rule.PARK: (ApplicantType.PARK,),
    Rule.LABOUR_BRAND: (ApplicantType.BRAND,),
    Rule.YEARLY_CAP: (ApplicantType.WORKER, ApplicantType.EMPLOYER),
    Rule.WORKSHOP: (ApplicantType.WORKSHOP,),
    Rule.SERVICE_AID: (ApplicantType.AGENCY, ApplicantType.BROKER),
}
#: seeds/004_… §7: the workshop's aid is "对吸纳防止返贫致贫对象和继续帮扶对象务工就业的按规定给予补助".
WORKSHOP_TARGET_FIELDS = ("is_monitored", "is_continued_support")
#: The rules whose application lists people with an amount each (the amount requested is their sum).
LINE_RULES = frozenset({Rule.HIRING, Rule.WORKSHOP, Rule.SERVICE_AID})
PARK_FOLLOW_UP_YEARS = 3

CAP_EXCEEDED = _("超过补贴上限：{label}。已核定 {used} 元，尚可 {left} 元，本次 {amount} 元。")
BUDGET_EXCEEDED = _("超出年度预算：{label}。已核定 {used} 元，剩余 {left} 元，本次 {amount} 元。")
NO_CAP_SET = _("“{kind}”{year}年尚未设定补贴上限，不能审核通过。请区人力社保局先在“年度补贴标准”中设定。")
NO_YEAR_SETTING = _("“{kind}”没有{year}年的补贴标准，不能审核通过。请区人力社保局先设定。")
WORKER_CLAIM_PENDING = _(
    "{name}（{id_number}）{year}年已列入“{employer}”的{kind}申请（{number}，审核中），每人每年只能申领一次。"
)
WORKER_CLAIMED = _("{name}（{id_number}）{year}年已由“{employer}”申领{kind}，每人每年只能申领一次。")
WORKER_CLAIM_PENDING_PLAN = _(
    "{name}（{id_number}）已列入“{employer}”的{kind}申请（{number}，{year}年，审核中），"
    "方案期内（{first}—{last}年）每人只能申领一次。"
)
WORKER_CLAIMED_PLAN = _(
    "{name}（{id_number}）已于{year}年由“{employer}”申领{kind}，方案期内（{first}—{last}年）每人只能申领一次。"
)
PARK_INITIAL_ONCE = _("“{park}”已核定市级认定一次性补贴 {used} 元，一次性补贴只能申领一次。")
PARK_FOLLOW_UP_WINDOW = _("后续绩效奖补只能在市级认定后的三年内（{first}—{last}年）申领，本申请为{year}年。")
LOAN_PERIOD_OVERLAP = _(
    "贷款合同 {contract} 在 {start} 至 {end} 期间的利息已贴息（申请 {number}），贴息期不能重叠。"
)
PRINCIPAL_EXCEEDED = _("{label}：填写的贷款本金为 {principal} 元，超过上限。")

APPLICANT_NOT_ALLOWED = _("“{kind}”的申请对象只能是：{allowed}。")
WORKER_REQUIRED = _("请选择申请人（台账中的人员）。")
EMPLOYER_REQUIRED = _("请选择用人单位。")
CREDIT_CODE_REQUIRED = _(
    "“{employer}”没有统一社会信用代码，不能申领此项补贴，请先在“就业单位”页面为该单位补全（经办员可补全本镇乡街道使用的单位）。"
)
EMPLOYMENT_REQUIRED = _("请选择申请人的自主创业就业记录。")
EMPLOYMENT_NOT_STARTUP = _("所选就业记录不是申请人本人的自主创业记录。")
ENTITY_CODE_REQUIRED = _(
    "创业补贴按所创办的市场主体计算上限，“{employer}”在台账中没有统一社会信用代码：请填写其营业执照上的统一社会信用代码或15位注册号，或先在“就业单位”页面为该单位补全。"
)
ENTITY_CODE_INVALID = _("“{value}”不是有效的统一社会信用代码（18位）或注册号（15位数字）。")
ENTITY_CODE_MISMATCH = _(
    "所创办的市场主体“{employer}”在台账中的统一社会信用代码为 {credit_code}，与填写的 {value} 不一致。"
)
LINES_REQUIRED = _("请至少列出一名在本单位就业的农民工。")
LINE_DUPLICATE = _("{name}在本申请中重复列出。")
LINE_NOT_EMPLOYED = _("{name}在台账中没有{year}年在“{employer}”就业的记录，不能申领。")
WORKSHOP_LINE_NOT_THERE = _(
    "{name}在台账中没有{year}年在“{employer}”以就业帮扶车间形式就业的记录，不能计入吸纳补助。"
)
WORKSHOP_LINE_NOT_TARGET = _("{name}不是防止返贫致贫对象或继续帮扶对象，不能计入就业帮扶车间吸纳补助。")
PLACED_REQUIRED = _("请列出本次有组织劳务输出的防止返贫致贫对象、继续帮扶对象（每行：公民身份号码 金额）。")
PLACED_NOT_TARGET = _("{name}不是防止返贫致贫对象或继续帮扶对象，不能计入就业创业服务补助。")
PLACED_NO_JOB = _("{name}在台账中没有{year}年开始的就业记录，请先登记其就业后再列入。")
LOAN_FIELDS_REQUIRED = _("请填写贷款合同号、贷款本金、贴息期起止日期和期内实际支付利息（以银行对账单为准）。")
PERIOD_ORDER = _("贴息期止不能早于贴息期起。")
SUBJECT_REQUIRED = _("请填写{what}名称。")
PARK_FIELDS_REQUIRED = _("请选择园区补贴阶段并填写市级园区认定日期。")
CERTIFIED_IN_FUTURE = _("市级园区认定日期不能晚于今天。")
AMOUNT_POSITIVE = _("申请金额必须大于 0 元。")


def yuan(value: Decimal | None) -> str:
    """`8,000` or `8,000.50`: amounts as a clerk writes them."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}"


@dataclass(frozen=True)
class CapCheck:
    label: str
    cap: Decimal
    used: Decimal
    budget: bool = False

    @property
    def left(self) -> Decimal:
        return max(self.cap - self.used, Decimal("0"))

    def refuse_if_over(self, amount: Decimal) -> None:
        if amount > self.left:
            message = BUDGET_EXCEEDED if self.budget else CAP_EXCEEDED
            raise ValidationError(
                message.format(
                    label=self.label, used=yuan(self.used), left=yuan(self.left), amount=yuan(amount)
                ),
                code="budget" if self.budget else "cap",
            )


# --- Evidence ---------------------------------------------------------------------------------------------


def evidence_check(application: Application, *, lines=(), today: date | None = None) -> None:
    """Who applies and with what: raise ValidationError (by field) unless the application can be submitted."""
    rule = application.kind.rule
    errors: dict[str, list] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    allowed = ALLOWED_APPLICANTS[rule]
    if application.applicant_type not in allowed:
        add(
            "applicant_type",
            APPLICANT_NOT_ALLOWED.format(
                kind=application.kind.name, allowed="、".join(str(ApplicantType(a).label) for a in allowed)
            ),
        )
        raise ValidationError(errors)
    # A listing rule's amount is the sum of its lines, whose amounts and presence are checked below.
    if rule not in LINE_RULES and (application.amount_requested is None or application.amount_requested <= 0):
        add("amount_requested", AMOUNT_POSITIVE)
    if application.applicant_type in PERSON_APPLICANTS and application.worker is None:
        add("worker", WORKER_REQUIRED)
    if application.applicant_type in UNIT_APPLICANTS:
        if application.employer is None:
            add("employer", EMPLOYER_REQUIRED)
        elif (
            rule in (Rule.HIRING, Rule.LOAN_INTEREST, Rule.SERVICE_AID)
            and not application.employer.credit_code
        ):
            add("employer", CREDIT_CODE_REQUIRED.format(employer=application.employer.name))
    if errors:
        raise ValidationError(errors)

    if rule == Rule.STARTUP:
        # The founder applies for the market entity created; no family household is needed (issue 20).
        worker = application.worker
        job = application.employment
        if job is None:
            add("employment", EMPLOYMENT_REQUIRED)
        elif job.worker_id != worker.pk or job.form != EmploymentForm.SELF_EMPLOYED:
            add("employment", EMPLOYMENT_NOT_STARTUP)
        else:
            # The entity's key is normalised here, where it is checked: the ledger's code when there is one.
            try:
                application.entity_code = entity_code_for(job, application.entity_code)
            except ValidationError as exc:
                add("entity_code", exc.messages[0])
    elif rule == Rule.HIRING:
        _check_lines(application, lines, add)
    elif rule == Rule.WORKSHOP:
        _check_lines(application, lines, add, workshop=True)
    elif rule == Rule.SERVICE_AID:
        _check_placed(application, lines, add)
    elif rule == Rule.LOAN_INTEREST:
        a = application
        if not (
            a.loan_contract_no
            and a.principal
            and a.interest_paid is not None
            and a.period_start
            and a.period_end
        ):
            add("loan_contract_no", LOAN_FIELDS_REQUIRED)
        elif a.period_end < a.period_start:
            add("period_end", PERIOD_ORDER)
    elif rule == Rule.PARK:
        if not application.subject_name:
            add("subject_name", SUBJECT_REQUIRED.format(what=_("园区")))
        if not application.park_stage or not application.certified_on:
            add("park_stage", PARK_FIELDS_REQUIRED)
        elif application.certified_on > (today or date.today()):
            add("certified_on", CERTIFIED_IN_FUTURE)
        elif application.park_stage == ParkStage.FOLLOW_UP:
            first = application.certified_on.year + 1
            last = application.certified_on.year + PARK_FOLLOW_UP_YEARS
            if not first <= application.year <= last:
                add("year", PARK_FOLLOW_UP_WINDOW.format(first=first, last=last, year=application.year))
    elif rule == Rule.LABOUR_BRAND and not application.subject_name:
        add("subject_name", SUBJECT_REQUIRED.format(what=_("劳务品牌")))
    if errors:
        raise ValidationError(errors)


def entity_code_for(job: Employment, given: str = "") -> str:
    """The key of the market entity a startup application is for: the ledger employer's 统一社会信用代码 when it
    has one, else the 统一社会信用代码 or 15-digit 注册号 the clerk copies from the business licence."""
    text = "".join((given or "").split()).upper()
    credit_code = job.employer.credit_code
    if credit_code:
        if text and text != credit_code:
            raise ValidationError(
                ENTITY_CODE_MISMATCH.format(employer=job.employer.name, credit_code=credit_code, value=text)
            )
        return credit_code
    if not text:
        raise ValidationError(ENTITY_CODE_REQUIRED.format(employer=job.employer.name))
    if len(text) == 15 and text.isdigit():
        return text
    try:
        return normalise_credit_code(text)
    except ValidationError:
        raise ValidationError(ENTITY_CODE_INVALID.format(value=text)) from None


def _check_lines(application: Application, lines, add, *, workshop: bool = False) -> None:
    """Each listed worker once, employed by the applicant in the year; in a workshop's claim (seeds/004_… §7),
    employed there as 就业帮扶车间 and a 防止返贫致贫对象 or 继续帮扶对象."""
    if not lines:
        add("lines", LINES_REQUIRED)
        return
    seen = set()
    year = application.year
    for worker, amount in lines:
        if worker.pk in seen:
            add("lines", LINE_DUPLICATE.format(name=worker.name))
            continue
        seen.add(worker.pk)
        if amount is None or amount <= 0:
            add("lines", AMOUNT_POSITIVE)
        jobs = Employment.objects.filter(
            worker=worker, employer=application.employer, start_date__year__lte=year
        ).exclude(end_date__year__lt=year)
        if workshop:
            jobs = jobs.filter(form=EmploymentForm.ASSISTANCE_WORKSHOP)
            if not any(getattr(worker, field) for field in WORKSHOP_TARGET_FIELDS):
                add("lines", WORKSHOP_LINE_NOT_TARGET.format(name=worker.name))
                continue
        if workshop and not jobs.exists():
            add(
                "lines",
                WORKSHOP_LINE_NOT_THERE.format(
                    name=worker.name, year=year, employer=application.employer.name
                ),
            )
        elif not jobs.exists():
            add(
                "lines",
                LINE_NOT_EMPLOYED.format(name=worker.name, year=year, employer=application.employer.name),
            )


def _check_placed(application: Application, lines, add) -> None:
    """就业创业服务补助 (seeds/004_… §9: "对面向防止返贫致贫对象和继续帮扶对象开展有组织劳务输出的人力资源服务机构、
    劳务经纪人，按规定给予就业创业服务补助"): the broker or agency lists the people it placed — each once, a
    防止返贫致贫对象 or 继续帮扶对象, with a job in the ledger starting in the application's year."""
    if not lines:
        add("lines", PLACED_REQUIRED)
        return
    seen = set()
    for worker, amount in lines:
        if worker.pk in seen:
            add("lines", LINE_DUPLICATE.format(name=worker.name))
            continue
        seen.add(worker.pk)
        if amount is None or amount <= 0:
            add("lines", AMOUNT_POSITIVE)
        if not any(getattr(worker, field) for field in WORKSHOP_TARGET_FIELDS):
            add("lines", PLACED_NOT_TARGET.format(name=worker.name))
        elif not Employment.objects.filter(worker=worker, start_date__year=application.year).exists():
            add("lines", PLACED_NO_JOB.format(name=worker.name, year=application.year))


# --- Caps -------------------------------------------------------------------------------------------------


def setting_for(application: Application) -> SubsidyKindYear:
    setting = selectors.kind_year(application.kind, application.year)
    if setting is None:
        raise ValidationError(
            NO_YEAR_SETTING.format(kind=application.kind.name, year=application.year), code="no_cap"
        )
    return setting


def _require(value, application: Application):
    if value is None:
        raise ValidationError(
            NO_CAP_SET.format(kind=application.kind.name, year=application.year), code="no_cap"
        )
    return value


def _others(application: Application):
    return Application.objects.filter(kind=application.kind).exclude(pk=application.pk)


#: How each scope names its cap, after the kind's name.
SCOPE_LABELS = {
    CapScope.PERSON_PLAN: _("每人最高 {cap} 元（方案期内合计）"),
    CapScope.PERSON_YEAR: _("{year}年每人最高 {cap} 元"),
    CapScope.ENTITY_PLAN: _("每个{entity}最高 {cap} 元（方案期内合计）"),
    CapScope.ENTITY_YEAR: _("{year}年每个{entity}最高 {cap} 元"),
    CapScope.SUBJECT_PLAN: _("每个品牌最高 {cap} 元（方案期内合计）"),
    CapScope.SUBJECT_YEAR: _("{year}年每个品牌最高 {cap} 元"),
    CapScope.APPLICANT_PLAN: _("每个对象最高 {cap} 元（方案期内合计）"),
    CapScope.APPLICANT_YEAR: _("{year}年每个对象最高 {cap} 元"),
}


def scope_years(scope: str, year: int) -> tuple[int, ...]:
    """The application years a cap of `scope` sums over: the plan's years, or just the one year (an
    application of a year outside the plan counts in its own year)."""
    if scope.endswith("_plan") and year in PLAN_YEARS:
        return PLAN_YEARS
    return (year,)


def _same_scope(application: Application, scope: str):
    """Other applications of the kind that count against the same cap as `application`."""
    others = _others(application).filter(year__in=scope_years(scope, application.year))
    if scope in (CapScope.PERSON_PLAN, CapScope.PERSON_YEAR):
        return others.filter(worker_id=application.worker_id)
    if scope in (CapScope.ENTITY_PLAN, CapScope.ENTITY_YEAR):
        if application.kind.rule == Rule.WORKSHOP:
            return others.filter(employer_id=application.employer_id)
        # One business is one entity whatever key the licence gave: a 注册号 typed while the ledger's employer
        # had no code, then its 统一社会信用代码 once the ledger has it, both reach the same ledger employer —
        # which is one entity only once it has a code (a code-less employer row may be a generic name).
        same = Q(entity_code=application.entity_code)
        if application.employment_id:
            employer_id = Employment.objects.filter(
                pk=application.employment_id, employer__credit_code__gt=""
            ).values("employer_id")
            same |= Q(employment__employer_id__in=employer_id)
        return others.filter(same)
    if scope in (CapScope.SUBJECT_PLAN, CapScope.SUBJECT_YEAR):
        return others.filter(subject_key=application.subject_key)
    others = others.filter(applicant_type=application.applicant_type)
    if application.applicant_type in UNIT_APPLICANTS:
        return others.filter(employer_id=application.employer_id)
    if application.worker_id:
        return others.filter(worker_id=application.worker_id)
    return others.filter(subject_key=application.subject_key)


def _scoped_check(application: Application, setting: SubsidyKindYear) -> CapCheck:
    cap = _require(setting.cap, application)
    scope = application.kind.cap_scope
    used = selectors.committed_sum(_same_scope(application, scope))
    entity = _("就业帮扶车间") if application.kind.rule == Rule.WORKSHOP else _("市场主体")
    label = application.kind.name + SCOPE_LABELS[scope].format(
        cap=yuan(cap), year=application.year, entity=entity
    )
    return CapCheck(label, cap, used)


def cap_checks(application: Application, setting: SubsidyKindYear) -> list[CapCheck]:
    """The caps on the application's total amount, with what other applications already committed."""
    rule, kind = application.kind.rule, application.kind.name
    others = _others(application)
    checks = []
    if rule in (Rule.STARTUP, Rule.LABOUR_BRAND, Rule.YEARLY_CAP, Rule.WORKSHOP, Rule.SERVICE_AID):
        checks.append(_scoped_check(application, setting))
    elif rule == Rule.LOAN_INTEREST:
        share = _require(setting.interest_share, application)
        interest = application.interest_paid or Decimal("0")
        cap = (interest * share).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        label = _("{kind}为期内实际支付利息 {interest} 元的 {pct}%，即最高 {cap} 元").format(
            kind=kind, interest=yuan(interest), pct=yuan(share * 100), cap=yuan(cap)
        )
        checks.append(CapCheck(label, cap, Decimal("0")))
    elif rule == Rule.PARK:
        same_park = others.filter(subject_key=application.subject_key)
        if application.park_stage == ParkStage.INITIAL:
            cap = _require(setting.cap, application)
            used = selectors.committed_sum(same_park.filter(park_stage=ParkStage.INITIAL))
            label = _("{kind}市级认定一次性补贴每家 {cap} 元（只补一次）").format(kind=kind, cap=yuan(cap))
            checks.append(CapCheck(label, cap, used))
        else:
            cap = _require(setting.follow_up_cap, application)
            used = selectors.committed_sum(same_park.filter(park_stage=ParkStage.FOLLOW_UP))
            label = _("{kind}认定后三年内绩效奖补每家合计最高 {cap} 元").format(kind=kind, cap=yuan(cap))
            checks.append(CapCheck(label, cap, used))
    elif rule == Rule.HIRING:
        _require(setting.cap, application)  # per-worker caps are checked line by line
    if setting.budget is not None:
        used = selectors.committed_sum(others.filter(year=application.year))
        label = _("{kind}{year}年预算 {budget} 元").format(
            kind=kind, year=application.year, budget=yuan(setting.budget)
        )
        checks.append(CapCheck(label, setting.budget, used, budget=True))
    return checks


def caps_enforce(
    application: Application, amount: Decimal, *, setting: SubsidyKindYear | None = None
) -> None:
    """Refuse `amount` for `application` if any cap, the once-a-year rule or the budget would be exceeded.

    Callers hold the kind's row lock (`SubsidyKind … select_for_update`) so the sums are stable.
    """
    setting = setting or setting_for(application)
    rule = application.kind.rule
    if rule == Rule.LOAN_INTEREST:
        _loan_checks(application, setting)
    if rule == Rule.PARK and application.park_stage == ParkStage.INITIAL:
        used = selectors.committed_sum(
            _others(application).filter(subject_key=application.subject_key, park_stage=ParkStage.INITIAL)
        )
        if used > 0:
            raise ValidationError(
                PARK_INITIAL_ONCE.format(park=application.subject_name, used=yuan(used)), code="cap"
            )
    if rule == Rule.HIRING:
        _hiring_checks(application, setting)
    for check in cap_checks(application, setting):
        check.refuse_if_over(amount)


def _loan_checks(application: Application, setting: SubsidyKindYear) -> None:
    kind = application.kind.name
    if application.applicant_type == ApplicantType.EMPLOYER:
        cap = _require(setting.principal_cap_enterprise, application)
        label = _("{kind}小微企业贷款本金最高 {cap} 元").format(kind=kind, cap=yuan(cap))
    else:
        cap = _require(setting.principal_cap_individual, application)
        label = _("{kind}个人贷款本金最高 {cap} 元").format(kind=kind, cap=yuan(cap))
    if application.principal is not None and application.principal > cap:
        raise ValidationError(
            PRINCIPAL_EXCEEDED.format(label=label, principal=yuan(application.principal)), code="cap"
        )
    overlapping = (
        _others(application)
        .filter(
            loan_contract_no=application.loan_contract_no,
            status__in=COMMITTED_STATUSES,
            period_start__lte=application.period_end,
            period_end__gte=application.period_start,
        )
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            LOAN_PERIOD_OVERLAP.format(
                contract=application.loan_contract_no,
                start=overlapping.period_start,
                end=overlapping.period_end,
                number=overlapping.number,
            ),
            code="cap",
        )


def _claim_message(application: Application, claimed, *, pending: bool) -> str:
    """A worker already claimed in the cap's scope: named with the claim, and the scope's once-only rule."""
    from workers.validators import mask_id_number

    values = {
        "name": claimed.worker.name,
        "id_number": mask_id_number(claimed.worker.id_number),
        "year": claimed.application.year,
        "employer": claimed.application.employer.name if claimed.application.employer_id else "",
        "kind": application.kind.name,
        "number": claimed.application.number,
    }
    if len(scope_years(application.kind.cap_scope, application.year)) > 1:
        message = WORKER_CLAIM_PENDING_PLAN if pending else WORKER_CLAIMED_PLAN
        return message.format(first=min(PLAN_YEARS), last=max(PLAN_YEARS), **values)
    return (WORKER_CLAIM_PENDING if pending else WORKER_CLAIMED).format(**values)


def _worker_claims(application: Application, worker_ids, statuses):
    return selectors.worker_claims(
        kind=application.kind,
        years=scope_years(application.kind.cap_scope, application.year),
        worker_ids=worker_ids,
        exclude_application=application.pk,
        statuses=statuses,
    ).order_by("application__year", "id")


def hiring_pending_check(application: Application) -> None:
    """At submission: a worker already listed in another employer's claim under review is refused early."""
    under_review = [s for s in LIVE_STATUSES if s not in (Status.DRAFT, *COMMITTED_STATUSES)]
    claimed = _worker_claims(
        application, application.lines.values_list("worker_id", flat=True), under_review
    ).first()
    if claimed is not None:
        raise ValidationError(_claim_message(application, claimed, pending=True), code="cap")


def _hiring_checks(application: Application, setting: SubsidyKindYear) -> None:
    """Each listed worker at most `cap`, and once in the cap's scope (default: over the plan)."""
    cap = _require(setting.cap, application)
    lines = list(application.lines.select_related("worker"))
    claimed = _worker_claims(application, [line.worker_id for line in lines], COMMITTED_STATUSES).first()
    if claimed is not None:
        raise ValidationError(_claim_message(application, claimed, pending=False), code="cap")
    label = _("{kind}每人最高 {cap} 元").format(kind=application.kind.name, cap=yuan(cap))
    for line in lines:
        CapCheck(f"{label}（{line.worker.name}）", cap, Decimal("0")).refuse_if_over(line.amount)


def remaining(application: Application) -> list[dict]:
    """For the application page: each cap with what is used and left (no locks; display only)."""
    setting = selectors.kind_year(application.kind, application.year)
    if setting is None:
        return [
            {
                "label": NO_YEAR_SETTING.format(kind=application.kind.name, year=application.year),
                "error": True,
            }
        ]
    try:
        checks = cap_checks(application, setting)
    except ValidationError as exc:
        return [{"label": message, "error": True} for message in exc.messages]
    if application.kind.rule == Rule.HIRING:
        checks.insert(
            0,
            CapCheck(
                _("{kind}每人最高 {cap} 元").format(kind=application.kind.name, cap=yuan(setting.cap)),
                setting.cap,
                Decimal("0"),
            ),
        )
    return [
        {
            "label": c.label,
            "cap": c.cap,
            "used": yuan(c.used),
            "left": yuan(c.left),
            "budget": c.budget,
            "error": False,
        }
        for c in checks
    ]
