"""The comparison's drill-down lists as .xlsx for the townships to act on (issue 26, item 2). ID numbers are
masked: the list goes to whoever in the township works it, as the assistance exports do."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _g

from targets.audit import audit_event
from wanzhou_jobs.spreadsheets import write_xlsx

from .selectors import GAPS

PEOPLE_HEADERS = ["镇乡街道", "村（社区）", "户编号", "户主姓名", "姓名", "公民身份号码", "与户主关系", "帮扶类别", "劳动能力", "名单是否务工", "台账就业状态"]  # fmt: skip
HOUSEHOLD_HEADERS = ["镇乡街道", "村（社区）", "户编号", "户主姓名", "名单人数"]


def status_label(entry) -> str:
    if entry.outside:
        return _g("区外务工")
    if entry.employed:
        return _g("在岗")
    if entry.ended_recently:
        return _g("近 90 天内离岗")
    return _g("无在岗就业")


def _note(user) -> str:
    return _g("导出人：{user}　导出时间：{time}").format(
        user=user.get_username(), time=timezone.localtime().strftime("%Y-%m-%d %H:%M")
    )


def gap_xlsx(*, user, snapshot, gap: str, rows) -> bytes:
    title = _g("监测名单比对（{date} 名单）：{gap}").format(date=snapshot.list_date, gap=GAPS[gap])
    if gap == "households":
        data = (
            [h["township__name"], h["village"], h["household_number"], h["head_name"], h["members"]]
            for h in rows
        )
        headers = HOUSEHOLD_HEADERS
    else:
        data = (
            [
                e.township.name,
                e.village,
                e.household_number,
                e.head_name,
                e.name,
                e.worker.masked_id_number if e.worker else "",
                e.relation,
                e.category,
                e.worker.get_labour_capacity_display() if e.worker else "",
                {True: "是", False: "否", None: ""}[e.list_working],
                status_label(e),
            ]
            for e in rows.iterator(chunk_size=2000)
        )
        headers = PEOPLE_HEADERS
    audit_event(
        "export", actor=user, detail={"what": f"monitoring_{gap}", "list_date": str(snapshot.list_date)}
    )
    buffer = io.BytesIO()
    write_xlsx(buffer, [(str(GAPS[gap]), headers, data)], title=title, note=_note(user))
    return buffer.getvalue()


STATUS_HEADERS = ["户编号", "户主姓名", "姓名", "公民身份号码", "与户主关系", "人员类别", "户籍所在镇乡街道", "户籍所在村（社区）", "是否务工", "务工地点", "未就业起始日期", "技能等级", "培训意愿", "就业意向"]  # fmt: skip


def status_xlsx(*, user, snapshot, rows, township=None) -> bytes:
    """The status of every person of the list in the monitoring system's keys (户编号, 公民身份号码, full: the
    system matches on them), for the bureau to send back (issue 26, item 4)."""
    from datetime import timedelta

    def workplace(e):
        if e.outside:
            return _g("区外")
        return _g("区内") if e.employed else ""

    data = (
        [
            e.household_number,
            e.head_name,
            e.name,
            e.id_number,
            e.relation,
            e.category,
            e.township.name,
            e.village,
            "是" if e.employed else "否",
            workplace(e),
            (e.last_end + timedelta(days=1)).isoformat() if not e.employed and e.last_end else "",
            e.worker.get_skill_level_display() if e.worker else "",
            e.worker.training_wish if e.worker else "",
            e.worker.job_intention if e.worker else "",
        ]
        for e in rows.iterator(chunk_size=2000)
    )
    where = township.name if township else _g("全区")
    title = _g("防止返贫监测对象就业状态（{where}，{date} 名单）").format(
        where=where, date=snapshot.list_date
    )
    audit_event(
        "export",
        actor=user,
        township=township.pk if township else None,
        detail={"what": "monitoring_status", "list_date": str(snapshot.list_date)},
    )
    buffer = io.BytesIO()
    # The header in row 1, as the monitoring system's import reads it; who exported it when on a sheet of its own.
    write_xlsx(buffer, [(where, STATUS_HEADERS, data), (_g("说明"), [_g("说明")], [[title], [_note(user)]])])
    return buffer.getvalue()
