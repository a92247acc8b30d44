"""Excel exports of assistance lists: formula-safe cells (`wanzhou_jobs.spreadsheets`), ID numbers masked,
exporter and time in the header (THREATS.md E1, E5, E8), each download written to the audit trail."""

import io
from datetime import date

from django.utils import timezone

from targets.audit import audit_event

from . import selectors


def _audit(user, what: str, rows: int) -> None:
    audit_event("export", actor=user, detail={"what": what, "rows": rows})


def _note(user) -> str:
    return f"导出人：{user.get_username()}　导出时间：{timezone.localtime():%Y-%m-%d %H:%M}　身份证号已脱敏"


def _workbook(user, *, title: str, sheet: str, headers: list[str], rows: list[list], what: str) -> bytes:
    from wanzhou_jobs.spreadsheets import write_xlsx

    buffer = io.BytesIO()
    write_xlsx(buffer, [(sheet, headers, rows)], title=title, note=_note(user))
    _audit(user, what, len(rows))
    return buffer.getvalue()


def worklist_xlsx(*, user, people, year: int) -> bytes:
    rows = [
        [
            w.name,
            w.masked_id_number,
            w.township.name,
            w.village,
            w.open_entry_date,
            w.n_policy,
            w.n_guidance,
            w.n_job_push,
            w.n_training,
            "、".join(selectors.routine_missing(w)),
        ]
        for w in people
    ]
    headers = [
        "姓名",
        "公民身份号码",
        "镇乡街道",
        "村（社区）",
        "纳入帮扶日期",
        "政策宣介",
        "职业指导",
        "岗位推送",
        "就业培训推荐",
        "尚缺",
    ]
    return _workbook(
        user,
        title=f"{year}年“1131”就业帮扶待办名单",
        sheet="1131待办",
        headers=headers,
        rows=rows,
        what="assistance.worklist",
    )


def households_xlsx(*, user, households, on: date) -> bytes:
    rows = []
    for household in households:
        for member in household.members.all():
            rows.append(
                [
                    household.township.name,
                    household.village,
                    household.number,
                    household.head_name,
                    member.name,
                    member.masked_id_number,
                    member.get_labour_capacity_display(),
                    member.job_intention,
                    member.training_wish,
                ]
            )
    headers = [
        "镇乡街道",
        "村（社区）",
        "户编号",
        "户主",
        "成员姓名",
        "公民身份号码",
        "劳动能力",
        "就业意向",
        "培训意愿",
    ]
    return _workbook(
        user,
        title=f"零就业家庭名单（{on:%Y-%m-%d}）",
        sheet="零就业家庭",
        headers=headers,
        rows=rows,
        what="assistance.households",
    )


def posts_xlsx(*, user, posts, today: date) -> bytes:
    rows = [
        [
            p.worker.name,
            p.worker.masked_id_number,
            p.worker.township.name,
            p.get_kind_display(),
            p.title,
            p.employer_name,
            p.start_date,
            p.end_date,
            p.monthly_subsidy,
            selectors.tenure_months(p, today),
            "是" if p.long_tenure else "",
        ]
        for p in posts
    ]
    headers = [
        "姓名",
        "公民身份号码",
        "镇乡街道",
        "岗位类别",
        "岗位名称",
        "用工单位",
        "上岗日期",
        "离岗日期",
        "月岗位补贴（元）",
        "在岗月数",
        "长期在岗",
    ]
    return _workbook(
        user,
        title="公益性岗位安置名单",
        sheet="公益性岗位",
        headers=headers,
        rows=rows,
        what="assistance.posts",
    )
