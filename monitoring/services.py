"""Taking in the monitoring list (issue 26, item 1): upload, check, confirm, apply.

Seed (004 §二(二)): "依托全国防止返贫监测和衔接推进乡村振兴信息系统……动态更新防止返贫致贫对象和继续帮扶对象……信息。
强化进出管理机制，对新增防止返贫致贫对象，及时开展精准就业帮扶；对已消除风险的……按程序规范有序退出帮扶范围".

The file is read by `wanzhou_jobs.spreadsheets` (bounded, no formulas, header found in the first rows, columns
by name with the usual office wordings) and checked as a whole, as a quarterly return is (DESIGN.md §5): any
error and nothing is stored, every error is reported by row and column. A clean file is kept as a *pending*
snapshot; bureau staff see on a confirmation page who will be enrolled and who exited, and only then is it
applied, in one transaction, after the same checks run again against the ledger of that moment:

* households (户编号) are created or updated (township, village, head);
* people not in the ledger are registered to the list's township, with no job;
* people on the list with no open enrolment are enrolled (entry date = the list's date, the category of the
  list); an open enrolment of another category takes the list's category;
* people on the previous applied list who are not on this one are exited with reason 其他 and the note
  "监测名单移出" (`assistance.services.enrolment_exit`), dated the list's date.

A 5,000-person list is written in bulk (a handful of statements, `wanzhou_jobs.bulk`); enrolment applies the
rules of `assistance.services.enrolment_enter` (one open enrolment, entry after the last exit, category, not in
the future) with its messages, checked for every row before anything is written.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from assistance.models import Enrolment, EnrolmentCategory, ExitReason
from assistance.services import CATEGORY_INVALID, ENTRY_BEFORE_LAST_EXIT, enrolment_exit
from targets.audit import audit_event_on_commit
from targets.models import Role
from targets.scoping import scope_for
from targets.selectors import township_lookup, township_resolve
from targets.services import progress_mark_dirty
from wanzhou_jobs.bulk import bulk_insert, filter_in
from wanzhou_jobs.spreadsheets import SpreadsheetError, clean_text, read_rows
from workers.models import (
    CATEGORY_FIELDS,
    REGISTERED_SINCE_UNKNOWN,
    Employment,
    Household,
    RegistrationPeriod,
    Worker,
)
from workers.names import check_name
from workers.services import ID_NUMBER_OTHER_NAME
from workers.validators import id_number_info, normalise_id_number

from .models import MonitoringEntry, MonitoringList

MAX_ROWS = 100_000
EXIT_NOTE = "监测名单移出"
ENTRY_REASON = "监测名单纳入（{date} 名单）"

H_HOUSEHOLD = "户编号"
H_HEAD = "户主姓名"
H_NAME = "姓名"
H_ID = "公民身份号码"
H_RELATION = "与户主关系"
H_CATEGORY = "人员类别"
H_CAPACITY = "劳动能力"
H_TOWNSHIP = "户籍所在镇乡街道"
H_VILLAGE = "户籍所在村（社区）"
H_WORKING = "是否务工"
REQUIRED = [H_HOUSEHOLD, H_NAME, H_ID, H_CATEGORY, H_TOWNSHIP]
OPTIONAL = [H_HEAD, H_RELATION, H_CAPACITY, H_VILLAGE, H_WORKING]
ALL_HEADERS = [
    H_HOUSEHOLD, H_HEAD, H_NAME, H_ID, H_RELATION, H_CATEGORY, H_CAPACITY, H_TOWNSHIP, H_VILLAGE, H_WORKING,
]  # fmt: skip
#: The wordings of the monitoring system's export and of offices (DESIGN.md §5 for the shared ones).
HEADER_ALIASES = {
    H_HOUSEHOLD: ("户码", "户编码", "家庭户编号", "户号"),
    H_HEAD: ("户主",),
    H_NAME: ("成员姓名", "人员姓名"),
    H_ID: ("身份证号", "身份证号码", "公民身份证号码", "证件号码"),
    H_RELATION: ("与户主的关系",),
    H_CATEGORY: ("监测对象类别", "帮扶类别", "对象类别", "人员类型"),
    H_CAPACITY: ("劳动技能", "劳动力状况"),
    H_TOWNSHIP: ("户籍地", "户籍所在乡镇（街道）", "所属镇街", "乡镇（街道）", "镇（乡、街道）"),
    H_VILLAGE: ("所在村（社区）", "村（社区）", "行政村"),
    H_WORKING: ("务工状态", "就业状态", "务工情况"),
}

#: The monitoring system's subtypes of 监测对象 are 防止返贫致贫对象 (004 §二(一)).
_CATEGORIES = {value: value for value in EnrolmentCategory.values} | {
    "监测对象": EnrolmentCategory.MONITORED,
    "脱贫不稳定户": EnrolmentCategory.MONITORED,
    "边缘易致贫户": EnrolmentCategory.MONITORED,
    "突发严重困难户": EnrolmentCategory.MONITORED,
}
_CAPACITY = {
    "有劳动能力": Worker.LabourCapacity.FULL,
    "普通劳动力": Worker.LabourCapacity.FULL,
    "技能劳动力": Worker.LabourCapacity.FULL,
    "劳动力": Worker.LabourCapacity.FULL,
    "弱劳动能力": Worker.LabourCapacity.WEAK,
    "弱劳动力": Worker.LabourCapacity.WEAK,
    "半劳动力": Worker.LabourCapacity.WEAK,
    "弱劳动力或半劳动力": Worker.LabourCapacity.WEAK,
    "无劳动能力": Worker.LabourCapacity.NONE,
    "无劳动力": Worker.LabourCapacity.NONE,
    "丧失劳动力": Worker.LabourCapacity.NONE,
    "丧失劳动能力": Worker.LabourCapacity.NONE,
}
_WORKING = {"是": True, "务工": True, "已务工": True, "就业": True, "已就业": True}
_WORKING |= {"否": False, "未务工": False, "未就业": False, "失业": False}

ONLY_BUREAU = _("监测名单由区人力社保局工作人员导入。")
EMPTY = _("文件中没有数据行。")
LIST_DATE_FUTURE = _("名单日期不能晚于今天。")
LIST_DATE_NOT_AFTER = _("名单日期须晚于已导入的最近一份名单（{date}）。")
LIST_NOT_PENDING = _("这份名单已经处理过（{status}），不能再次确认。")
LEDGER_CHANGED = _("名单上传后台账已有变化，这份名单不能导入，请重新上传：{errors}")
VALUE_REQUIRED = _("请填写{header}。")
ID_TWICE = _("与第 {other} 行是同一人（公民身份号码相同），同一人只能出现一次。")
HOUSEHOLD_TWO_TOWNSHIPS = _("户编号 {number} 在第 {other} 行属于{township}，同一户只能属于一个镇乡街道。")
TOWNSHIP_UNKNOWN = _("镇乡街道“{value}”无法识别，请填写万州区镇乡街道名称或区划代码。")
CAPACITY_UNKNOWN = _("劳动能力“{value}”无法识别，请填写有劳动能力、弱劳动能力或无劳动能力（或留空）。")
WORKING_UNKNOWN = _("是否务工“{value}”无法识别，请填写是或否（或留空）。")
TOO_LONG = _("{header}不能超过 {n} 个字。")
TOWNSHIP_DIFFERS = _(
    "第 {row} 行：台账中此人户籍在{ledger}，名单为{listed}；台账未变更（户籍迁移请另行办理）。"
)
ENTERED_AFTER_LIST = _("{name}（{id}）于 {entry} 纳入帮扶，晚于名单日期，未按名单移出。")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class UploadResult:
    file_name: str
    snapshot: MonitoringList | None = None
    rows_total: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Checked:
    """An entry's values, a lookup of the ledger's people and what applying it will do."""

    entries: list[dict]
    workers: dict[str, Worker]  # id number → the ledger's person
    errors: list[RowError]
    warnings: list[str]


def _ensure_bureau(acting_user) -> None:
    scope = scope_for(acting_user)
    if scope.role != Role.BUREAU or not scope.can_write:
        raise PermissionDenied(ONLY_BUREAU)


def _last_applied() -> MonitoringList | None:
    return MonitoringList.objects.filter(status=MonitoringList.Status.APPLIED).order_by("-list_date").first()


def _check_list_date(list_date: date) -> None:
    if list_date > timezone.localdate():
        raise ValidationError({"list_date": LIST_DATE_FUTURE})
    last = _last_applied()
    if last is not None and list_date <= last.list_date:
        raise ValidationError({"list_date": LIST_DATE_NOT_AFTER.format(date=last.list_date)})


def _text(row, header: str, errors: list[RowError], n: int) -> str:
    value = clean_text(row.values.get(header))
    if len(value) > n:
        errors.append(RowError(row.number, header, str(TOO_LONG.format(header=header, n=n))))
        return ""
    return value


def _parse_rows(rows) -> tuple[list[dict], list[RowError]]:
    """Each row's values, cleaned and checked one by one (no database but the township table)."""
    townships = township_lookup()
    errors: list[RowError] = []
    entries = []
    for row in rows:
        found = len(errors)
        entry = {"row_number": row.number}
        for header, key, n in ((H_HOUSEHOLD, "household_number", 32), (H_NAME, "name", 50)):
            entry[key] = _text(row, header, errors, n)
            if not entry[key] and len(errors) == found:
                errors.append(RowError(row.number, header, str(VALUE_REQUIRED.format(header=header))))
        entry["head_name"] = _text(row, H_HEAD, errors, 50)
        entry["relation"] = _text(row, H_RELATION, errors, 20)
        entry["village"] = _text(row, H_VILLAGE, errors, 50)
        if entry["name"]:
            try:
                entry["name"] = check_name(entry["name"])
            except ValidationError as exc:
                errors.append(RowError(row.number, H_NAME, "；".join(exc.messages)))
        try:
            entry["id_number"] = normalise_id_number(clean_text(row.values.get(H_ID)))
        except ValidationError as exc:
            errors.append(RowError(row.number, H_ID, "；".join(exc.messages)))
        category = _CATEGORIES.get(clean_text(row.values.get(H_CATEGORY)))
        if category is None:
            errors.append(RowError(row.number, H_CATEGORY, str(CATEGORY_INVALID)))
        entry["category"] = category
        raw = clean_text(row.values.get(H_TOWNSHIP))
        entry["township"] = township_resolve(raw, townships)
        if entry["township"] is None:
            message = (
                VALUE_REQUIRED.format(header=H_TOWNSHIP)
                if not raw
                else TOWNSHIP_UNKNOWN.format(value=raw[:20])
            )
            errors.append(RowError(row.number, H_TOWNSHIP, str(message)))
        raw = clean_text(row.values.get(H_CAPACITY))
        entry["labour_capacity"] = _CAPACITY.get(raw, "") if raw else ""
        if raw and not entry["labour_capacity"]:
            errors.append(RowError(row.number, H_CAPACITY, str(CAPACITY_UNKNOWN.format(value=raw[:20]))))
        raw = clean_text(row.values.get(H_WORKING))
        entry["list_working"] = _WORKING.get(raw) if raw else None
        if raw and entry["list_working"] is None:
            errors.append(RowError(row.number, H_WORKING, str(WORKING_UNKNOWN.format(value=raw[:20]))))
        if len(errors) == found:
            entries.append(entry)
    return entries, errors


