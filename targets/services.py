"""Writes of reference data, roles and staff users.

`reference_data_load` is idempotent: a second run changes nothing, and a target that bureau staff edited is
never overwritten (targets are only created where missing; 2026 and 2027 start as copies of 2025).
"""

import csv
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import (
    Industry,
    IndustryTarget,
    KeyTaskIndicator,
    KeyTaskTarget,
    PlanYear,
    Role,
    StaffAssignment,
    Township,
    TownshipTarget,
)
from .roles import ROLE_GROUPS, ROLE_PERMISSIONS
from .scoping import forget_scope
from .selectors import industry_resolve, township_resolve

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
BASE_YEAR = 2025

UNKNOWN_TOWNSHIP = _("找不到镇乡街道“{value}”，请填写名称或 9 位（12 位）区划代码。")
UNKNOWN_INDUSTRY = _("找不到行业“{value}”，请填写附件2中的行业名称或行业代码。")
CLERK_NEEDS_TOWNSHIP = _("经办员账号必须用 --township 指定所属镇乡街道。")
INDUSTRY_NEEDS_INDUSTRY = _("行业主管部门账号必须用 --industry 指定至少一个行业。")


@dataclass
class LoadSummary:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, created: bool) -> None:
        self.created[what] = self.created.get(what, 0) + int(created)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


@transaction.atomic
def reference_data_load(*, fixtures_dir: Path = FIXTURES_DIR) -> LoadSummary:
    summary = LoadSummary()
    plan = json.loads((fixtures_dir / "plan.json").read_text(encoding="utf-8"))

    for row in _read_csv(fixtures_dir / "townships.csv"):
        township, created = Township.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "former_code": row["former_code"],
                "in_plan": bool(row["annual_target_2025"]),
            },
        )
        summary.add("townships", created)

    for row in _read_csv(fixtures_dir / "industries.csv"):
        industry, created = Industry.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "lead_department": row["lead_department"],
                "gb_sections": row["gb4754_sections"],
                "gb_divisions": row["gb4754_divisions"],
                "note": row["note"],
                "in_plan": bool(row["annual_target_2025"]),
            },
        )
        summary.add("industries", created)

    townships = {t.code: t for t in Township.objects.all()}
    industries = {i.code: i for i in Industry.objects.all()}
    township_base = {
        row["code"]: int(row["annual_target_2025"])
        for row in _read_csv(fixtures_dir / "townships.csv")
        if row["annual_target_2025"]
    }
    industry_base = {
        row["code"]: int(row["annual_target_2025"])
        for row in _read_csv(fixtures_dir / "industries.csv")
        if row["annual_target_2025"]
    }

    indicators = {}
    for order, item in enumerate(plan["key_tasks"], start=1):
        indicator, created = KeyTaskIndicator.objects.get_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "task": item["task"],
                "unit": item["unit"],
                "kind": item["kind"],
                "sort_order": order,
            },
        )
        if created and item.get("industries"):
            indicator.industries.set([industries[code] for code in item["industries"]])
        indicators[item["code"]] = (indicator, Decimal(str(item["target"])))
        summary.add("key_task_indicators", created)

    for item in plan["plan_years"]:
        plan_year, created = PlanYear.objects.get_or_create(
            year=item["year"],
            defaults={"nearby_goal": item["nearby_goal"], "returnee_goal": item["returnee_goal"]},
        )
        summary.add("plan_years", created)
        # Later years start as copies of the base year as it stands now (staff may have edited it).
        source = _base_year_targets(plan_year.year, township_base, industry_base)
        for code, target in source["townships"].items():
            _, created = TownshipTarget.objects.get_or_create(
                plan_year=plan_year, township=townships[code], defaults={"target": target}
            )
            summary.add("township_targets", created)
        for code, target in source["industries"].items():
            _, created = IndustryTarget.objects.get_or_create(
                plan_year=plan_year, industry=industries[code], defaults={"target": target}
            )
            summary.add("industry_targets", created)
        for indicator, target in indicators.values():
            _, created = KeyTaskTarget.objects.get_or_create(
                plan_year=plan_year, indicator=indicator, defaults={"target": target}
            )
            summary.add("key_task_targets", created)

    roles_sync()
    for loader in _EXTRA_LOADERS:
        loader(summary)
    return summary


