"""Data-quality checks of a township's quarter (issue 23, item 2), listed in one place: `RULES`.

Each rule is a named function over the jobs counted in the township in the quarter (the township of
registration on the start date, DESIGN.md §4.1) and returns findings, each naming the records it concerns.
Thresholds and severities are settings (`REPORTING_QUALITY` in wanzhou_jobs/settings.py): an error blocks a
submission, a warning needs the clerk's acknowledgement with a note.

Seed (万州人社发〔2025〕64号, 三、保障措施): "依托人力资源信息库系统和渝悦就业平台，加强返乡回流人员数字监测" — figures the
city system takes are only as good as the ledger; these checks catch what a clerk's eye misses.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, F
from django.utils.translation import gettext_lazy as _

from targets.services import quarter_end
from workers.models import Employment, EmploymentForm, Source, Worker
from workers.selectors import nearby_employment_by_month

QUARTER_JUMP = _(
    "本季度新增就近就业{current}人，是上季度（{previous}人）的{ratio}倍，超过{limit}倍，请核实。"
)
EMPLOYER_DAY_HIRES = _("{employer}在{day}一天录入{count}人就业，超过{limit}人，请核实是否重复或批量误录。")
SHORT_JOBS = _("{count}条就业记录在开始后{days}天内结束，请核实。")
AGE_AT_START = _("{count}人就业时年龄不在{low}至{high}周岁之间，请核实出生日期和就业时间。")
CROSS_TOWNSHIP = _(
    "{name}（出生日期{birth}）与{township}登记的一人姓名、出生日期相同而公民身份号码不同，可能是号码录错。"
)
FLEXIBLE_SHARE = _("灵活就业且无就业单位的记录{count}条，占本季度{total}条的{share}%，超过{limit}%，请核实。")
WEEKEND_SHARE = _(
    "{count}条就业记录（占{share}%）的就业时间是周六、周日或法定节假日，超过{limit}%，请核实是否批量填写。"
)
INCOME_OUTLIER = _(
    "{count}条就业记录的月收入不在本镇街当年中位数{median}元的1/{ratio}至{ratio}倍之间，请核实是否多填或少填了位数。"
)
FORM_VS_RETURN = _(
    "{name}在{employer}的就业，页面录入与季度报表导入的{fields}不一致，请核实哪一条正确并删除另一条。"
)

#: Employer names that mean "no employer" (DESIGN.md §5: for 灵活就业 the employer column may say 灵活就业).
NO_EMPLOYER_NAMES = ("灵活就业", "无", "个人", "自由职业", "")


@dataclass
class Finding:
    message: str
    worker_ids: list[int] = field(default_factory=list)
    employment_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    township_id: int
    year: int
    quarter: int

    @property
    def first_day(self) -> date:
        return date(self.year, self.quarter * 3 - 2, 1)

    @property
    def last_day(self) -> date:
        return quarter_end(self.year, self.quarter)

    def jobs(self):
        return Employment.objects.filter(
            registration_township_id=self.township_id, start_date__range=(self.first_day, self.last_day)
        )


def threshold(rule: str) -> dict:
    """The rule's settings: severity and thresholds (wanzhou_jobs/settings.py REPORTING_QUALITY)."""
    return settings.REPORTING_QUALITY[rule]


def _quarter_count(township_id: int, year: int, quarter: int) -> int:
    months = range(quarter * 3 - 2, quarter * 3 + 1)
    counts = nearby_employment_by_month(
        year=year, as_of=quarter_end(year, quarter), township_ids=[township_id]
    )
    return sum(n for (_t, _i, m), n in counts.items() if m in months)


def quarter_jump(scope: Scope, limits: dict) -> list[Finding]:
    """New nearby employment (rule 4.3) of the quarter over the previous quarter's, above `ratio` times
    (only when the previous quarter had at least `min_base`: a jump from 1 to 4 is no signal)."""
    year, quarter = (scope.year, scope.quarter - 1) if scope.quarter > 1 else (scope.year - 1, 4)
    previous = _quarter_count(scope.township_id, year, quarter)
    current = _quarter_count(scope.township_id, scope.year, scope.quarter)
    if previous < limits["min_base"] or current <= limits["ratio"] * previous:
        return []
    message = QUARTER_JUMP.format(
        current=current, previous=previous, ratio=round(current / previous, 1), limit=limits["ratio"]
    )
    return [Finding(message=str(message))]