def _check(entries: list[dict], *, list_date: date) -> _Checked:
    """The checks across rows and against the ledger; every error by row, nothing written."""
    errors: list[RowError] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    households: dict[str, dict] = {}
    for entry in entries:
        number = entry["row_number"]
        other = seen.setdefault(entry["id_number"], number)
        if other != number:
            errors.append(RowError(number, H_ID, str(ID_TWICE.format(other=other))))
        first = households.setdefault(entry["household_number"], entry)
        if first["township"] != entry["township"]:
            message = HOUSEHOLD_TWO_TOWNSHIPS.format(
                number=entry["household_number"], other=first["row_number"], township=first["township"].name
            )
            errors.append(RowError(number, H_TOWNSHIP, str(message)))
    workers = {
        w.id_number: w
        for w in filter_in(
            Worker.objects.select_related("township"), "id_number", [e["id_number"] for e in entries]
        )
    }
    last_exits = {}
    for worker_id, exit_date in (
        Enrolment.objects.filter(worker__in=[w.pk for w in workers.values()], exit_date__gte=list_date)
        .values_list("worker_id", "exit_date")
        .order_by("exit_date")
    ):
        last_exits[worker_id] = exit_date
    open_ids = set(
        Enrolment.objects.filter(
            worker__in=[w.pk for w in workers.values()], exit_date__isnull=True
        ).values_list("worker_id", flat=True)
    )
    for entry in entries:
        worker = workers.get(entry["id_number"])
        if worker is None:
            continue
        number = entry["row_number"]
        if worker.name != entry["name"]:
            errors.append(RowError(number, H_NAME, str(ID_NUMBER_OTHER_NAME.format(name=worker.name))))
        if worker.pk not in open_ids and worker.pk in last_exits:
            errors.append(
                RowError(number, H_ID, str(ENTRY_BEFORE_LAST_EXIT.format(exit=last_exits[worker.pk])))
            )
        if worker.township_id != entry["township"].pk:
            warnings.append(
                str(
                    TOWNSHIP_DIFFERS.format(
                        row=number, ledger=worker.township.name, listed=entry["township"].name
                    )
                )
            )
    errors.sort(key=lambda e: e.row)
    return _Checked(entries=entries, workers=workers, errors=errors, warnings=warnings)


