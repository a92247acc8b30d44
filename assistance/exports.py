"""Excel exports of assistance lists: formula-safe cells (`wanzhou_jobs.spreadsheets`), ID numbers masked,
exporter and time in the header (THREATS.md E1, E5, E8), each download written to the audit trail."""

import io
from datetime import date

from django.utils import timezone

from targets.audit import audit_event

from . import selectors


def _audit(user, what: str, rows: int) -> None:
    audit_event("export", actor=user, detail={"what": what, "rows": rows})


def _note(user, *, full_ids: bool = False) -> str:
    ids = "含完整身份证号，仅供社保经办机构办理代缴，不得转发" if full_ids else "身份证号已脱敏"
    return f"导出人：{user.get_username()}　导出时间：{timezone.localtime():%Y-%m-%d %H:%M}　{ids}"


def _workbook(
    user, *, title: str, sheet: str, headers: list[str], rows: list[list], what: str, full_ids: bool = False
) -> bytes:
    from wanzhou_jobs.spreadsheets import write_xlsx

    buffer = io.BytesIO()
    write_xlsx(buffer, [(sheet, headers, rows)], title=title, note=_note(user, full_ids=full_ids))
    if full_ids:
        audit_event("export", actor=user, detail={"what": what, "rows": len(rows), "full_id_numbers": True})
    else:
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
            selectors.wish_label(w.wish),
            w.wish_intention or "",
            w.wish_recorded_on,
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
        "就业意愿",
        "求职意向",
        "意愿登记日期",
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


def pension_xlsx(*, user, people, amounts, year: int, full_ids: bool = False) -> bytes:
    """The year's 代缴城乡居民基本养老保险费 list (seed 004 §十四). Masked for the township and the bureau's own
    use; with full ID numbers (`full_ids`) only as the file for the social-insurance agency, which credits
    each premium to the person's account by ID number — that download is audited as such."""
    rows = [
        [
            n,
            w.name,
            w.id_number if full_ids else w.masked_id_number,
            w.township.name,
            w.village,
            w.basis,
            amounts.full,
            w.amount,
        ]
        for n, w in enumerate(people, start=1)
    ]
    headers = [
        "序号",
        "姓名",
        "公民身份号码",
        "镇乡街道",
        "村（社区）",
        "代缴类别",
        "最低缴费档次标准（元）",
        "代缴金额（元）",
    ]
    return _workbook(
        user,
        title=f"{year}年城乡居民基本养老保险费代缴名单",
        sheet="代缴名单",
        headers=headers,
        rows=rows,
        what="assistance.pension_agency" if full_ids else "assistance.pension",
        full_ids=full_ids,
    )