def employer_day_hires(scope: Scope, limits: dict) -> list[Finding]:
    """More than `max_hires` jobs with one employer starting on one day (灵活就业 has no real employer)."""
    groups = (
        scope.jobs()
        .exclude(form=EmploymentForm.FLEXIBLE)
        .values("employer_id", "employer__name", "start_date")
        .annotate(n=Count("id"))
        .filter(n__gt=limits["max_hires"])
        .order_by("start_date", "employer__name")
    )
    findings = []
    for group in groups:
        jobs = scope.jobs().filter(employer_id=group["employer_id"], start_date=group["start_date"])
        message = EMPLOYER_DAY_HIRES.format(
            employer=group["employer__name"],
            day=group["start_date"].isoformat(),
            count=group["n"],
            limit=limits["max_hires"],
        )
        findings.append(
            Finding(
                message=str(message),
                worker_ids=sorted(set(jobs.values_list("worker_id", flat=True))),
                employment_ids=sorted(jobs.values_list("id", flat=True)),
            )
        )
    return findings


def short_jobs(scope: Scope, limits: dict) -> list[Finding]:
    """Jobs that end within `days` days of their start."""
    jobs = scope.jobs().filter(
        end_date__isnull=False, end_date__lte=F("start_date") + timedelta(days=limits["days"])
    )
    rows = list(jobs.order_by("start_date", "id").values_list("id", "worker_id"))
    if not rows:
        return []
    message = SHORT_JOBS.format(count=len(rows), days=limits["days"])
    return [Finding(str(message), sorted({w for _j, w in rows}), [j for j, _w in rows])]


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_at_start(scope: Scope, limits: dict) -> list[Finding]:
    """People younger than `min_age` or older than `max_age` on the start date of a job."""
    low, high = limits["min_age"], limits["max_age"]
    rows = [
        (job_id, worker_id)
        for job_id, worker_id, start, birth in scope.jobs()
        .order_by("start_date", "id")
        .values_list("id", "worker_id", "start_date", "worker__birth_date")
        if not low <= _age_on(birth, start) <= high
    ]
    if not rows:
        return []
    workers = sorted({w for _j, w in rows})
    message = AGE_AT_START.format(count=len(workers), low=low, high=high)
    return [Finding(str(message), workers, [j for j, _w in rows])]


def cross_township_duplicates(scope: Scope, limits: dict) -> list[Finding]:
    """People of the quarter's jobs whose name and birth date another township's person shares under
    another ID number — often one person entered twice with a typo in the number."""
    people = Worker.objects.filter(pk__in=scope.jobs().values("worker_id")).values_list(
        "id", "name", "birth_date", "id_number"
    )
    people = list(people)
    if not people:
        return []
    others = defaultdict(list)
    for other in (
        Worker.objects.filter(name__in={p[1] for p in people}, birth_date__in={p[2] for p in people})
        .exclude(township_id=scope.township_id)
        .select_related("township")
    ):
        others[(other.name, other.birth_date)].append(other)
    findings = []
    for worker_id, name, birth, id_number in sorted(people, key=lambda p: p[0]):
        for other in others.get((name, birth), []):
            if other.id_number != id_number:
                message = CROSS_TOWNSHIP.format(
                    name=name, birth=birth.isoformat(), township=other.township.name
                )
                findings.append(Finding(str(message), [worker_id, other.pk]))
    return findings


def flexible_without_employer(scope: Scope, limits: dict) -> list[Finding]:
    """A share of 灵活就业 jobs without an employer above `max_share` (with at least `min_jobs` jobs)."""
    total = scope.jobs().count()
    if total < limits["min_jobs"]:
        return []
    flexible = scope.jobs().filter(form=EmploymentForm.FLEXIBLE, employer__name__in=NO_EMPLOYER_NAMES)
    count = flexible.count()
    share = count / total
    if share <= limits["max_share"]:
        return []
    message = FLEXIBLE_SHARE.format(
        count=count, total=total, share=round(share * 100, 1), limit=round(limits["max_share"] * 100, 1)
    )
    rows = list(flexible.order_by("id").values_list("id", "worker_id"))
    return [Finding(str(message), sorted({w for _j, w in rows}), [j for j, _w in rows])]


#: 全国年节及纪念日放假办法 (2024 revision, in force from 2025): the statutory days off that fall on fixed
#: dates — 元旦 (1 January), 劳动节 (1–2 May), 国庆节 (1–3 October) — and 春节 (除夕 and 正月初一至初三),
#: given here by year for the plan. `settings.REPORTING_HOLIDAYS` adds the days the State Council's yearly
#: notice moves (清明, 端午, 中秋 and the bridged days).
_SPRING_FESTIVAL = {2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6)}


def is_holiday(day: date) -> bool:
    if (day.month, day.day) in {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}:
        return True
    new_year = _SPRING_FESTIVAL.get(day.year)
    if new_year is not None and -1 <= (day - new_year).days <= 2:
        return True
    return day.isoformat() in set(getattr(settings, "REPORTING_HOLIDAYS", ()))