def monitoring_list_upload(*, acting_user, file_obj, file_name: str, list_date: date) -> UploadResult:
    """Read and check a monitoring-list file; if it is clean keep it as a pending snapshot (nothing applied)."""
    _ensure_bureau(acting_user)
    _check_list_date(list_date)
    result = UploadResult(file_name=file_name)
    digest = hashlib.sha256()
    file_obj.seek(0)
    for chunk in iter(lambda: file_obj.read(1 << 20), b""):
        digest.update(chunk)
    file_obj.seek(0)
    try:
        sheet = read_rows(
            file_obj, required=REQUIRED, optional=OPTIONAL, aliases=HEADER_ALIASES, max_rows=MAX_ROWS
        )
    except SpreadsheetError as exc:
        result.errors.append(RowError(0, "", "；".join(exc.messages)))
        return result
    result.rows_total = len(sheet.rows)
    result.warnings = list(sheet.warnings)
    if not sheet.rows:
        result.errors.append(RowError(0, "", str(EMPTY)))
        return result
    entries, errors = _parse_rows(sheet.rows)
    checked = _check(entries, list_date=list_date)
    result.errors = sorted(errors + checked.errors, key=lambda e: e.row)
    result.warnings += checked.warnings
    if result.errors:
        return result
    with transaction.atomic():
        snapshot = MonitoringList.objects.create(
            list_date=list_date,
            file_name=file_name[:255],
            file_sha256=digest.hexdigest(),
            rows_total=len(entries),
            warnings=result.warnings[:200],
            uploaded_by=acting_user,
        )
        bulk_insert(MonitoringEntry, _ENTRY_COLUMNS, [_entry_row(snapshot.pk, e) for e in entries])
    result.snapshot = snapshot
    return result


