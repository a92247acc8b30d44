"""Reads behind the progress dashboards, the people drill-down and the monthly briefing (通报表).

Every number shown comes from a progress snapshot (`targets.progress`, DESIGN.md §4.3–4.7 and §7): the
stored one of the year, or — for an explicit as-of date other than the snapshot's — one built live by the
same engine. This module only arranges those numbers (sorting, filtering, chart series, formatting) and
lists the people behind a count through `workers.selectors.nearby_counted_workers`, always scoped by
`targets.scoping`. Nothing here writes.
"""

import calendar
import io
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from workers.models import Employment, Workplace
from workers.selectors import PLAN_YEARS, nearby_counted_workers, year_window

from .models import PlanYear
from .progress import default_as_of, progress_build, progress_snapshot, unit_status
from .scoping import scope_queryset

AS_OF_INVALID = _("统计截止日“{value}”不是有效日期，请按“年-月-日”填写，例如 2025-06-30。")
AS_OF_CLAMPED = _("统计截止日不在 {year} 年内，已调整为 {date}。")
MONTH_INVALID = _("月份“{value}”无效，应为 1 到 12 之间的整数。")

STATUS_LABELS = {
    "ok": _("正常"),
    "lagging": _("滞后"),
    "serious": _("严重滞后"),
    "none": _("未分解目标"),
}
DASH = "—"


# --- Input ----------------------------------------------------------------------------------------------


def plan_years() -> list[int]:
    return list(PlanYear.objects.values_list("year", flat=True)) or list(PLAN_YEARS)


def parse_year(value: str | None) -> int:
    """The requested plan year; anything else falls back to this year, kept inside the plan years."""
    years = plan_years()
    try:
        year = int(value or "")
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, years[0]), years[-1])


def parse_as_of(value: str | None, *, year: int) -> tuple[date | None, str | None]:
    """An explicit as-of date (None when not given) and a notice when it had to be moved into the year.
    Raises ValidationError with a Chinese message for text that is not a date."""
    value = (value or "").strip()
    if not value:
        return None, None
    text = value.replace("/", "-").replace(".", "-")
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None and len(text) == 8 and text.isdigit():
        try:
            parsed = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationError(AS_OF_INVALID.format(value=value[:40]))
    clamped = min(max(parsed, date(year, 1, 1)), date(year, 12, 31))
    if clamped != parsed:
        return clamped, AS_OF_CLAMPED.format(year=year, date=clamped.isoformat())
    return clamped, None


