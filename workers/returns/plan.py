"""What a quarterly return would do: the messages of its checks, the issues found and the plan of rows
to write (`Plan`), shared by the checks, the writing and the batch lifecycle."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from targets.services import QUARTER_LOCKED, quarter_of

from .. import resources as R
from ..models import CATEGORY_FIELDS, Workplace
from ..services import EmploymentData
from ..validators import mask_id_number

MAX_ROWS = 100_000
_CATEGORY_FIELD = {
    str(category): field for category, field in CATEGORY_FIELDS.items()
}  # plain-str keys: fast
ASYNC_THRESHOLD = 2_000

NOT_YOUR_TOWNSHIP = _("此人户籍在{township}，您只能导入本镇乡街道（{own}）的人员。")
NOT_THE_BATCH_TOWNSHIP = _(
    "此人户籍在{township}，不属于本批次的报送镇乡街道（{own}）；"
    "全区存量等含多个镇乡街道人员的文件，请在“报送镇乡街道”中选择“全区”后上传。"
)
# A person the ledger holds in another township (DESIGN §4.1, §5): where and since when, and the way out — a
# move, which only bureau staff record (`worker_move`: the person's page in the admin, or `move_worker`).
MOVE_HOW = _(
    "如此人户籍已迁入{own}，请区人力社保局在台账中此人的“农民工”页面“户籍登记”栏点“办理户籍迁移”"
    "（或用命令 manage.py move_worker）登记迁入日期，然后重新导入本文件。"
)
REGISTERED_ELSEWHERE = _(
    "该公民身份号码的户籍{since}登记在{township}，由{township}经办员维护，本镇乡街道不能导入。{how}"
)
TOWNSHIP_MISMATCH = _("台账中此人户籍{since}登记在{township}，与填写的不一致。{how}")
#: `since` of the two messages above: the start of the person's current registration period — the date of
#: their last move or, for a person never moved (whose period starts at the placeholder 1900-01-01), the day
#: the ledger's record of them was created (建档).
SINCE_MOVE = _("自 {date} 起")
SINCE_RECORD = _("自建档（{date}）起")
SAME_ID_TWO_NAMES = _("同一公民身份号码在第 {other} 行填写的姓名为“{name}”，与本行不一致。")
PERSON_VALUE_DIFFERS = _(
    "第 {row} 行与第 {other} 行是同一人，但{header}不同；台账采用第 {other} 行的“{value}”。"
)
EMPLOYER_TWO_CODES = _("同一单位在第 {other} 行填写的统一社会信用代码为 {code}，与本行不一致。")
CODE_TWO_EMPLOYERS = _("同一统一社会信用代码在第 {other} 行对应另一个单位名称，请核对。")
SAME_KEY_DIFFERENT = _("与第 {other} 行是同一人、同一就业时间、同一单位，但其他内容不同，请合并为一行。")
DUPLICATE_MERGED = _("第 {row} 行与第 {other} 行完全相同，已合并为一条。")
PRE_PLAN_JOBS = _(
    "{count} 行就业时间早于 2025 年 1 月 1 日（第 {rows} 行），作为行动方案实施前已在岗的就业记录导入："
    "计入务工规模，不计入任何年度的新增就业。"
)
PRE_PLAN_ROWS_SHOWN = 10
OUTSIDE_QUARTER = _("第 {row} 行就业时间 {date} 不在申报的 {year} 年第 {quarter} 季度内（仍会导入）。")
EMPTY_FILE = _("文件中没有数据行：请在表头下方逐行填写，每行一条就业记录。")
BATCH_NOT_YOURS = _("该导入批次不是您上传的，不能确认。")
BATCH_WRONG_STATE = _("该批次当前状态为“{status}”，不能执行此操作。")
ROLLBACK_LOCKED = _("该批次包含已锁定季度（{quarters}）的记录，不能撤销；请先由区人力社保局解锁。")
ROLLBACK_REASON = _("撤销导入批次必须填写原因。")
ONLY_BUREAU_ROLLBACK = _("只有区人力社保局工作人员可以撤销导入批次。")
FILE_GONE = _("上传的文件已过期被删除，请重新上传。")
SAME_FILE = _(
    "这个文件与 {date} 导入的批次 #{pk} 是同一个文件（SHA-256 相同），其中的记录已经导入，本次没有重复导入。"
)
ONLY_UPLOADER_DISCARDS = _("只有上传人可以放弃该批次。")
ONLY_UPLOADER_RETRIES = _("只有上传人可以重新处理该批次。")
HEADER_COLUMN = "表头"  # the column of the file-level error that a column mapping answers
PREVIEW_ROWS = 20
OUTCOME_NEW, OUTCOME_UPDATED, OUTCOME_UNCHANGED = "new", "updated", "unchanged"
CONCURRENT_CHANGE = _(
    "导入期间，文件中的部分人员或就业记录被其他用户同时登记，重新核对后仍未能写入；本次未写入任何数据，请稍后重新导入。"
)


@dataclass
class RowIssue:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class Plan:
    """What importing a file would do: the rows to write and everything wrong with it."""

    rows_total: int = 0
    needs_mapping: bool = False  # the header was not found: the clerk may map the file's columns
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new_workers: dict = field(default_factory=dict)  # id_number → parsed values
    worker_updates: dict = field(default_factory=dict)  # worker pk → {field: value}
    new_jobs: list = field(default_factory=list)  # (id_number, EmploymentData, employer key)
    changed_jobs: list = field(default_factory=list)  # (known job as a named tuple, EmploymentData)
    employer_codes: dict = field(default_factory=dict)  # employer key → credit code to record
    known_workers: dict = field(default_factory=dict)  # id_number → pk of people already in the ledger
    id_infos: dict = field(default_factory=dict)  # id_number → IdNumberInfo (sex, birth date) of new people
    workers_written: set | None = None  # ID numbers of the new people already inserted (see _check_rows)
    person_updates: int = 0  # rows whose job is unchanged but whose person's record changes
    unchanged: int = 0
    rejected_rows: set = field(default_factory=set)
    preview: list = field(default_factory=list)  # the first PREVIEW_ROWS rows as written (`preview_row`)
    candidates: list = field(default_factory=list)  # (row, id_number, EmploymentData, employer key) to plan
    reads: object | None = None  # what a preview's check read from the ledger (`stored.Reads`)
    read_digests: dict | None = None  # …and its digests, which the confirm compares (`stored`)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- What to write ---------------------------------------------------------------------------------------


def _merge_people(rows: list) -> dict[str, dict]:
    """Each person of the rows once: name and township of their first row, the first phone and village
    given, every category given."""
    merged: dict[str, dict] = {}
    for row in rows:
        v = row.values
        entry = merged.setdefault(
            v["id_number"],
            {"name": v["name"], "township": v["township"], "phone": "", "village": "", "flags": {}},
        )
        entry["phone"] = entry["phone"] or v["phone"]
        entry["village"] = entry["village"] or v["village"]
        entry["flags"].update({_CATEGORY_FIELD[c]: True for c in v["categories"]})
    return merged


def _plan_workers(plan: Plan, rows: list, existing: dict, merged: dict | None = None) -> set[str]:
    """New people, and what the file adds to known people (a phone or village filled in, a category
    newly recorded; never removed). Returns the ID numbers of known people whose record changes."""
    if merged is None:
        merged = _merge_people(rows)
    changed = set()
    for id_number, entry in merged.items():
        worker = existing.get(id_number)
        if worker is None:
            plan.new_workers[id_number] = entry
            continue
        changes = {}
        if entry["phone"] and entry["phone"] != worker.phone:
            changes["phone"] = entry["phone"]
        if entry["village"] and entry["village"] != worker.village:
            changes["village"] = entry["village"]
        changes.update({flag: True for flag in entry["flags"] if not getattr(worker, flag)})
        if changes:
            plan.worker_updates[worker.pk] = changes
            changed.add(id_number)
    return changed


def _plan_employer_codes(plan: Plan, rows: list, by_key: dict) -> None:
    """Credit codes the file gives for employers that have none yet (an employer fact, not a job change)."""
    for row in rows:
        code = row.values.get("credit_code")
        key = row.values["employer_key"]
        known = by_key.get(key)
        if code and (known is None or not known.credit_code):
            plan.employer_codes.setdefault(key, code)


def _plan_jobs(
    plan: Plan, candidates: list, existing: dict, changed_people: set[str], *, locks: set, current: dict
) -> None:
    """New and changed jobs; `locks` are the locked (year, quarter)s, `current` the known jobs of the
    file's known people by natural key. No query: it runs while the new people are being inserted."""
    person_counted: set[str] = set()
    preview = plan.preview
    for row, id_number, data, key in candidates:
        worker = existing.get(id_number)
        job = current.get((worker.pk, data.start_date, key)) if worker else None
        changes_job = job is None or _job_differs(job, data)
        year, quarter = quarter_of(data.start_date)
        if changes_job and (year, quarter) in locks:
            # Adding or changing a job of a locked quarter is refused; repeating it unchanged is not.
            row.error(R.H_START, QUARTER_LOCKED.format(year=year, quarter=quarter))
            continue
        if job is None:
            plan.new_jobs.append((id_number, data, key))
            outcome = OUTCOME_NEW
        elif changes_job:
            plan.changed_jobs.append((job, data))
            outcome = OUTCOME_UPDATED
        elif id_number in changed_people and id_number not in person_counted:
            plan.person_updates += 1  # the person's record changes; counted once, on their first row
            outcome = OUTCOME_UPDATED
        else:
            plan.unchanged += 1
            outcome = OUTCOME_UNCHANGED
        if len(preview) < PREVIEW_ROWS:
            preview.append(preview_row(row, id_number, data, outcome))
        if id_number in changed_people:
            person_counted.add(id_number)


def preview_row(row, id_number: str, data: EmploymentData, outcome: str) -> dict:
    """One row of the preview as it will be written: the ID number masked (the page is a list)."""
    if data.workplace_township is not None:
        workplace = data.workplace_township.name
    else:
        workplace = str(Workplace(data.workplace).label)
    return {
        "row": row.number,
        "name": row.values["name"],
        "id_number": mask_id_number(id_number),
        "township": row.values["township"].name,
        "industry": data.industry.name,
        "workplace": workplace,
        "start_date": data.start_date.isoformat(),
        "outcome": outcome,
    }


def _job_differs(job, data: EmploymentData) -> bool:
    return (
        job.industry_id != data.industry.pk
        or job.workplace != data.workplace
        or job.workplace_township_id != (data.workplace_township.pk if data.workplace_township else None)
        or job.form != data.form
        or job.returnee != data.returnee
        or job.channel != (data.channel or "")
        or job.monthly_income != data.monthly_income
    )