_ENTRY_COLUMNS = [
    "snapshot_id",
    "row_number",
    "household_number",
    "head_name",
    "name",
    "id_number",
    "relation",
    "category",
    "labour_capacity",
    "list_working",
    "township_id",
    "village",
]


def _entry_row(snapshot_id: int, e: dict) -> tuple:
    return (
        snapshot_id,
        e["row_number"],
        e["household_number"],
        e["head_name"],
        e["name"],
        e["id_number"],
        e["relation"],
        e["category"],
        e["labour_capacity"],
        e["list_working"],
        e["township"].pk,
        e["village"],
    )


def _stored_entries(snapshot: MonitoringList) -> list[dict]:
    rows = MonitoringEntry.objects.filter(snapshot=snapshot).select_related("township").order_by("row_number")
    return [
        {key: getattr(row, key) for key in ("row_number", "household_number", "head_name", "name", "id_number",
                                             "relation", "category", "labour_capacity", "list_working",
                                             "township", "village")}
        for row in rows
    ]  # fmt: skip


@dataclass
class ApplyPlan:
    """What confirming a pending snapshot will do, for the confirmation page and for the write."""

    new_people: list[dict]  # entries whose person is not in the ledger
    enrol: list[dict]  # entries to enrol (no open enrolment)
    recategorise: list[tuple[Enrolment, str]]
    exits: list[Enrolment]  # open enrolments of people gone from the list
    kept: list[Enrolment]  # open enrolments of people gone but entered after the list's date
    checked: _Checked