def parse_month(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 12:
        raise ValidationError(MONTH_INVALID.format(value=value[:10]))
    return int(value)


# --- The numbers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardProgress:
    year: int
    as_of: date
    computed_at: datetime
    live: bool
    data: dict

    @property
    def time_progress(self) -> float:
        return self.data["time_progress"]


def dashboard_progress(*, year: int, as_of: date | None = None) -> DashboardProgress:
    """The stored snapshot of `year`; built live when an explicit `as_of` differs from the snapshot's."""
    snapshot = progress_snapshot(year=year)
    if as_of is None or as_of == snapshot.as_of:
        return DashboardProgress(year, snapshot.as_of, snapshot.computed_at, False, snapshot.data)
    data = progress_build(year=year, as_of=as_of)
    return DashboardProgress(year, as_of, timezone.now(), True, data)


def pct(rate: float | None) -> str:
    return DASH if rate is None else f"{rate * 100:.1f}%"


def status_of(row: dict) -> str:
    if row.get("target") is None:
        return "none"
    if row.get("seriously_lagging"):
        return "serious"
    return "lagging" if row.get("lagging") else "ok"


def number(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def decorate(row: dict) -> dict:
    """A copy of a snapshot row with what the templates print: numbers, percentages, signed gap, status."""
    status = status_of(row)
    gap = row.get("gap")
    return {
        **row,
        "target_display": number(row.get("target")),
        "count_display": number(row.get("count")),
        "expected_display": number(row.get("expected_by_now")),
        "projection_display": number(row.get("projection")),
        "pace_display": number(row.get("monthly_pace_needed")),
        "completion_display": pct(row.get("completion_rate")),
        "gap_display": DASH if gap is None else f"{gap:+,}",
        "returnee_display": number(row.get("returnee_count")),
        "status": status,
        "status_label": STATUS_LABELS[status],
        "row_class": status if status in ("lagging", "serious") else "",
    }


#: Sortable columns of the township table → (value of a row, default direction).
TOWNSHIP_SORTS = {
    "completion": ("completion_rate", "desc"),
    "code": ("code", "asc"),
    "target": ("target", "desc"),
    "count": ("count", "desc"),
    "expected": ("expected_by_now", "desc"),
    "gap": ("gap", "asc"),
    "projection": ("projection", "desc"),
    "pace": ("monthly_pace_needed", "desc"),
    "returnee": ("returnee_count", "desc"),
}


def parse_sort(sort: str | None, direction: str | None) -> tuple[str, str]:
    key = sort if sort in TOWNSHIP_SORTS else "completion"
    default = TOWNSHIP_SORTS[key][1]
    return key, direction if direction in ("asc", "desc") else default


def township_rows(
    progress: DashboardProgress, *, sort: str = "completion", direction: str = "desc", lagging_only=False
) -> tuple[list[dict], list[dict]]:
    """The townships with a target (sorted, optionally only the lagging ones) and those without."""
    rows = [decorate(r) for r in progress.data["townships"]]
    with_target = [r for r in rows if r["target"] is not None]
    without = [r for r in rows if r["target"] is None]
    if lagging_only:
        with_target = [r for r in with_target if r["lagging"]]
        without = []
    field, _default = TOWNSHIP_SORTS[sort]
    present = [r for r in with_target if r[field] is not None]
    missing = [r for r in with_target if r[field] is None]
    present.sort(key=lambda r: r["code"])
    present.sort(key=lambda r: r[field], reverse=direction == "desc")
    return present + missing, without


def township_row(progress: DashboardProgress, code: str) -> dict | None:
    return next((decorate(r) for r in progress.data["townships"] if r["code"] == code), None)


def ranked_count(progress: DashboardProgress) -> int:
    return sum(1 for r in progress.data["townships"] if r["rank"] is not None)


def lagging_counts(progress: DashboardProgress) -> dict:
    rows = progress.data["townships"]
    return {
        "lagging": sum(1 for r in rows if r["lagging"]),
        "serious": sum(1 for r in rows if r["seriously_lagging"]),
    }


def industry_rows(progress: DashboardProgress, industry_ids_codes: set[str] | None = None) -> list[dict]:
    """Industries in annex order; `industry_ids_codes` limits them to a user's industries."""
    return [
        decorate(r)
        for r in progress.data["industries"]
        if industry_ids_codes is None or r["code"] in industry_ids_codes
    ]


def sector_rows(progress: DashboardProgress, industry_codes: set[str] | None = None) -> list[dict]:
    """Sector groups; for a user limited to some industries, only groups made of those industries alone."""
    names = {r["code"]: r["name"] for r in progress.data["industries"]}
    return [
        {**decorate(r), "industry_names": "、".join(names.get(code, code) for code in r["industries"])}
        for r in progress.data["sectors"]
        if industry_codes is None or set(r["industries"]) <= industry_codes
    ]


def cumulative_summary(progress: DashboardProgress) -> dict:
    """Rule 4.4 beside the three-year plan: the cumulative count of the snapshot, the yearly counts behind
    it and the cumulative returnees, read from each earlier year's snapshot."""
    district = progress.data["district"]
    by_year, returnees = [], 0
    for y in [y for y in PLAN_YEARS if y <= progress.year]:
        d = district if y == progress.year else progress_snapshot(year=y).data["district"]
        by_year.append(
            {
                "year": y,
                "count_display": number(d["count"]),
                "returnee_display": number(d["returnee_count"]),
            }
        )
        returnees += d["returnee_count"]
    goals = PlanYear.objects.filter(year__in=PLAN_YEARS).aggregate(
        nearby=Sum("nearby_goal"), returnee=Sum("returnee_goal")
    )
    plan_total = goals["nearby"] or None
    plan_returnee_total = goals["returnee"] or None
    returnees = district.get("cumulative_returnee_count", returnees)
    summary = {
        "count": district["cumulative_count"],
        "distinct_people": district["distinct_people"],
        "target_to_date": district["cumulative_target"],
        "plan_total": plan_total,
        "completion_display": pct(district["cumulative_count"] / plan_total if plan_total else None),
        "by_year": by_year,
        "returnee_count": returnees,
        "returnee_target_to_date": district["cumulative_returnee_target"],
        "returnee_plan_total": plan_returnee_total,
        "returnee_completion_display": pct(returnees / plan_returnee_total if plan_returnee_total else None),
    }
    for key in [k for k, v in summary.items() if isinstance(v, int) or v is None]:
        summary[f"{key}_display"] = number(summary[key])
    return summary


# --- Charts and month tables ------------------------------------------------------------------------------


def month_rows(progress: DashboardProgress, monthly: list[int | None], target: int | None) -> list[dict]:
    """Per month: new in the month, cumulative at its end, the count expected by the time-progress line."""
    rows, previous = [], 0
    for index, cumulative in enumerate(monthly):
        month = index + 1
        expected = round(target * progress.data["time_line"][index]) if target else None
        month_end = date(progress.year, month, calendar.monthrange(progress.year, month)[1])
        rows.append(
            {
                "month": month,
                "month_end": min(month_end, progress.as_of).isoformat(),
                "new": None if cumulative is None else cumulative - previous,
                "new_display": number(None if cumulative is None else cumulative - previous),
                "cumulative": cumulative,
                "cumulative_display": number(cumulative),
                "expected": expected,
                "expected_display": number(expected),
                "gap_display": DASH
                if cumulative is None or expected is None
                else f"{cumulative - expected:+,}",
            }
        )
        previous = cumulative if cumulative is not None else previous
    return rows


def trend_chart(progress: DashboardProgress, monthly: list[int | None], target: int | None) -> dict:
    """Data for the trend chart: cumulative count vs the straight time-progress line."""
    return {
        "kind": "trend",
        "months": [_g("%(month)s月") % {"month": m} for m in range(1, 13)],
        "count_name": _g("累计新增"),
        "count": monthly,
        "expected_name": _g("按时序进度应完成"),
        "expected": [round(target * t) if target else None for t in progress.data["time_line"]],
        "target": target,
        "target_name": _g("年度目标"),
    }


def completion_chart(progress: DashboardProgress) -> dict:
    """Data for the bar chart of township completion (ranked townships, best first)."""
    rows = sorted(
        (r for r in progress.data["townships"] if r["completion_rate"] is not None),
        key=lambda r: (r["rank"], r["code"]),
    )
    return {
        "kind": "completion",
        "names": [r["name"] for r in rows],
        "rates": [r["completion_rate"] for r in rows],
        "counts": [r["count"] for r in rows],
        "targets": [r["target"] for r in rows],
        "statuses": [status_of(r) for r in rows],
        "time_progress": progress.time_progress,
        "rate_name": _g("完成率"),
        "time_name": _g("时序进度"),
        "count_label": _g("新增"),
        "target_label": _g("目标"),
    }


# --- People behind a count ------------------------------------------------------------------------------


def counted_people(
    *,
    user,
    year: int,
    as_of: date | None = None,
    township_id: int | None = None,
    industry_ids: list[int] | None = None,
    returnee: bool = False,
    month: int | None = None,
) -> QuerySet:
    """The workers behind a rule-4.3 count (or, with `returnee`, a rule-4.5 count), scoped to `user`:
    a clerk sees only their township, an industry department only its industries."""
    as_of = as_of or default_as_of(year)
    people = nearby_counted_workers(year=year, as_of=as_of, township_id=township_id)
    if industry_ids:
        people = people.filter(counted_industry_id__in=industry_ids)
    if month is not None:
        people = people.filter(counted_start_date__month=month)
    if returnee:
        start, end = year_window(year, as_of)
        people = people.filter(
            Exists(
                Employment.objects.filter(
                    worker=OuterRef("pk"),
                    returnee=True,
                    workplace=Workplace.IN_DISTRICT,
                    start_date__gte=start,
                    start_date__lte=end,
                )
            )
        )
    people = scope_queryset(people, user, township_field="township", industry_field="counted_industry_id")
    return people.order_by("township__code", "counted_start_date", "id")


def months_left(progress: DashboardProgress) -> int:
    """Whole months after the as-of month (the pace still needed is spread over them), as the engine does."""
    if progress.as_of.year == progress.year:
        return 12 - progress.as_of.month
    return 12 if progress.as_of.year < progress.year else 0


def headline(progress: DashboardProgress) -> dict:
    """The district rows of the headline: new nearby employment, returnees (the same pace arithmetic on the
    snapshot's returnee figures) and the cumulative summary."""
    district = progress.data["district"]
    returnee = unit_status(
        count=district["returnee_count"],
        target=district["returnee_target"],
        progress=progress.time_progress,
        months_left=months_left(progress),
    )
    return {
        "district": decorate(district),
        "returnee": decorate(returnee),
        "cumulative": cumulative_summary(progress),
        "time_progress_display": pct(progress.time_progress),
        "township_target_sum_display": number(district["township_target_sum"]),
        "industry_target_sum_display": number(district["industry_target_sum"]),
    }


# --- The monthly briefing (通报表) ----------------------------------------------------------------------

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
