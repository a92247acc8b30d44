"""Recruitment events (招聘活动, issue 9): one row per event with its counts of employers, posts offered,
attendees and hires. A district event is the bureau's and a township event its clerks', as for courses; no
count may be negative and the hires may not outnumber the attendees.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.models import Township

from ..models import RecruitmentEvent
from ._common import DATE_IN_FUTURE, _ensure_course_township, _text, _today

EVENT_MODE_INVALID = _("请选择线上或线下。")
HIRES_EXCEED_ATTENDEES = _("达成就业意向人数不能多于参会人数。")
COUNT_NEGATIVE = _("{label}不能为负数。")


@transaction.atomic
def event_record(
    *,
    acting_user,
    name: str,
    date: date,
    mode: str,
    organiser: str,
    township: Township | None,
    employers: int = 0,
    posts_offered: int = 0,
    attendees: int = 0,
    hires: int = 0,
) -> RecruitmentEvent:
    _ensure_course_township(acting_user, township)
    errors: dict[str, list] = {}
    try:
        name = _text(name, label=_("活动名称"), max_length=120, required=True, field="name")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        organiser = _text(organiser, label=_("主办单位"), max_length=120, required=True, field="organiser")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if mode not in RecruitmentEvent.Mode.values:
        errors.setdefault("mode", []).append(EVENT_MODE_INVALID)
    for field, value, label in (
        ("employers", employers, _("参会单位数")),
        ("posts_offered", posts_offered, _("提供岗位数")),
        ("attendees", attendees, _("参会人数")),
        ("hires", hires, _("达成就业意向人数")),
    ):
        if value is None or value < 0:
            errors.setdefault(field, []).append(COUNT_NEGATIVE.format(label=label))
    if not errors and hires > attendees:
        errors.setdefault("hires", []).append(HIRES_EXCEED_ATTENDEES)
    if date > _today():
        errors.setdefault("date", []).append(DATE_IN_FUTURE.format(label=_("活动日期")))
    if errors:
        raise ValidationError(errors)
    return RecruitmentEvent.objects.create(
        name=name,
        date=date,
        mode=mode,
        organiser=organiser,
        township=township,
        employers=employers,
        posts_offered=posts_offered,
        attendees=attendees,
        hires=hires,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
