"""The workbooks of the quarterly return that the clerks download (季度报表, DESIGN.md §5).

`blank_template` is the empty return with a help sheet and dropdowns, `error_report` the uploaded rows again
with every offending cell highlighted, and `ledger_export` a township's ledger in the return's own format, so
that it re-imports as "all unchanged". They only write what `headers` and `rows` define; nothing here decides
whether a row is valid.
"""

from wanzhou_jobs.spreadsheets import clean_text

from ..models import Category, EmploymentForm
from .headers import (
    ALL_HEADERS,
    FORMATS_HELP,
    H_CREDIT,
    H_FORM,
    H_ID,
    H_INDUSTRY,
    H_PHONE,
    H_RETURNEE,
    H_TOWNSHIP,
    H_WORKPLACE,
    HEADER_ALIASES,
    HEADER_HELP,
    REQUIRED,
    TEMPLATE_LAST_ROW,
    template_prefill,
)
from .rows import read_return, row_values_for_export

WORKPLACE_OUTSIDE = ["区外市内", "市外"]


def blank_template(*, township=None) -> bytes:
    """The blank return: §5 headers, a sheet explaining each column, and dropdowns (data validation)
    for township, industry, workplace, form and 是否返乡. A clerk's copy has the township filled in."""
    from io import BytesIO

    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from targets.models import Industry, Township

    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = "季度报表"
    lists = workbook.create_sheet("选项")
    lists.sheet_state = "hidden"
    help_ws = workbook.create_sheet("填表说明")

    townships = list(Township.objects.order_by("code").values_list("name", flat=True))
    industries = list(Industry.objects.order_by("code").values_list("name", flat=True))
    columns = {
        "A": townships,
        "B": industries,
        "C": townships + WORKPLACE_OUTSIDE,
        "D": list(EmploymentForm.values),
        "E": ["是", "否"],
        "F": list(Category.values),
    }
    for letter, values in columns.items():
        for index, value in enumerate(values, start=1):
            lists[f"{letter}{index}"] = value

    required_fill = PatternFill("solid", fgColor="FDE2E2")
    for index, header in enumerate(ALL_HEADERS, start=1):
        cell = ws.cell(row=1, column=index, value=header + ("*" if header in REQUIRED else ""))
        cell.font = Font(bold=True)
        if header in REQUIRED:
            cell.fill = required_fill
        ws.column_dimensions[get_column_letter(index)].width = max(12, len(header) * 2 + 4)
    ws.freeze_panes = "A2"
    last = TEMPLATE_LAST_ROW

    def validate(header, list_column, count, *, allow_blank=True):
        col = get_column_letter(ALL_HEADERS.index(header) + 1)
        dv = DataValidation(
            type="list",
            formula1=f"=选项!${list_column}$1:${list_column}${count}",
            allow_blank=allow_blank,
            showErrorMessage=True,
            errorTitle="输入有误",
            error="请从下拉列表中选择。",
        )
        dv.add(f"{col}2:{col}{last}")
        ws.add_data_validation(dv)

    validate(H_TOWNSHIP, "A", len(townships))
    validate(H_INDUSTRY, "B", len(industries))
    validate(H_WORKPLACE, "C", len(townships) + len(WORKPLACE_OUTSIDE))
    validate(H_FORM, "D", len(EmploymentForm.values))
    validate(H_RETURNEE, "E", 2)
    id_col = get_column_letter(ALL_HEADERS.index(H_ID) + 1)
    phone_col = get_column_letter(ALL_HEADERS.index(H_PHONE) + 1)
    credit_col = get_column_letter(ALL_HEADERS.index(H_CREDIT) + 1)
    for col in (id_col, phone_col, credit_col):
        for row in range(2, last + 1):
            ws[f"{col}{row}"].number_format = "@"  # text, so Excel keeps all 18 digits
    for header, value in template_prefill(township=township).items():
        col = ALL_HEADERS.index(header) + 1
        for row in range(2, last + 1):
            ws.cell(row=row, column=col, value=value)

    help_ws.append(["列名", "是否必填", "填写说明", "也可写作"])
    for header in ALL_HEADERS:
        aliases = "、".join(HEADER_ALIASES.get(header, ()))
        help_ws.append([header, "必填" if header in REQUIRED else "选填", HEADER_HELP[header], aliases])
    help_ws.append([])
    help_ws.append(
        [
            "说明",
            "",
            "每行一条就业记录；同一人同一就业时间同一单位只填一行。整个文件全部正确才会导入，有错误时会列出全部错误。"
            "模板预先填好的内容（如户籍所在镇乡街道）不算填写：只有预填内容的行是空行，不会导入，也不计入行数。",
        ]
    )
    help_ws.append(["文件格式", "", FORMATS_HELP])
    help_ws.column_dimensions["A"].width = 20
    help_ws.column_dimensions["C"].width = 100
    help_ws.column_dimensions["D"].width = 40
    for cell in help_ws[1]:
        cell.font = Font(bold=True)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_report(batch) -> bytes:
    """The uploaded rows again, each offending cell highlighted, with a message column."""
    from io import BytesIO

    import openpyxl
    from openpyxl.styles import Font, PatternFill

    from wanzhou_jobs.spreadsheets import safe_cell_value

    sheet = read_return(batch.stored_path, mapping=batch.column_map or None)
    by_row: dict[int, list[dict]] = {}
    for issue in batch.errors:
        by_row.setdefault(issue["row"], []).append(issue)
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = "错误报告"
    ws.append(["原行号", *ALL_HEADERS, "错误说明"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    bad = PatternFill("solid", fgColor="F8B4B4")
    file_issues = by_row.get(0, [])
    if file_issues:
        ws.append([0, *([""] * len(ALL_HEADERS)), "；".join(i["message"] for i in file_issues)])
    for row in sheet.rows:
        issues = by_row.get(row.number, [])
        values = [clean_text(row.values.get(h)) for h in ALL_HEADERS]
        ws.append(
            [row.number, *(safe_cell_value(v) for v in values), "；".join(i["message"] for i in issues)]
        )
        for issue in issues:
            if issue["column"] in ALL_HEADERS:
                ws.cell(row=ws.max_row, column=ALL_HEADERS.index(issue["column"]) + 2).fill = bad
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ledger_export(*, user, township, year: int | None = None) -> bytes:
    """The township's ledger in the return's own format (it re-imports as "all unchanged"), text-safe,
    with who exported it and when above the header. Full ID numbers and phones for those who may write
    the township's ledger; masked for the read-only roles (industry departments, reviewers), whose copy
    is for reading and does not re-import (`wanzhou_jobs.files`)."""
    from io import BytesIO

    from django.utils import timezone

    from targets.scoping import scope_queryset, writable_townships
    from wanzhou_jobs.spreadsheets import write_xlsx

    from ..models import Employment

    jobs = scope_queryset(
        Employment.objects.filter(worker__township=township).select_related(
            "worker__township", "employer", "industry", "workplace_township"
        ),
        user,
        township_field="worker__township",
        industry_field="industry",
    ).order_by("worker__name", "start_date", "id")
    if year:
        jobs = jobs.filter(start_date__year=year)
    masked = not writable_townships(user).filter(pk=township.pk).exists()
    rows = jobs.iterator(chunk_size=2000)
    buffer = BytesIO()
    note = f"导出人：{user.get_username()}  导出时间：{timezone.localtime():%Y-%m-%d %H:%M}  含个人信息，请妥善保管"
    write_xlsx(
        buffer,
        [("季度报表", ALL_HEADERS, (row_values_for_export(job, masked=masked) for job in rows))],
        title=f"万州区{township.name}农民工就近就业台账",
        note=note,
    )
    return buffer.getvalue()
