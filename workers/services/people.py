"""Registering and changing a person in the ledger (DESIGN.md §4.1).

The name and ID number are normalised and checked here for every door; an ID number already in the ledger is
refused with a message that names the person only within the clerk's own township, and otherwise only the
township where the number is registered (THREATS H1). `worker_update` turns a lost update into a conflict
through `expected_version`. Moving a person to another township is not a change of this record but a dated
move (`workers.services.registration.worker_move`, the bureau's job alone).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from targets.models import Township
from targets.scoping import ensure_township_writable

from ..models import CATEGORY_FIELDS, Employment, Household, Worker
from ..names import check_name
from ..validators import id_number_info, normalise_id_number, normalise_phone
from .registration import registration_open

ID_NUMBER_OTHER_TOWNSHIP = _("该公民身份号码已在{township}登记，请联系该镇乡街道经办员。")
ID_NUMBER_ALREADY_REGISTERED = _("该公民身份号码已登记（{name}），请在人员列表中查找并直接添加就业记录。")
ID_NUMBER_OTHER_NAME = _("该公民身份号码已登记，姓名为“{name}”，与填写的姓名不一致，请核对身份证号码和姓名。")
STALE_VERSION = _("该记录已被他人修改（您打开页面后有新的保存），请刷新页面后重新修改。")
TOWNSHIP_CHANGE_BUREAU_ONLY = _("变更户籍所在镇乡街道需由区人力社保局办理。")
TOWNSHIP_CHANGE_BY_MOVE = _(
    "变更户籍所在镇乡街道请办理“户籍迁移”，并填写迁移日期（迁移前的就业仍计入原镇乡街道）。"
)


def worker_check_name(name: object) -> str:
    """The name as stored (`workers.names`: the register's characters), or ValidationError on "name"."""
    try:
        return check_name(name)
    except ValidationError as exc:
        raise ValidationError({"name": exc.error_list}) from None


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
            registration_open(worker=worker, acting_user=acting_user)
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
        raise ValidationError({"township": TOWNSHIP_CHANGE_BY_MOVE})
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
    return locked
