"""Recording, changing, ending and deleting a job (DESIGN.md §4.2, §4.8; §5 rules shared with the import).

`EmploymentData` is what every door supplies for one job; `employment_check` holds the rules every row
obeys — the date window (2000-01-01 … today; a job before 2025-01-01 is a pre-plan job, accepted with the
warning `employment_warnings` gives, DESIGN.md §4.2), the age rule (≥ 16 at the start of the job), the end date,
income and workplace — and the writes call it too. Each write checks township scoping and the locked quarter,
refuses a second record of the same person, start date and employer, touches the worker so incremental API
clients see it again, and marks the progress of the years it changed as dirty.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import Industry, Township
from targets.scoping import ensure_township_writable
from targets.services import ensure_quarter_open, progress_mark_dirty

from ..models import Employer, Employment, EmploymentForm, Source, Tombstone, Worker, Workplace
from ..validators import age_on
from .employers import employer_resolve
from .registration import township_on

PLAN_START = date(2025, 1, 1)
#: The earliest start date any door accepts: the pre-plan stock goes back this far (issue 19).
EARLIEST_START = date(2000, 1, 1)
_FORMS = frozenset(EmploymentForm.values)
MIN_WORKING_AGE = 16

START_IN_FUTURE = _("就业时间不能晚于今天。")
START_BEFORE_PLAN = _("就业时间不能早于 2025 年 1 月 1 日（三年行动方案起始日）。")  # no longer raised
START_TOO_EARLY = _("就业时间不能早于 2000 年 1 月 1 日，请核对。")
PRE_PLAN_JOB = _(
    "就业时间早于 2025 年 1 月 1 日：作为行动方案实施前已在岗的就业记录保存，计入务工规模，不计入任何年度的新增就业。"
)
UNDER_AGE = _("按身份证号码，此人在就业时间 {start} 未满 16 周岁，请核对就业时间或身份证号码。")
END_BEFORE_START = _("离职时间不能早于就业时间。")
END_IN_FUTURE = _("离职时间不能晚于今天。")
INCOME_NEGATIVE = _("月收入不能为负数。")
WORKPLACE_TOWNSHIP_REQUIRED = _("就业地点为区内时，请选择具体的镇乡街道。")
EMPLOYMENT_DUPLICATE = _("此人在 {start} 于“{employer}”的就业记录已经登记，不能重复登记。")


@dataclass(frozen=True, slots=True)
class EmploymentData:
    """What a form, an import row or an API call supplies for one employment, before it is written."""

    employer_name: str
    industry: Industry
    workplace: str
    workplace_township: Township | None
    form: str
    start_date: date
    end_date: date | None = None
    returnee: bool = False
    channel: str = ""
    monthly_income: Decimal | None = None
    credit_code: str = ""


def employment_check(*, worker_birth_date: date, data: EmploymentData, today: date | None = None) -> None:
    """The date window, the age rule, the end date, income and workplace (all rows of every door)."""
    today = today or timezone.localdate()
    errors: dict[str, list] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if data.start_date > today:
        add("start_date", START_IN_FUTURE)
    elif data.start_date < EARLIEST_START:
        add("start_date", START_TOO_EARLY)
    elif data.start_date < worker_birth_date or age_on(worker_birth_date, data.start_date) < MIN_WORKING_AGE:
        add("start_date", UNDER_AGE.format(start=data.start_date.isoformat()))
    if data.end_date is not None:
        if data.end_date < data.start_date:
            add("end_date", END_BEFORE_START)
        elif data.end_date > today:
            add("end_date", END_IN_FUTURE)
    if data.monthly_income is not None and data.monthly_income < 0:
        add("monthly_income", INCOME_NEGATIVE)
    if data.workplace == Workplace.IN_DISTRICT and data.workplace_township is None:
        add("workplace_township", WORKPLACE_TOWNSHIP_REQUIRED)
    if data.form not in _FORMS:
        add("form", _("就业形式不在可选范围内。"))
    if errors:
        raise ValidationError(errors)


def employment_warnings(data: EmploymentData) -> list[str]:
    """What a door tells the user after accepting a job (warnings never block)."""
    return [str(PRE_PLAN_JOB)] if data.start_date < PLAN_START else []


def _employment_values(data: EmploymentData, employer: Employer) -> dict:
    return {
        "employer": employer,
        "employer_key": employer.name_key,
        "industry": data.industry,
        "workplace": data.workplace,
        "workplace_township": data.workplace_township if data.workplace == Workplace.IN_DISTRICT else None,
        "form": data.form,
        "start_date": data.start_date,
        "end_date": data.end_date,
        "returnee": data.returnee,
        "channel": (data.channel or "").strip(),
        "monthly_income": data.monthly_income,
    }


@transaction.atomic
def employment_record(
    *,
    acting_user,
    worker: Worker,
    data: EmploymentData,
    source: str = Source.FORM,
    import_batch_id: int | None = None,
) -> Employment:
    ensure_township_writable(acting_user, worker.township_id)
    ensure_quarter_open(
        data.start_date, township_id=township_on(worker, data.start_date), acting_user=acting_user
    )
    employment_check(worker_birth_date=worker.birth_date, data=data)
    employer = employer_resolve(name=data.employer_name, credit_code=data.credit_code)
    if Employment.objects.filter(
        worker=worker, start_date=data.start_date, employer_key=employer.name_key
    ).exists():
        raise ValidationError(_duplicate_message(data, employer), code="duplicate")
    employment = Employment(
        worker=worker,
        registration_township_id=township_on(worker, data.start_date),
        source=source,
        import_batch_id=import_batch_id,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        **_employment_values(data, employer),
    )
    try:
        with transaction.atomic():
            employment.save()
    except IntegrityError:
        raise ValidationError(_duplicate_message(data, employer), code="duplicate") from None
    _touch_worker(worker)
    progress_mark_dirty([data.start_date.year])
    return employment


def _duplicate_message(data: EmploymentData, employer: Employer) -> str:
    return EMPLOYMENT_DUPLICATE.format(start=data.start_date.isoformat(), employer=employer.name)


@transaction.atomic
def employment_update(*, acting_user, employment: Employment, data: EmploymentData) -> Employment:
    locked = Employment.objects.select_for_update().select_related("worker").get(pk=employment.pk)
    ensure_township_writable(acting_user, locked.worker.township_id)
    ensure_quarter_open(
        locked.start_date, township_id=locked.registration_township_id, acting_user=acting_user
    )
    ensure_quarter_open(
        data.start_date, township_id=township_on(locked.worker, data.start_date), acting_user=acting_user
    )
    employment_check(worker_birth_date=locked.worker.birth_date, data=data)
    employer = employer_resolve(name=data.employer_name, credit_code=data.credit_code)
    values = _employment_values(data, employer)
    changed = {k: v for k, v in values.items() if getattr(locked, k) != v}
    if not changed:
        return locked
    if (
        Employment.objects.filter(
            worker=locked.worker, start_date=data.start_date, employer_key=employer.name_key
        )
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise ValidationError(_duplicate_message(data, employer), code="duplicate")
    years = {locked.start_date.year, data.start_date.year}
    for key, value in changed.items():
        setattr(locked, key, value)
    if "start_date" in changed:
        locked.registration_township_id = township_on(locked.worker, data.start_date)
    locked.save()
    _touch_worker(locked.worker)
    progress_mark_dirty(sorted(years))
    return locked


@transaction.atomic
def employment_end(*, acting_user, employment: Employment, end_date: date) -> Employment:
    locked = Employment.objects.select_for_update().select_related("worker", "employer").get(pk=employment.pk)
    data = EmploymentData(
        employer_name=locked.employer.name,
        credit_code=locked.employer.credit_code,
        industry=locked.industry,
        workplace=locked.workplace,
        workplace_township=locked.workplace_township,
        form=locked.form,
        start_date=locked.start_date,
        end_date=end_date,
        returnee=locked.returnee,
        channel=locked.channel,
        monthly_income=locked.monthly_income,
    )
    return employment_update(acting_user=acting_user, employment=locked, data=data)


@transaction.atomic
def employment_delete(*, acting_user, employment: Employment) -> None:
    locked = Employment.objects.select_for_update().select_related("worker").get(pk=employment.pk)
    ensure_township_writable(acting_user, locked.worker.township_id)
    ensure_quarter_open(
        locked.start_date, township_id=locked.registration_township_id, acting_user=acting_user
    )
    year = locked.start_date.year
    worker = locked.worker
    # Incremental API clients learn of the deletion from the tombstone (DESIGN.md §6).
    Tombstone.objects.create(
        kind=Tombstone.Kind.EMPLOYMENT,
        object_id=locked.pk,
        township_id=locked.registration_township_id,
        industry_id=locked.industry_id,
        start_year=year,
    )
    locked.delete()
    _touch_worker(worker)
    progress_mark_dirty([year])


def _touch_worker(worker: Worker) -> None:
    # A worker's derived employment status changed: incremental API clients must see the worker again.
    Worker.objects.filter(pk=worker.pk).update(updated_at=timezone.now())
