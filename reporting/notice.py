"""The monthly 通报 as the bureau circulates it, a Word document (issue 23, item 7): title and number, the
cut-off date, a summary paragraph written from the figures, the township and industry ranking tables, the
seriously lagging townships and the reporting-rate table.

Every figure is the progress snapshot's (`targets.selectors_dashboard.dashboard_progress`, the numbers the
dashboard, the .xlsx briefing and GET /api/v1/progress/ show) and the reporting rates of
`reporting.selectors.reporting_rates`; nothing is counted here. Seed (万州人社发〔2025〕64号, 三、保障措施):
"区人力社保局、区农业农村委牵头，会同各行业部门定期调度农民工就近就业工作进展，研究解决重点难点问题".
"""

import io

from targets.selectors_dashboard import DASH, DashboardProgress, pct

TITLE = "万州区农民工就近就业工作情况通报"
ISSUER = "重庆市万州区人力资源和社会保障局"


def notice_number(progress: DashboardProgress) -> str:
    return f"{progress.year}年第{progress.as_of.month}期"


def notice_filename(progress: DashboardProgress) -> str:
    return f"万州区农民工就近就业工作情况通报（{progress.year}年第{progress.as_of.month}期，截至{progress.as_of.isoformat()}）.docx"


def _number(value) -> str:
    return DASH if value is None else str(value)


def _day(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def summary_text(progress: DashboardProgress) -> str:
    """The summary paragraph, written from the figures."""
    district = progress.data["district"]
    townships = [r for r in progress.data["townships"] if r["target"] is not None]
    lagging = sum(1 for r in townships if r["lagging"])
    serious = sum(1 for r in townships if r["seriously_lagging"])
    text = (
        f"截至{progress.as_of.month}月{progress.as_of.day}日，全区新增农民工就近就业{district['count']}人，"
        f"完成年度目标（{_number(district['target'])}人）的{pct(district['completion_rate'])}，"
        f"时序进度{pct(progress.time_progress)}；"
        f"回引农民工返乡就业创业{district['returnee_count']}人，"
        f"完成年度目标（{_number(district['returnee_target'])}人）的"
        f"{pct(_rate(district['returnee_count'], district['returnee_target']))}。"
    )
    if lagging:
        text += f"{len(townships)}个镇乡街道中，{lagging}个滞后于时序进度，其中严重滞后{serious}个。"
    else:
        text += f"{len(townships)}个镇乡街道均达到时序进度。"
    return text


def _rate(count, target):
    return count / target if target else None


def _table(document, headers: list[str], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    return table


def _status(row: dict) -> str:
    if row["target"] is None:
        return "未分解目标"
    if row["seriously_lagging"]:
        return "严重滞后"
    return "滞后" if row["lagging"] else "正常"


def notice_docx(*, progress: DashboardProgress, rates: list[dict]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(11)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(TITLE)
    run.bold = True
    run.font.size = Pt(18)
    number = document.add_paragraph(notice_number(progress))
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cutoff = document.add_paragraph(f"（数据截至{_day(progress.as_of)}）")
    cutoff.alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_paragraph(summary_text(progress))

    document.add_heading("一、各镇乡街道完成情况（按完成率排名）", level=2)
    townships = progress.data["townships"]
    ranked = sorted((r for r in townships if r["rank"] is not None), key=lambda r: (r["rank"], r["code"]))
    rest = [r for r in townships if r["rank"] is None]
    _table(
        document,
        ["排名", "镇乡街道", "年度目标", "新增就业", "完成率", "状态"],
        [
            [
                _number(r["rank"]),
                r["name"],
                _number(r["target"]),
                str(r["count"]),
                pct(r["completion_rate"]),
                _status(r),
            ]
            for r in ranked + rest
        ],
    )

    document.add_heading("二、各行业完成情况（按完成率排名）", level=2)
    industries = sorted(
        progress.data["industries"],
        key=lambda r: (r["completion_rate"] is None, -(r["completion_rate"] or 0), r["code"]),
    )
    _table(
        document,
        ["行业", "牵头部门", "年度目标", "新增就业", "完成率", "状态"],
        [
            [
                r["name"],
                r.get("lead_department") or DASH,
                _number(r["target"]),
                str(r["count"]),
                pct(r["completion_rate"]),
                _status(r),
            ]
            for r in industries
        ],
    )

    document.add_heading("三、严重滞后的镇乡街道", level=2)
    serious = [r["name"] for r in ranked if r["seriously_lagging"]]
    document.add_paragraph(
        "、".join(serious) + f"（共{len(serious)}个），请加快推进。" if serious else "无。"
    )

    document.add_heading("四、季度数据报送情况", level=2)
    _table(
        document,
        ["季度", "截止日期", "应报", "已报送", "按时", "逾期报送", "未报送", "报送率", "及时率"],
        [
            [
                f"第{r['quarter']}季度",
                r["deadline"].isoformat(),
                str(r["expected"]),
                str(r["submitted"]),
                str(r["on_time"]),
                str(r["late"]),
                str(r["missing"]),
                pct(r["reporting_rate"]),
                pct(r["timeliness_rate"]),
            ]
            for r in rates
        ],
    )
    signature = document.add_paragraph(f"{ISSUER}\n{_day(progress.as_of)}")
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