def monitoring_list_plan(*, snapshot: MonitoringList) -> ApplyPlan:
    """Who the snapshot enrols, who it exits (people of the previous applied list not on this one)."""
    checked = _check(_stored_entries(snapshot), list_date=snapshot.list_date)
    worker_ids = {w.pk for w in checked.workers.values()}
    open_by_worker = {
        e.worker_id: e
        for e in filter_in(
            Enrolment.objects.filter(exit_date__isnull=True).select_related("worker"), "worker_id", worker_ids
        )
    }
    new_people, enrol, recategorise = [], [], []
    for entry in checked.entries:
        worker = checked.workers.get(entry["id_number"])
        if worker is None:
            new_people.append(entry)
            enrol.append(entry)
            continue
        current = open_by_worker.get(worker.pk)
        if current is None:
            enrol.append(entry)
        elif current.category != entry["category"]:
            recategorise.append((current, entry["category"]))
    previous = (
        MonitoringList.objects.filter(status=MonitoringList.Status.APPLIED, list_date__lt=snapshot.list_date)
        .order_by("-list_date")
        .first()
    )
    exits, kept = [], []
    if previous is not None:
        listed = {e["id_number"] for e in checked.entries}
        gone = (
            Enrolment.objects.filter(
                exit_date__isnull=True,
                worker__monitoring_entries__snapshot=previous,
            )
            .exclude(worker__id_number__in=listed)
            .select_related("worker")
            .order_by("worker__township__code", "worker__name", "pk")
        )
        for enrolment in gone:
            (kept if enrolment.entry_date > snapshot.list_date else exits).append(enrolment)
    return ApplyPlan(new_people, enrol, recategorise, exits, kept, checked)