# Apps that build on `targets` (subsidy kinds…) register their own reference data here, so
# `load_reference_data` loads everything without `targets` importing them.
_EXTRA_LOADERS: list = []


def reference_loader(func):
    _EXTRA_LOADERS.append(func)
    return func


def _base_year_targets(year: int, township_base: dict, industry_base: dict) -> dict:
    if year == BASE_YEAR:
        return {"townships": township_base, "industries": industry_base}
    base_townships = dict(
        TownshipTarget.objects.filter(plan_year_id=BASE_YEAR).values_list("township__code", "target")
    )
    base_industries = dict(
        IndustryTarget.objects.filter(plan_year_id=BASE_YEAR).values_list("industry__code", "target")
    )
    return {
        "townships": base_townships or township_base,
        "industries": base_industries or industry_base,
    }


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def roles_sync() -> None:
    """Create the four role groups and give each exactly its permissions (those whose models exist)."""
    for role, group_name in ROLE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        wanted = []
        for dotted in ROLE_PERMISSIONS[role]:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)


@transaction.atomic
def staff_user_save(
    *,
    username: str,
    role: str,
    township: str | None = None,
    industries: list[str] | None = None,
    password: str | None = None,
    must_change_password: bool = False,
):
    """Create or update a staff user bound to its role and scope. Raises ValidationError (Chinese).
    `must_change_password`: the user must set their own password at the next login (`create_user`)."""
    if role not in Role.values:
        raise ValidationError(
            _("未知角色“{role}”，可选：clerk、bureau、industry、reviewer。").format(role=role)
        )
    township_obj = None
    if township:
        township_obj = township_resolve(township)
        if township_obj is None:
            raise ValidationError(UNKNOWN_TOWNSHIP.format(value=township))
    if role == Role.CLERK and township_obj is None:
        raise ValidationError(CLERK_NEEDS_TOWNSHIP)
    industry_objs = []
    for value in industries or []:
        industry = industry_resolve(value)
        if industry is None:
            raise ValidationError(UNKNOWN_INDUSTRY.format(value=value))
        industry_objs.append(industry)
    if role == Role.INDUSTRY and not industry_objs:
        raise ValidationError(INDUSTRY_NEEDS_INDUSTRY)

    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
    user.is_staff = True
    user.is_active = True
    if password:
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()

    roles_sync()
    user.groups.set([Group.objects.get(name=ROLE_GROUPS[role])])
    assignment, _created = StaffAssignment.objects.update_or_create(
        user=user,
        defaults={
            "role": role,
            "township": township_obj if role == Role.CLERK else None,
            "must_change_password": must_change_password,
        },
    )
    assignment.industries.set(industry_objs if role == Role.INDUSTRY else [])
    forget_scope(user)
    return user


# --- Locked quarters (DESIGN.md §4.8) -----------------------------------------------------------------

QUARTER_LOCKED = _(
    "{year}年第{quarter}季度已锁定（数据已审定），不能新增、修改或删除该季度开始的就业记录。如需更正请联系区人力社保局解锁。"
)
QUARTER_NOT_CLOSED = _("{year}年第{quarter}季度尚未结束，不能锁定。")
QUARTER_ALREADY_LOCKED = _("{year}年第{quarter}季度已经锁定。")
QUARTER_NOT_LOCKED = _("{year}年第{quarter}季度未锁定。")
UNLOCK_NEEDS_REASON = _("解锁必须填写原因。")
ONLY_BUREAU = _("只有区人力社保局工作人员可以执行此操作。")


def quarter_of(day) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int):
    import calendar
    from datetime import date

    month = quarter * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def _open_for(acting_user, today):
    """(township id, year, quarter) of the unlock exceptions that let `acting_user` write today."""
    from .models import QuarterUnlockException

    if not getattr(acting_user, "pk", None):
        return set()
    return set(
        QuarterUnlockException.objects.filter(
            clerk_id=acting_user.pk, closed_at__isnull=True, until__gte=today
        ).values_list("township_id", "year", "quarter")
    )


def locked_quarters(*, township_ids=(), acting_user=None) -> set[tuple[int, int]]:
    """The (year, quarter)s frozen for jobs counted in any of `township_ids`: the district's locks and those
    townships' own (issue 23), less the quarters an active unlock exception opens for `acting_user`."""
    from django.utils import timezone

    from .models import QuarterLock

    township_ids = {t for t in township_ids if t}
    district = set(QuarterLock.objects.filter(township__isnull=True).values_list("year", "quarter"))
    own = set(
        QuarterLock.objects.filter(township_id__in=township_ids).values_list("township_id", "year", "quarter")
    )
    if own:
        own -= _open_for(acting_user, timezone.localdate())
    return district | {(year, quarter) for _t, year, quarter in own}


