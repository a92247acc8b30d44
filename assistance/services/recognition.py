"""Recognising a person as 特困人员, 残疾人 (with the grade) or 就业困难人员, and the district's yearly standard of
就业困难人员 (issue 20, item 4).

City document §十二: "结合实际合理确定就业困难人员认定标准，将符合就业困难人员条件的防止返贫致贫对象和继续帮扶对象
纳入就业援助范围" — the district sets the standard (bureau staff, per year, `difficulty_standard_set`); a
recognition of 就业困难人员 is made against the standard of its year, and none can be made for a year without one.
§十四 names 特困人员 and 重度残疾人 (grade 1–2) for the pension premium the government pays.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.scoping import ensure_township_writable
from workers.models import Worker

from ..models import DifficultyStandard, Recognition, RecognitionKind
from ._common import _ensure_bureau, _locked_worker, _not_future, _text

RECOGNITION_KIND_INVALID = _("认定类别只能是特困人员、残疾人或就业困难人员。")
GRADE_REQUIRED = _("残疾人须填写残疾等级（一级至四级，一级、二级为重度残疾）。")
GRADE_NOT_FOR_KIND = _("只有残疾人填写残疾等级。")
BASIS_REQUIRED = _("请填写认定依据（如特困供养证号、残疾人证号或就业困难人员认定文书）。")
NO_STANDARD = _("{year}年的就业困难人员认定标准尚未设定，请区人力社保局先设定当年标准。")
ALREADY_RECOGNISED = _("此人已认定为{kind}（{day} 起），如需变更请先终止原认定。")
RECOGNITION_ENDED = _("该认定已于 {day} 终止。")
END_BEFORE_START = _("终止日期不能早于认定日期（{day}）。")
STANDARD_YEAR_INVALID = _("年度应在 2025 至 2027 年之间。")
STANDARD_TEXT_REQUIRED = _("请填写认定标准的内容。")


@transaction.atomic
def difficulty_standard_set(*, acting_user, year: int, text: str) -> DifficultyStandard:
    """Set (or replace) the district's standard of 就业困难人员 for `year`; bureau staff only."""
    _ensure_bureau(acting_user)
    if not 2025 <= int(year) <= 2027:
        raise ValidationError({"year": STANDARD_YEAR_INVALID})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": STANDARD_TEXT_REQUIRED})
    standard, _created = DifficultyStandard.objects.update_or_create(
        year=year,
        defaults={"text": text, "set_by": acting_user if getattr(acting_user, "pk", None) else None},
    )
    return standard


@transaction.atomic
def recognition_record(
    *,
    acting_user,
    worker: Worker,
    kind: str,
    recognised_on: date,
    basis: str,
    disability_grade: int | None = None,
) -> Recognition:
    """Record that `worker` is recognised as `kind` from `recognised_on`; the acting user is who recognised."""
    worker = _locked_worker(worker)
    ensure_township_writable(acting_user, worker.township_id)
    if kind not in RecognitionKind.values:
        raise ValidationError({"kind": RECOGNITION_KIND_INVALID})
    if kind == RecognitionKind.DISABILITY:
        if disability_grade not in (1, 2, 3, 4):
            raise ValidationError({"disability_grade": GRADE_REQUIRED})
    elif disability_grade:
        raise ValidationError({"disability_grade": GRADE_NOT_FOR_KIND})
    else:
        disability_grade = None
    basis = _text(basis, label=_("认定依据"), max_length=200, field="basis")
    if not basis:
        raise ValidationError({"basis": BASIS_REQUIRED})
    _not_future(recognised_on, label=_("认定日期"), field="recognised_on")
    standard = None
    if kind == RecognitionKind.EMPLOYMENT_DIFFICULTY:
        standard = DifficultyStandard.objects.filter(year=recognised_on.year).first()
        if standard is None:
            raise ValidationError({"recognised_on": NO_STANDARD.format(year=recognised_on.year)})
    current = Recognition.objects.filter(worker=worker, kind=kind, ended_on__isnull=True).first()
    if current is not None:
        raise ValidationError(ALREADY_RECOGNISED.format(kind=current.label, day=current.recognised_on))
    return Recognition.objects.create(
        worker=worker,
        kind=kind,
        disability_grade=disability_grade,
        recognised_on=recognised_on,
        basis=basis,
        standard=standard,
        recognised_by=acting_user if getattr(acting_user, "pk", None) else None,
    )


@transaction.atomic
def recognition_end(*, acting_user, recognition: Recognition, ended_on: date) -> Recognition:
    """End a recognition (the person no longer meets it); the row stays as history."""
    locked = Recognition.objects.select_for_update().select_related("worker").get(pk=recognition.pk)
    ensure_township_writable(acting_user, locked.worker.township_id)
    if locked.ended_on is not None:
        raise ValidationError(RECOGNITION_ENDED.format(day=locked.ended_on))
    _not_future(ended_on, label=_("终止日期"), field="ended_on")
    if ended_on < locked.recognised_on:
        raise ValidationError({"ended_on": END_BEFORE_START.format(day=locked.recognised_on)})
    locked.ended_on = ended_on
    locked.save(update_fields=["ended_on"])
    return locked