@transaction.atomic
def monitoring_list_apply(*, acting_user, snapshot: MonitoringList) -> MonitoringList:
    """Apply a pending snapshot (the confirmation page's button): all of it or, on any error, nothing."""
    _ensure_bureau(acting_user)
    locked = MonitoringList.objects.select_for_update().get(pk=snapshot.pk)
    if locked.status != MonitoringList.Status.PENDING:
        raise ValidationError(LIST_NOT_PENDING.format(status=locked.get_status_display()), code="not_pending")
    _check_list_date(locked.list_date)
    plan = monitoring_list_plan(snapshot=locked)
    if plan.checked.errors:
        shown = "；".join(f"第 {e.row} 行 {e.column}：{e.message}" for e in plan.checked.errors[:10])
        raise ValidationError(LEDGER_CHANGED.format(errors=shown), code="ledger_changed")
    now = timezone.now()
    creator_id = acting_user.pk if getattr(acting_user, "pk", None) else None
    entries = plan.checked.entries

    households, created, updated = _households_save(entries, now)
    _people_register(plan.new_people, households, creator_id)
    workers = {
        w.id_number: w
        for w in filter_in(Worker.objects.all(), "id_number", [e["id_number"] for e in entries])
    }
    _people_update(entries, workers, households, plan.new_people, now)

    day = locked.list_date
    reason = ENTRY_REASON.format(date=day.isoformat())
    bulk_insert(
        Enrolment,
        ["worker_id", "category", "entry_date", "entry_reason", "created_by_id"],
        [(workers[e["id_number"]].pk, e["category"], day, reason, creator_id) for e in plan.enrol],
    )
    for enrolment, category in plan.recategorise:
        enrolment.category = category
    Enrolment.objects.bulk_update(
        [e for e, _c in plan.recategorise], ["category", "updated_at"], batch_size=2000
    )
    for enrolment in plan.exits:
        enrolment_exit(
            acting_user=acting_user,
            enrolment=enrolment,
            exit_date=day,
            exit_reason=ExitReason.MONITORING_REMOVED,
            exit_note=EXIT_NOTE,
        )
    MonitoringEntry.objects.filter(snapshot=locked).update(
        worker_id=Subquery(Worker.objects.filter(id_number=OuterRef("id_number")).values("pk")[:1])
    )
    locked.status = MonitoringList.Status.APPLIED
    locked.applied_by = acting_user
    locked.applied_at = now
    locked.enrolled = len(plan.enrol)
    locked.exited = len(plan.exits)
    locked.registered = len(plan.new_people)
    locked.households_new = created
    locked.households_updated = updated
    locked.category_changed = len(plan.recategorise)
    locked.warnings = (locked.warnings + [
        str(ENTERED_AFTER_LIST.format(name=e.worker.name, id=e.worker.masked_id_number, entry=e.entry_date))
        for e in plan.kept
    ])[:200]  # fmt: skip
    locked.save()
    # Category flags count in rule 4.6 (脱贫人口 in work) from the plan's first year on.
    progress_mark_dirty(sorted({max(day.year, 2025), timezone.localdate().year}))
    audit_event_on_commit(
        "monitoring_list_applied",
        obj=locked,
        actor=acting_user,
        detail={"list_date": day.isoformat(), "enrolled": locked.enrolled, "exited": locked.exited,
                "registered": locked.registered},
    )  # fmt: skip
    return locked


@transaction.atomic
def monitoring_list_discard(*, acting_user, snapshot: MonitoringList) -> MonitoringList:
    _ensure_bureau(acting_user)
    locked = MonitoringList.objects.select_for_update().get(pk=snapshot.pk)
    if locked.status != MonitoringList.Status.PENDING:
        raise ValidationError(LIST_NOT_PENDING.format(status=locked.get_status_display()), code="not_pending")
    locked.status = MonitoringList.Status.DISCARDED
    locked.save(update_fields=["status"])
    return locked