def weekend_starts(scope: Scope, limits: dict) -> list[Finding]:
    """A share of start dates on Saturdays, Sundays and statutory holidays above `max_share` (with at least
    `min_jobs` jobs): a return filled in bulk with one made-up date."""
    rows = list(scope.jobs().order_by("id").values_list("id", "worker_id", "start_date"))
    if len(rows) < limits["min_jobs"]:
        return []
    weekend = [(j, w) for j, w, d in rows if d.weekday() >= 5 or is_holiday(d)]
    share = len(weekend) / len(rows)
    if share <= limits["max_share"]:
        return []
    message = WEEKEND_SHARE.format(
        count=len(weekend), share=round(share * 100, 1), limit=round(limits["max_share"] * 100, 1)
    )
    return [Finding(str(message), sorted({w for _j, w in weekend}), [j for j, _w in weekend])]


def income_outliers(scope: Scope, limits: dict) -> list[Finding]:
    """Monthly incomes of the quarter's jobs more than `ratio` times above, or below 1/`ratio` of, the median
    income of the township's jobs of the year (with at least `min_jobs` incomes to take a median from):
    typically a figure typed with a digit too many or too few."""
    year_jobs = Employment.objects.filter(
        registration_township_id=scope.township_id,
        start_date__range=(date(scope.year, 1, 1), scope.last_day),
        monthly_income__isnull=False,
        monthly_income__gt=0,
    )
    incomes = list(year_jobs.values_list("monthly_income", flat=True))
    if len(incomes) < limits["min_jobs"]:
        return []
    median = statistics.median(incomes)
    ratio = limits["ratio"]
    rows = [
        (job_id, worker_id)
        for job_id, worker_id, income in scope.jobs()
        .filter(monthly_income__isnull=False, monthly_income__gt=0)
        .order_by("start_date", "id")
        .values_list("id", "worker_id", "monthly_income")
        if income > median * ratio or income * ratio < median
    ]
    if not rows:
        return []
    message = INCOME_OUTLIER.format(count=len(rows), median=f"{median:.0f}", ratio=ratio)
    return [Finding(str(message), sorted({w for _j, w in rows}), [j for j, _w in rows])]


_COMPARED = {
    "start_date": _("就业时间"),
    "industry_id": _("行业"),
    "monthly_income": _("月收入"),
    "form": _("就业形式"),
}


def form_vs_return(scope: Scope, limits: dict) -> list[Finding]:
    """The same person's job at the same employer entered both in a browser form and by a quarterly return,
    with differing values (start date, industry, income, form): one of the two is wrong, and the person is
    counted once either way (rule 4.3), so the figure hides it."""
    jobs = list(
        scope.jobs()
        .filter(source__in=(Source.FORM, Source.IMPORT))
        .order_by("worker_id", "employer_key", "id")
        .values("id", "worker_id", "worker__name", "employer_key", "employer__name", "source", *_COMPARED)
    )
    pairs = defaultdict(lambda: {Source.FORM: [], Source.IMPORT: []})
    for job in jobs:
        pairs[(job["worker_id"], job["employer_key"])][job["source"]].append(job)
    findings = []
    for (worker_id, _key), by_source in pairs.items():
        for typed in by_source[Source.FORM]:
            for imported in by_source[Source.IMPORT]:
                differing = [str(label) for f, label in _COMPARED.items() if typed[f] != imported[f]]
                if differing:
                    message = FORM_VS_RETURN.format(
                        name=typed["worker__name"],
                        employer=typed["employer__name"],
                        fields="、".join(differing),
                    )
                    findings.append(Finding(str(message), [worker_id], [typed["id"], imported["id"]]))
    return findings


#: The rules, in the order the page lists them: code → (name shown to users, function).
RULES = {
    "quarter_jump": (_("季度环比激增"), quarter_jump),
    "employer_day_hires": (_("同一单位同日大量录用"), employer_day_hires),
    "short_jobs": (_("就业不足7天即结束"), short_jobs),
    "age_at_start": (_("就业年龄异常"), age_at_start),
    "cross_township_duplicates": (_("跨镇街疑似重复登记"), cross_township_duplicates),
    "flexible_without_employer": (_("无单位灵活就业占比过高"), flexible_without_employer),
    "weekend_starts": (_("就业时间集中在周末或节假日"), weekend_starts),
    "income_outliers": (_("月收入明显偏离本镇街水平"), income_outliers),
    "form_vs_return": (_("页面录入与报表导入不一致"), form_vs_return),
}


def rule_name(code: str) -> str:
    return str(RULES[code][0]) if code in RULES else code


def quality_findings(scope: Scope) -> list[tuple[str, str, Finding]]:
    """Every rule over the scope: (rule code, severity, finding)."""
    out = []
    for code, (_name, check) in RULES.items():
        limits = threshold(code)
        for finding in check(scope, limits):
            out.append((code, limits["severity"], finding))
    return out