def ensure_quarter_open(day, *, township_id=None, acting_user=None) -> None:
    """Raise ValidationError when `day` falls in a quarter locked for the district, or for `township_id`
    (the township the job counts in) unless an active unlock exception opens it for `acting_user`."""
    from django.utils import timezone

    from .models import QuarterLock

    year, quarter = quarter_of(day)
    if QuarterLock.objects.filter(year=year, quarter=quarter, township__isnull=True).exists():
        raise ValidationError(QUARTER_LOCKED.format(year=year, quarter=quarter), code="quarter_locked")
    township_locked = (
        township_id
        and QuarterLock.objects.filter(year=year, quarter=quarter, township_id=township_id).exists()
    )
    if township_locked and (township_id, year, quarter) not in _open_for(acting_user, timezone.localdate()):
        raise ValidationError(QUARTER_LOCKED.format(year=year, quarter=quarter), code="quarter_locked")


def _ensure_bureau(acting_user) -> None:
    from .scoping import scope_for

    if scope_for(acting_user).role != Role.BUREAU:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(ONLY_BUREAU)


@transaction.atomic
def quarter_lock(*, acting_user, year: int, quarter: int, reason: str = "", township=None):
    """Lock a closed quarter for the district, or (issue 23: approval of a submission) for one township."""
    from django.utils import timezone

    from .models import QuarterLock, QuarterLockEvent

    _ensure_bureau(acting_user)
    if quarter_end(year, quarter) >= timezone.localdate():
        raise ValidationError(QUARTER_NOT_CLOSED.format(year=year, quarter=quarter))
    if QuarterLock.objects.filter(year=year, quarter=quarter, township=township).exists():
        raise ValidationError(QUARTER_ALREADY_LOCKED.format(year=year, quarter=quarter))
    lock = QuarterLock.objects.create(
        year=year, quarter=quarter, township=township, locked_by=acting_user, reason=reason
    )
    QuarterLockEvent.objects.create(
        township=township,
        year=year,
        quarter=quarter,
        action=QuarterLockEvent.Action.LOCK,
        reason=reason or "-",
        user=acting_user,
    )
    return lock


@transaction.atomic
def quarter_unlock(*, acting_user, year: int, quarter: int, reason: str, township=None) -> None:
    from .models import QuarterLock, QuarterLockEvent

    _ensure_bureau(acting_user)
    if not (reason or "").strip():
        raise ValidationError(UNLOCK_NEEDS_REASON)
    deleted, _rows = QuarterLock.objects.filter(year=year, quarter=quarter, township=township).delete()
    if not deleted:
        raise ValidationError(QUARTER_NOT_LOCKED.format(year=year, quarter=quarter))
    QuarterLockEvent.objects.create(
        township=township,
        year=year,
        quarter=quarter,
        action=QuarterLockEvent.Action.UNLOCK,
        reason=reason.strip(),
        user=acting_user,
    )


EXCEPTION_NEEDS_LOCK = _("{township}{year}年第{quarter}季度未锁定，无需临时开放。")
EXCEPTION_NEEDS_CLERK = _("临时开放只能给{township}的经办员。")
EXCEPTION_UNTIL_PAST = _("开放截止日期不能早于今天。")
EXCEPTION_ALREADY_OPEN = _("{township}{year}年第{quarter}季度已有未关闭的临时开放（至{until}）。")