def _households_save(entries: list[dict], now) -> tuple[dict[str, Household], int, int]:
    """Households of the list by number, created where missing and updated where the list differs."""
    wanted: dict[str, dict] = {}
    for entry in entries:
        data = wanted.setdefault(
            entry["household_number"],
            {"township": entry["township"], "village": entry["village"], "head_name": entry["head_name"]},
        )
        if entry["head_name"] and not data["head_name"]:
            data["head_name"] = entry["head_name"]
        if entry["village"] and not data["village"]:
            data["village"] = entry["village"]
    found = {h.number: h for h in filter_in(Household.objects.all(), "number", wanted)}
    missing = [
        Household(number=n, township=d["township"], village=d["village"], head_name=d["head_name"])
        for n, d in wanted.items()
        if n not in found
    ]
    Household.objects.bulk_create(missing, batch_size=2000)
    changed = []
    for number, household in found.items():
        d = wanted[number]
        new = (d["township"].pk, d["village"] or household.village, d["head_name"] or household.head_name)
        if (household.township_id, household.village, household.head_name) != new:
            household.township_id, household.village, household.head_name = new
            household.updated_at = now
            changed.append(household)
    Household.objects.bulk_update(
        changed, ["township", "village", "head_name", "updated_at"], batch_size=2000
    )
    if missing:
        found.update(
            {h.number: h for h in filter_in(Household.objects.all(), "number", [m.number for m in missing])}
        )
    return found, len(missing), len(changed)


_WORKER_COLUMNS = [
    "id_number",
    "name",
    "sex",
    "birth_date",
    "township_id",
    "village",
    "household_id",
    "labour_capacity",
    "created_by_id",
    *CATEGORY_FIELDS.values(),
]


def _people_register(entries: list[dict], households: dict[str, Household], creator_id) -> None:
    """People not yet in the ledger, registered to the list's township with no job (one COPY each table)."""
    if not entries:
        return
    flags = list(CATEGORY_FIELDS.items())
    rows = []
    for e in entries:
        info = id_number_info(e["id_number"])
        rows.append(
            (
                e["id_number"],
                e["name"],
                info.sex,
                info.birth_date,
                e["township"].pk,
                e["village"],
                households[e["household_number"]].pk,
                e["labour_capacity"] or Worker.LabourCapacity.FULL,
                creator_id,
                *(str(category) == e["category"] for category, _f in flags),
            )
        )
    bulk_insert(Worker, _WORKER_COLUMNS, rows)
    new_ids = {
        w["id_number"]: (w["pk"], w["township_id"])
        for w in filter_in(
            Worker.objects.values("pk", "id_number", "township_id"),
            "id_number",
            [e["id_number"] for e in entries],
        )
    }
    bulk_insert(
        RegistrationPeriod,
        ["worker_id", "township_id", "from_date", "reason", "created_by_id"],
        [(pk, township_id, REGISTERED_SINCE_UNKNOWN, "", creator_id) for pk, township_id in new_ids.values()],
    )


def _people_update(entries, workers: dict[str, Worker], households, new_people, now) -> None:
    """Known people take the list's household, labour capacity (when given) and category flag."""
    new = {e["id_number"] for e in new_people}
    changed = []
    for e in entries:
        if e["id_number"] in new:
            continue
        worker = workers[e["id_number"]]
        values = {"household_id": households[e["household_number"]].pk, CATEGORY_FIELDS[e["category"]]: True}
        if e["labour_capacity"]:
            values["labour_capacity"] = e["labour_capacity"]
        if any(getattr(worker, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(worker, key, value)
            worker.updated_at = now
            changed.append(worker)
    fields = ["household_id", "labour_capacity", "updated_at", *CATEGORY_FIELDS.values()]
    Worker.objects.bulk_update(changed, [f.removesuffix("_id") for f in fields], batch_size=2000)
    pks = [w.pk for w in changed]
    for start in range(0, len(pks), 2000):
        chunk = pks[start : start + 2000]
        Worker.objects.filter(pk__in=chunk).update(version=F("version") + 1)
        # The API's employment records embed the worker: they must reach incremental clients again.
        Employment.objects.filter(worker_id__in=chunk).update(updated_at=now)


def summary(snapshot: MonitoringList) -> str:
    return _g(
        "名单 {date}：共 {n} 人，新纳入帮扶 {enrolled} 人，移出退出 {exited} 人，新登记 {registered} 人。"
    ).format(
        date=snapshot.list_date,
        n=snapshot.rows_total,
        enrolled=snapshot.enrolled,
        exited=snapshot.exited,
        registered=snapshot.registered,
    )
