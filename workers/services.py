"""Every write to the ledger (DESIGN.md §4.1–4.2, §4.8; §5 rules shared with the import).

Forms, the admin, the quarterly-return import, the API and commands all call these functions; there is no
second path. Each enforces township scoping for the acting user, the locked-quarter rule, the date window
(2025-01-01 … today), the age rule (≥ 16 at the start of a job) and the same-ID-different-name refusal.
Checks that a form wants to show before saving are exposed as `*_check` functions that the write calls too.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import Industry, Township
from targets.scoping import ensure_township_writable
from targets.services import ensure_quarter_open, progress_mark_dirty

from .models import (
    CATEGORY_FIELDS,
    Employer,
    Employment,
    EmploymentForm,
    Household,
    Source,
    Tombstone,
    Worker,
    Workplace,
)
from .validators import age_on, id_number_info, normalise_credit_code, normalise_id_number, normalise_phone

PLAN_START = date(2025, 1, 1)
_FORMS = frozenset(EmploymentForm.values)
MIN_WORKING_AGE = 16

ID_NUMBER_OTHER_TOWNSHIP = _("该公民身份号码已在{township}登记，请联系该镇乡街道经办员。")
ID_NUMBER_ALREADY_REGISTERED = _("该公民身份号码已登记（{name}），请在人员列表中查找并直接添加就业记录。")
ID_NUMBER_OTHER_NAME = _("该公民身份号码已登记，姓名为“{name}”，与填写的姓名不一致，请核对身份证号码和姓名。")
NAME_REQUIRED = _("请填写姓名。")
NAME_INVALID = _("姓名含有数字或特殊符号，请核对。")
START_IN_FUTURE = _("就业时间不能晚于今天。")
START_BEFORE_PLAN = _("就业时间不能早于 2025 年 1 月 1 日（三年行动方案起始日）。")
UNDER_AGE = _("按身份证号码，此人在就业时间 {start} 未满 16 周岁，请核对就业时间或身份证号码。")
END_BEFORE_START = _("离职时间不能早于就业时间。")
END_IN_FUTURE = _("离职时间不能晚于今天。")
INCOME_NEGATIVE = _("月收入不能为负数。")
WORKPLACE_TOWNSHIP_REQUIRED = _("就业地点为区内时，请选择具体的镇乡街道。")
EMPLOYER_REQUIRED = _("请填写就业单位名称（灵活就业可填“灵活就业”）。")
EMPLOYMENT_DUPLICATE = _("此人在 {start} 于“{employer}”的就业记录已经登记，不能重复登记。")
EMPLOYER_CREDIT_CODE_CONFLICT = _("统一社会信用代码 {code} 已属于单位“{name}”，请核对单位名称或代码。")
EMPLOYER_NAME_CODE_CONFLICT = _(
    "单位“{name}”在台账中的统一社会信用代码为 {existing}，与填写的 {code} 不一致，请核对。"
)
STALE_VERSION = _("该记录已被他人修改（您打开页面后有新的保存），请刷新页面后重新修改。")
TOWNSHIP_CHANGE_BUREAU_ONLY = _("变更户籍所在镇乡街道需由区人力社保局办理。")

_NAME_RE = re.compile(r"^[\u3400-\u9fff\u00b7·A-Za-z\s]{1,50}$")
_EMPLOYER_SPACES = re.compile(r"\s+")


def normalise_name(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    return re.sub(r"\s+", "", text) if re.search(r"[\u3400-\u9fff]", text) else re.sub(r"\s+", " ", text)


def employer_key(name: object) -> str:
    """The normalised employer name of the natural key: NFKC, no spaces, case-folded."""
    return _EMPLOYER_SPACES.sub("", unicodedata.normalize("NFKC", str(name or ""))).casefold()


# --- Workers --------------------------------------------------------------------------------------------


def worker_check_name(name: object) -> str:
    name = normalise_name(name)
    if not name:
        raise ValidationError({"name": NAME_REQUIRED})
    if not _NAME_RE.match(name):
        raise ValidationError({"name": NAME_INVALID})
    return name


def worker_check_new_id(*, id_number: str, township: Township | None, exclude_pk: int | None = None) -> None:
    """The ID number is not yet in the ledger; if it is, say in which township (never the person's details)."""
    existing = (
        Worker.objects.filter(id_number=id_number).exclude(pk=exclude_pk).select_related("township").first()
    )
    if existing is not None:
        raise ValidationError(_id_taken_message(existing, township), code="id_taken")


def _id_taken_message(existing: Worker, township: Township | None) -> str:
    """Within the township the clerk may see the name; for another township only the township's name."""
    if township is not None and existing.township_id == township.pk:
        return ID_NUMBER_ALREADY_REGISTERED.format(name=existing.name)
    return ID_NUMBER_OTHER_TOWNSHIP.format(township=existing.township.name)


def _category_flags(categories) -> dict[str, bool]:
    chosen = {str(c) for c in categories or ()}
    return {field: str(category) in chosen for category, field in CATEGORY_FIELDS.items()}


@transaction.atomic
def worker_register(
    *,
    acting_user,
    id_number: str,
    name: str,
    township: Township,
    phone: str = "",
    village: str = "",
    household: Household | None = None,
    categories=(),
    labour_capacity: str = Worker.LabourCapacity.FULL,
    skill_level: str = Worker.SkillLevel.NONE,
    training_wish: str = "",
    job_intention: str = "",
) -> Worker:
    ensure_township_writable(acting_user, township)
    errors = {}
    try:
        id_number = normalise_id_number(id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    try:
        name = worker_check_name(name)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        phone = normalise_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    existing = Worker.objects.filter(id_number=id_number).select_related("township").first()
    if existing is not None:
        raise ValidationError(
            {"id_number": ValidationError(_id_taken_message(existing, township), code="id_taken")}
        )
    info = id_number_info(id_number)
    worker = Worker(
        id_number=id_number,
        name=name,
        sex=info.sex,
        birth_date=info.birth_date,
        phone=phone,
        township=township,
        village=(village or "").strip(),
        household=household,
        labour_capacity=labour_capacity,
        skill_level=skill_level,
        training_wish=training_wish,
        job_intention=job_intention,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        **_category_flags(categories),
    )
    try:
        with transaction.atomic():
            worker.save()
    except IntegrityError:
        # Another clerk registered the same number between our check and our insert (THREATS H1).
        existing = Worker.objects.filter(id_number=id_number).select_related("township").first()
        if existing is None:
            raise
        raise ValidationError(
            {"id_number": ValidationError(_id_taken_message(existing, township), code="id_taken")}
        ) from None
    return worker


_UPDATABLE = {
    "name",
    "phone",
    "village",
    "household",
    "labour_capacity",
    "skill_level",
    "training_wish",
    "job_intention",
    "id_number",
    "township",
}


@transaction.atomic
def worker_update(
    *, acting_user, worker: Worker, expected_version: int | None = None, categories=None, **fields
):
    """Change a worker. `expected_version` (from the form the user opened) turns a lost update into a conflict."""
    from targets.models import Role
    from targets.scoping import scope_for

    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise TypeError(f"worker_update got unexpected fields: {sorted(unknown)}")
    locked = Worker.objects.select_for_update().get(pk=worker.pk)
    ensure_township_writable(acting_user, locked.township)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(STALE_VERSION, code="stale")
    if "township" in fields and fields["township"].pk != locked.township_id:
        if scope_for(acting_user).role != Role.BUREAU:
            raise ValidationError({"township": TOWNSHIP_CHANGE_BUREAU_ONLY})
        ensure_township_writable(acting_user, fields["township"])
    if "name" in fields:
        fields["name"] = worker_check_name(fields["name"])
    if "phone" in fields:
        fields["phone"] = normalise_phone(fields["phone"])
    if "id_number" in fields:
        fields["id_number"] = normalise_id_number(fields["id_number"])
        if fields["id_number"] != locked.id_number:
            try:
                worker_check_new_id(
                    id_number=fields["id_number"], township=locked.township, exclude_pk=locked.pk
                )
            except ValidationError as exc:
                raise ValidationError({"id_number": exc.error_list}) from None
            info = id_number_info(fields["id_number"])
            fields["sex"], fields["birth_date"] = info.sex, info.birth_date
    if categories is not None:
        fields.update(_category_flags(categories))
    changed = {k: v for k, v in fields.items() if getattr(locked, k) != v}
    if not changed:
        return locked
    for key, value in changed.items():
        setattr(locked, key, value)
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db()
    # Employment records of the API embed the worker (name, phone, township, categories): an
    # employments-only client must receive them again.
    Employment.objects.filter(worker=locked).update(updated_at=locked.updated_at)
    if "township" in changed:
        progress_mark_dirty(sorted(set(locked.employments.values_list("start_date__year", flat=True))))
    return locked


# --- Employers ------------------------------------------------------------------------------------------


def employer_resolve(*, name: str, credit_code: str = "") -> Employer:
    """Find or create the employer: by credit code when given, else by normalised name."""
    name = unicodedata.normalize("NFKC", str(name or "")).strip()
    key = employer_key(name)
    if not key:
        raise ValidationError({"employer": EMPLOYER_REQUIRED})
    code = normalise_credit_code(credit_code) if credit_code else ""
    if code:
        by_code = Employer.objects.filter(credit_code=code).first()
        if by_code is not None:
            if by_code.name_key != key:
                raise ValidationError(
                    {"credit_code": EMPLOYER_CREDIT_CODE_CONFLICT.format(code=code, name=by_code.name)}
                )
            return by_code
    employer = Employer.objects.filter(name_key=key).first()
    if employer is not None and code and employer.credit_code and employer.credit_code != code:
        raise ValidationError(
            {
                "credit_code": EMPLOYER_NAME_CODE_CONFLICT.format(
                    name=employer.name, existing=employer.credit_code, code=code
                )
            }
        )
    if employer is None:
        employer, _created = Employer.objects.get_or_create(
            name_key=key, defaults={"name": name, "credit_code": code}
        )
    elif code and not employer.credit_code:
        employer.credit_code = code
        employer.save(update_fields=["credit_code"])
    return employer


# --- Employments ----------------------------------------------------------------------------------------


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
    elif data.start_date < PLAN_START:
        add("start_date", START_BEFORE_PLAN)
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
    ensure_quarter_open(data.start_date)
    employment_check(worker_birth_date=worker.birth_date, data=data)
    employer = employer_resolve(name=data.employer_name, credit_code=data.credit_code)
    if Employment.objects.filter(
        worker=worker, start_date=data.start_date, employer_key=employer.name_key
    ).exists():
        raise ValidationError(_duplicate_message(data, employer), code="duplicate")
    employment = Employment(
        worker=worker,
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
    ensure_quarter_open(locked.start_date)
    ensure_quarter_open(data.start_date)
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
    ensure_quarter_open(locked.start_date)
    year = locked.start_date.year
    worker = locked.worker
    # Incremental API clients learn of the deletion from the tombstone (DESIGN.md §6).
    Tombstone.objects.create(
        kind=Tombstone.Kind.EMPLOYMENT,
        object_id=locked.pk,
        township_id=worker.township_id,
        industry_id=locked.industry_id,
        start_year=year,
    )
    locked.delete()
    _touch_worker(worker)
    progress_mark_dirty([year])


def _touch_worker(worker: Worker) -> None:
    # A worker's derived employment status changed: incremental API clients must see the worker again.
    Worker.objects.filter(pk=worker.pk).update(updated_at=timezone.now())
