"""Pages of the quarterly-return flow: upload → preview (dry run) → confirm → result; history; the returns
board; template, error report and ledger export downloads. Thin: parse input, call `workers.returns`,
render. Every query goes through `targets.scoping`."""

from pathlib import Path
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from targets.audit import audit_event
from targets.models import Role, Township
from targets.scoping import scope_for, scope_queryset, visible_townships, writable_townships

from . import resources, returns, selectors, tasks
from .models import ImportBatch

ASYNC_VALIDATE_BYTES = 150 * 1024  # about 2,000 rows of a return


def _checked_in_worker(batch: ImportBatch) -> bool:
    """A file is checked in the worker when one runs (`tasks.worker_runs_tasks`) or when it is big; the page
    then follows the batch's progress. Otherwise it is checked within the request."""
    return batch.file_size > ASYNC_VALIDATE_BYTES or tasks.worker_runs_tasks()


def _batches(request):
    """Batches hold the file's full ID numbers and phones (its rows, its error report): they belong to
    those who may write the township's ledger (its clerk, bureau staff), not to the read-only roles."""
    return scope_queryset(
        ImportBatch.objects.select_related("township", "uploaded_by"),
        request.user,
        township_field="township",
        write=True,
    )


def _own_batch(request, pk: int) -> ImportBatch:
    batch = _batches(request).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("季度报表文件（.xlsx、.xls、.ods 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(resources.ACCEPTED_EXTENSIONS)}),
    )
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=[(y, y) for y in (2025, 2026, 2027)])
    quarter = forms.TypedChoiceField(
        label=_("季度"), coerce=int, choices=[(q, f"第{q}季度") for q in (1, 2, 3, 4)]
    )
    # Bureau staff only (a clerk's return is always their own township's): a township, whose people alone the
    # file may hold, or 全区 — the district's stock of people in work, each row in its own township.
    township = forms.ModelChoiceField(
        label=_("报送镇乡街道"),
        queryset=Township.objects.none(),
        required=False,
        empty_label=_("全区（文件含多个镇乡街道的人员，每行计入其户籍所在镇乡街道）"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        townships = writable_townships(user)
        if townships.count() == 1:
            del self.fields["township"]
        else:
            self.fields["township"].queryset = townships
        today = timezone.localdate()
        last_closed = (today.month - 1) // 3 or 4
        self.fields["quarter"].initial = last_closed
        self.fields["year"].initial = today.year if last_closed != 4 else today.year - 1

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The name only refuses formats not accepted; the content decides the format when it is read.
        resources.check_file_name(upload.name)
        return upload


@login_required
def return_list(request):
    batches = _batches(request)
    township = request.GET.get("township")
    if township:
        batches = batches.filter(township__code=township)
    page = Paginator(batches, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "workers/return_list.html",
        {"page": page, "townships": visible_townships(request.user), "township": township},
    )


@login_required
def return_upload(request):
    if not scope_for(request.user).can_write:
        raise PermissionDenied(_("您的账号为只读账号，不能导入数据。"))
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    same_file = None  # the earlier import of an identical file
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = returns.return_upload(
                acting_user=request.user,
                file_obj=data["file"],
                file_name=data["file"].name,
                township=data.get("township"),
                year=data["year"],
                quarter=data["quarter"],
            )
        except returns.SameFile as exc:
            same_file = exc.batch  # no second batch: the page names the earlier import and links to it
            form.add_error("file", exc)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if _checked_in_worker(batch):
                tasks.run_soon(tasks.return_validate, batch.pk, request.user.pk)
            elif returns.return_validate(batch=batch, acting_user=request.user).needs_mapping:
                return redirect("workers:return_columns", pk=batch.pk)
            return redirect("workers:return_detail", pk=batch.pk)
    return render(request, "workers/return_upload.html", {"form": form, "same_file": same_file})


@login_required
def return_detail(request, pk: int):
    batch = _own_batch(request, pk)
    issues = Paginator(batch.errors, 200).get_page(request.GET.get("page"))
    has_file = bool(batch.stored_path) and Path(batch.stored_path).exists()
    own = batch.uploaded_by_id == request.user.pk
    return render(
        request,
        "workers/return_detail.html",
        {
            "batch": batch,
            "issues": issues,
            "summary": returns.return_summary(batch),
            "can_confirm": batch.status == ImportBatch.Status.VALIDATED and own,
            "can_discard": batch.status == ImportBatch.Status.VALIDATED and own,
            "can_retry": batch.status == ImportBatch.Status.FAILED and own and has_file,
            "can_map": own
            and has_file
            and batch.status == ImportBatch.Status.REJECTED
            and any(e["row"] == 0 and e["column"] == returns.HEADER_COLUMN for e in batch.errors),
            "preview": [
                {**row, "outcome_label": OUTCOME_LABELS.get(row["outcome"], "")} for row in batch.preview
            ],
            "can_rollback": batch.status == ImportBatch.Status.IMPORTED
            and scope_for(request.user).role == Role.BUREAU,
            "running": batch.status
            in {
                ImportBatch.Status.UPLOADED,
                ImportBatch.Status.VALIDATING,
                ImportBatch.Status.QUEUED,
                ImportBatch.Status.IMPORTING,
            },
            "has_file": has_file,
        },
    )


OUTCOME_LABELS = {
    returns.OUTCOME_NEW: _("新增"),
    returns.OUTCOME_UPDATED: _("更新"),
    returns.OUTCOME_UNCHANGED: _("未变化"),
}


@login_required
@require_POST
def return_retry(request, pk: int):
    """The uploader starts a failed batch over from its stored file: checked again, then confirmed again."""
    batch = _own_batch(request, pk)
    try:
        batch = returns.return_retry(batch=batch, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if _checked_in_worker(batch):
            tasks.run_soon(tasks.return_validate, batch.pk, request.user.pk)
        else:
            returns.return_validate(batch=batch, acting_user=request.user)
    return redirect("workers:return_detail", pk=pk)


@login_required
def return_discard(request, pk: int):
    """The uploader gives up a checked batch (a confirmation page, then a POST): marked, not deleted."""
    batch = _own_batch(request, pk)
    if batch.uploaded_by_id != request.user.pk:
        raise PermissionDenied(returns.ONLY_UPLOADER_DISCARDS)
    if request.method == "POST":
        try:
            returns.return_discard(batch=batch, acting_user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("批次 #{pk} 已放弃，没有导入任何数据。").format(pk=batch.pk))
        return redirect("workers:return_detail", pk=pk)
    return render(request, "workers/return_discard.html", {"batch": batch})


@login_required
def return_columns(request, pk: int):
    """The file's columns with their first values and a field per column, pre-selected (the township's
    remembered mapping of these headers, else a best guess); the clerk confirms, the file is checked."""
    batch = _own_batch(request, pk)
    try:
        found = returns.return_columns(batch=batch, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("workers:return_detail", pk=pk)
    choices = [
        ("", _("（不导入）")),
        *((h, h + ("（必填）" if h in resources.REQUIRED else "")) for h in resources.ALL_HEADERS),
    ]
    selected = dict(found.selected)
    problems: list[str] = []
    if request.method == "POST":
        selected = {c.index: request.POST.get(f"col_{c.index}", "") for c in found.columns}
        known = {value for value, _label in choices}
        selected = {index: value if value in known else "" for index, value in selected.items()}
        mapping = {c.text: selected[c.index] for c in found.columns}
        big = _checked_in_worker(batch)
        try:
            plan = returns.return_map_columns(
                batch=batch, acting_user=request.user, mapping=mapping, validate=not big
            )
        except ValidationError as exc:
            problems = exc.messages
        else:
            if big:
                tasks.run_soon(tasks.return_validate, batch.pk, request.user.pk)
            elif plan.needs_mapping:
                problems = [str(e.message) for e in plan.errors]
            if not problems:
                return redirect("workers:return_detail", pk=pk)
    columns = [
        {
            "index": c.index,
            "text": c.text,
            "samples": [resources.masked_sample(v) for v in c.samples],
            "selected": selected.get(c.index, ""),
        }
        for c in found.columns
    ]
    return render(
        request,
        "workers/return_columns.html",
        {
            "batch": batch,
            "columns": columns,
            "choices": choices,
            "header_row": found.header_row,
            "remembered": found.remembered,
            "problems": problems,
        },
    )


@login_required
def return_status(request, pk: int):
    batch = _own_batch(request, pk)
    return JsonResponse(
        {
            "status": batch.status,
            "status_display": str(batch.get_status_display()),
            "rows_total": batch.rows_total,
            "rows_processed": batch.rows_processed,
            "finished": batch.status not in {"uploaded", "validating", "queued", "importing"},
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
@require_POST
def return_confirm(request, pk: int):
    batch = _own_batch(request, pk)
    if batch.uploaded_by_id != request.user.pk:
        raise PermissionDenied(returns.BATCH_NOT_YOURS)
    try:
        if batch.rows_total > returns.ASYNC_THRESHOLD or tasks.worker_runs_tasks():
            returns.return_queue(batch=batch)
            tasks.run_soon(tasks.return_import, batch.pk, request.user.pk)
        else:
            batch = returns.return_import(batch=batch, acting_user=request.user)
            messages.success(request, returns.return_summary(batch))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("workers:return_detail", pk=pk)


class RollbackForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


@login_required
def return_rollback(request, pk: int):
    batch = _own_batch(request, pk)
    if scope_for(request.user).role != Role.BUREAU:
        raise PermissionDenied(returns.ONLY_BUREAU_ROLLBACK)
    form = RollbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            returns.return_rollback(batch=batch, acting_user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("批次 #{pk} 已撤销。").format(pk=batch.pk))
        return redirect("workers:return_detail", pk=pk)
    return render(request, "workers/return_rollback.html", {"batch": batch, "form": form})


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


@login_required
def return_errors_xlsx(request, pk: int):
    batch = _own_batch(request, pk)
    if not batch.stored_path or not Path(batch.stored_path).exists():
        raise Http404
    content = resources.error_report(batch)
    audit_event("export", obj=batch, actor=request.user, detail={"file": "errors.xlsx"})
    return _xlsx_response(content, f"错误报告-{batch.file_name}")


@login_required
def return_template(request):
    townships = writable_townships(request.user)
    township = townships.first() if townships.count() == 1 else None
    content = resources.blank_template(township=township)
    name = f"季度报表模板-{township.name}.xlsx" if township else "季度报表模板.xlsx"
    return _xlsx_response(content, name)


@login_required
def ledger_export(request):
    townships = visible_townships(request.user)
    code = request.GET.get("township") or (townships.first().code if townships.count() == 1 else "")
    township = townships.filter(code=code).first()
    if township is None:
        raise Http404
    year = request.GET.get("year")
    content = resources.ledger_export(
        user=request.user, township=township, year=int(year) if year and year.isdigit() else None
    )
    audit_event(
        "export", actor=request.user, township=township.pk, detail={"file": "ledger.xlsx", "year": year or ""}
    )
    return _xlsx_response(content, f"就业台账-{township.name}.xlsx")


@login_required
def returns_board(request):
    if scope_for(request.user).role != Role.BUREAU:
        raise PermissionDenied(_("只有区人力社保局工作人员可以查看报送情况。"))
    year = int(request.GET.get("year") or timezone.localdate().year)
    board = selectors.returns_board(year=year)
    return render(
        request, "workers/returns_board.html", {"board": board, "year": year, "years": (2025, 2026, 2027)}
    )