@transaction.atomic
def quarter_exception_grant(*, acting_user, township, year: int, quarter: int, clerk, until, reason: str):
    """Open a township's locked quarter for one named clerk until a date, with a reason (issue 23, item 4)."""
    from django.utils import timezone

    from .models import QuarterLock, QuarterLockEvent, QuarterUnlockException, StaffAssignment

    _ensure_bureau(acting_user)
    if not (reason or "").strip():
        raise ValidationError(UNLOCK_NEEDS_REASON)
    if not QuarterLock.objects.filter(year=year, quarter=quarter, township=township).exists():
        raise ValidationError(EXCEPTION_NEEDS_LOCK.format(township=township, year=year, quarter=quarter))
    if not StaffAssignment.objects.filter(user=clerk, role=Role.CLERK, township=township).exists():
        raise ValidationError(EXCEPTION_NEEDS_CLERK.format(township=township))
    if until < timezone.localdate():
        raise ValidationError(EXCEPTION_UNTIL_PAST)
    current = QuarterUnlockException.objects.filter(
        township=township, year=year, quarter=quarter, closed_at__isnull=True
    ).first()
    if current is not None:
        raise ValidationError(
            EXCEPTION_ALREADY_OPEN.format(township=township, year=year, quarter=quarter, until=current.until)
        )
    exception = QuarterUnlockException.objects.create(
        township=township,
        year=year,
        quarter=quarter,
        clerk=clerk,
        until=until,
        reason=reason.strip(),
        granted_by=acting_user,
    )
    QuarterLockEvent.objects.create(
        township=township,
        year=year,
        quarter=quarter,
        action=QuarterLockEvent.Action.OPEN,
        reason=f"{clerk.get_username()} 至 {until.isoformat()}：{reason.strip()}"[:200],
        user=acting_user,
    )
    return exception


@transaction.atomic
def quarter_exceptions_close(*, today=None) -> list[int]:
    """Close every unlock exception whose date has passed (run by beat); returns the ids closed. Idempotent:
    a closed exception is never closed twice."""
    from django.utils import timezone

    from .models import QuarterLockEvent, QuarterUnlockException

    today = today or timezone.localdate()
    expired = list(
        QuarterUnlockException.objects.select_for_update().filter(closed_at__isnull=True, until__lt=today)
    )
    now = timezone.now()
    for exception in expired:
        exception.closed_at = now
        exception.save(update_fields=["closed_at"])
        QuarterLockEvent.objects.create(
            township_id=exception.township_id,
            year=exception.year,
            quarter=exception.quarter,
            action=QuarterLockEvent.Action.CLOSE,
            reason=f"开放至{exception.until.isoformat()}，已到期",
            user_id=exception.granted_by_id,
        )
    return [e.pk for e in expired]


# --- Progress outbox (DESIGN.md §7) ---------------------------------------------------------------------

PROGRESS_COALESCE_SECONDS = 2


class _PendingRecompute:
    """The one on-commit callback of a transaction that changed employments; collects the dirty years."""

    def __init__(self):
        self.years: set[int] = set()
        self.__qualname__ = "progress_mark_dirty.enqueue"  # robust on_commit logs failures by this name

    def __call__(self):
        from .models import ProgressDirtyYear
        from .tasks import progress_sweep

        # Marked again now that the change is visible: a sweep that ran while this transaction was open may
        # have taken the year's row (committed by another transaction) and counted without this change; the
        # row written inside the transaction then found that row and added nothing (bench/deadline.py lost
        # two of 49 concurrent returns that way until the nightly recompute).
        ProgressDirtyYear.objects.bulk_create(
            [ProgressDirtyYear(year=y) for y in sorted(self.years)], ignore_conflicts=True
        )
        # Fails softly when the broker is down (robust on_commit): the outbox rows stay for beat's sweep.
        progress_sweep.apply_async(countdown=PROGRESS_COALESCE_SECONDS, retry=False)


def progress_mark_dirty(years) -> None:
    """Mark years for recompute: an outbox row in the current transaction and, once per transaction, a
    sweep task enqueued after commit. A 50,000-row import therefore enqueues one task, not 50,000."""
    from django.db import connection

    from .models import ProgressDirtyYear

    # A year's snapshot also holds the cumulative figures of the plan years up to it: a change in one year
    # changes every later plan year's snapshot too.
    plan_last = max(PlanYear.objects.values_list("year", flat=True), default=None)
    years = {int(y) for y in years}
    if years and plan_last is not None:
        years |= set(range(min(years) + 1, plan_last + 1))

    pending = None
    for _sids, func, _robust in connection.run_on_commit:
        if isinstance(func, _PendingRecompute):
            pending = func
            break
    new_years = years - (pending.years if pending else set())
    if new_years:
        ProgressDirtyYear.objects.bulk_create(
            [ProgressDirtyYear(year=y) for y in sorted(new_years)], ignore_conflicts=True
        )
    if pending is None:
        pending = _PendingRecompute()
        transaction.on_commit(pending, robust=True)
    pending.years |= new_years
