"""The monthly briefing (通报表) as a printable .xlsx: the district headline, the townships ranked by
completion (those without a target after them, unranked), and a sheet of industries and sector groups.
Every number is the snapshot's; text is always written as text, so no cell can become a formula.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from workers.selectors import PLAN_YEARS

from .numbers import DASH, STATUS_LABELS, DashboardProgress, headline, pct, status_of

_PACE_COLUMNS = [
    (_("年度目标"), 10),
    (_("新增就业"), 10),
    (_("完成率"), 9),
    (_("时序进度"), 9),
    (_("应完成数"), 10),
    (_("差额"), 9),
    (_("预计全年"), 10),
    (_("每月还需"), 10),
    (_("状态"), 10),
]
_FILLS = {"lagging": "FFF2CC", "serious": "FFC7CE"}
_HEADER_FILL = "D9E1F2"


def briefing_filename(progress: DashboardProgress) -> str:
    return _g("万州区%(year)s年农民工就近就业通报（截至%(date)s）.xlsx") % {
        "year": progress.year,
        "date": progress.as_of.isoformat(),
    }


class _BriefingSheet:
    """One printable sheet: a title, a date line, then sections of tables whose last nine columns are the
    pace columns. Text is always written as text (`data_type = "s"`), so nothing can become a formula."""

    def __init__(self, worksheet, progress: DashboardProgress, name: str, lead: list[tuple[str, int]]):
        self.ws, self.progress, self.row = worksheet, progress, 1
        self.ws.title = name
        self.columns = [(str(label), width) for label, width in lead + _PACE_COLUMNS]
        self.repeat_row: int | None = None

    def _cell(self, column: int, value, *, fmt: str | None = None, bold=False, align=None, fill=None):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        cell = self.ws.cell(row=self.row, column=column)
        if value is None:
            value = DASH
        cell.value = str(value) if isinstance(value, str) or not isinstance(value, int | float) else value
        if isinstance(cell.value, str):
            cell.data_type = "s"
        if fmt:
            cell.number_format = fmt
        thin = Side(style="thin", color="999999")
        cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        cell.font = Font(name="宋体", size=11, bold=bold)
        horizontal = align or ("right" if isinstance(cell.value, int | float) else "left")
        cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
        if fill:
            cell.fill = PatternFill("solid", fgColor=fill)
        return cell

    def _banner(self, text: str, *, size: int, bold: bool, align: str, height: float | None = None):
        from openpyxl.styles import Alignment, Font

        cell = self.ws.cell(row=self.row, column=1, value=text)
        cell.data_type = "s"
        cell.font = Font(name="宋体", size=size, bold=bold)
        cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        self.ws.merge_cells(
            start_row=self.row, start_column=1, end_row=self.row, end_column=len(self.columns)
        )
        if height:
            self.ws.row_dimensions[self.row].height = height
        self.row += 1

    def title(self, text: str) -> None:
        self._banner(text, size=16, bold=True, align="center", height=32)
        computed = timezone.localtime(self.progress.computed_at).strftime("%Y-%m-%d %H:%M")
        line = _g("统计截止：%(date)s　　时序进度：%(progress)s　　数据计算于：%(computed)s") % {
            "date": self.progress.as_of.strftime("%Y年%m月%d日"),
            "progress": pct(self.progress.time_progress),
            "computed": computed,
        }
        self._banner(line, size=11, bold=False, align="center", height=20)

    def section(self, text: str) -> None:
        self.row += 1
        self._banner(text, size=12, bold=True, align="left", height=22)

    def note(self, text: str) -> None:
        self._banner(text, size=10, bold=False, align="left", height=44)

    def header(self, *, repeat: bool = False, lead: list[str] | None = None) -> None:
        labels = [label for label, _width in self.columns]
        if lead is not None:
            labels[: len(lead)] = lead
        for column, label in enumerate(labels, start=1):
            self._cell(column, label, bold=True, align="center", fill=_HEADER_FILL)
        if lead is not None:
            self._merge_lead(len(lead))
        self.ws.row_dimensions[self.row].height = 22
        if repeat:
            self.repeat_row = self.row
        self.row += 1

    def _merge_lead(self, width: int) -> None:
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=width)

    def unit(self, lead: list, row: dict, *, with_status: bool = True, merge_lead: int = 0) -> None:
        """One table row: the lead cells, then the nine pace columns of a snapshot row."""
        status = status_of(row)
        fill = _FILLS.get(status) if with_status else None
        for column, value in enumerate(lead, start=1):
            self._cell(column, value, fill=fill, align="center" if column == 1 and not merge_lead else None)
        if merge_lead:
            self._merge_lead(merge_lead)
        values = [
            (row.get("target"), "#,##0"),
            (row.get("count"), "#,##0"),
            (row.get("completion_rate"), "0.0%"),
            (self.progress.time_progress if row.get("expected_by_now") is not None else None, "0.0%"),
            (row.get("expected_by_now"), "#,##0"),
            (row.get("gap"), "+#,##0;-#,##0;0"),
            (row.get("projection"), "#,##0"),
            (row.get("monthly_pace_needed"), "#,##0"),
        ]
        start = len(lead) + 1
        for offset, (value, fmt) in enumerate(values):
            self._cell(start + offset, value, fmt=fmt, fill=fill, align="center" if value is None else None)
        label = str(STATUS_LABELS[status]) if with_status and status != "none" else DASH
        self._cell(start + len(values), label, fill=fill, align="center", bold=status == "serious")
        self.row += 1

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        ws = self.ws
        for column, (_label, width) in enumerate(self.columns, start=1):
            ws.column_dimensions[get_column_letter(column)].width = width
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.oddFooter.center.text = _g("第 &P 页，共 &N 页")
        if self.repeat_row:
            ws.print_title_rows = f"{self.repeat_row}:{self.repeat_row}"
            ws.freeze_panes = f"A{self.repeat_row + 1}"


def briefing_workbook(progress: DashboardProgress) -> bytes:
    """The monthly briefing (通报表) as .xlsx: the district headline, the 49 townships ranked by completion
    (then the three without a target, unranked), and a sheet of industries and sector groups."""
    from openpyxl import Workbook

    workbook = Workbook()
    top = headline(progress)
    sheet = _BriefingSheet(workbook.active, progress, _g("镇乡街道"), [(_("排名"), 6), (_("镇乡街道"), 16)])
    sheet.title(_g("万州区%(year)s年新增农民工就近就业目标任务完成情况通报") % {"year": progress.year})

    sheet.section(_g("一、全区总体情况"))
    sheet.header(lead=[_g("项目"), ""])
    sheet.unit([_g("新增农民工就近就业"), ""], top["district"], merge_lead=2)
    sheet.unit([_g("回引返乡就业创业"), ""], top["returnee"], merge_lead=2)
    cumulative = top["cumulative"]
    years = f"{PLAN_YEARS[0]}—{PLAN_YEARS[-1]}"
    for label, count, target in (
        (
            _g("%(years)s年累计新增（对三年目标）") % {"years": years},
            cumulative["count"],
            cumulative["plan_total"],
        ),
        (
            _g("%(years)s年累计回引返乡（对三年目标）") % {"years": years},
            cumulative["returnee_count"],
            cumulative["returnee_plan_total"],
        ),
    ):
        rate = round(count / target, 4) if target else None
        sheet.unit(
            [label, ""],
            {"target": target, "count": count, "completion_rate": rate},
            with_status=False,
            merge_lead=2,
        )

    sheet.section(_g("二、各镇乡街道完成情况（按完成率排名）"))
    sheet.header(repeat=True)
    ranked = sorted(
        (r for r in progress.data["townships"] if r["rank"] is not None), key=lambda r: (r["rank"], r["code"])
    )
    for r in ranked:
        sheet.unit([r["rank"], r["name"]], r)
    unranked = [r for r in progress.data["townships"] if r["rank"] is None]
    for r in unranked:
        sheet.unit([DASH, r["name"]], r)
    sheet.row += 1
    sheet.note(
        _g(
            "注：%(names)s未分解年度目标，不参与排名，其人员计入全区合计。完成率低于时序进度为滞后（浅黄），"
            "低于时序进度的%(ratio)s为严重滞后（浅红）。应完成数 = 年度目标 × 时序进度；"
            "预计全年按当前进度推算；每月还需为完成年度目标剩余各月平均还需新增人数。"
        )
        % {"names": "、".join(r["name"] for r in unranked) or DASH, "ratio": _serious_ratio()}
    )
    sheet.finish()

    names = {r["code"]: r["name"] for r in progress.data["industries"]}
    industries = _BriefingSheet(
        workbook.create_sheet(), progress, _g("行业"), [(_("行业"), 24), (_("牵头部门"), 30)]
    )
    industries.title(_g("万州区%(year)s年分行业新增农民工就近就业完成情况") % {"year": progress.year})
    industries.section(_g("一、分行业完成情况"))
    industries.header(repeat=True)
    for r in progress.data["industries"]:
        industries.unit([r["name"], r["lead_department"] or DASH], r)
    industries.section(_g("二、重点行业吸纳就业"))
    industries.header()
    for r in progress.data["sectors"]:
        industries.unit([r["name"], "、".join(names.get(c, c) for c in r["industries"])], r)
    industries.finish()

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _serious_ratio() -> str:
    from django.conf import settings

    return f"{settings.SERIOUS_LAG_RATIO * 100:g}%"
