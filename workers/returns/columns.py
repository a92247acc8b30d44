"""Mapping the columns of a return whose header was not found (DESIGN.md §5, issue 17 item 4): the page shows
the file's columns with their first values (`return_columns`), the clerk confirms which is which
(`return_map_columns`), and the mapping is remembered for the township and the file's header texts, to be
offered when the same layout comes again. The file is then checked as any other: a mapping names columns,
it never bypasses a check."""

from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from targets import audit
from wanzhou_jobs.spreadsheets import Column, SpreadsheetError, read_columns

from .. import resources as R
from ..models import ImportBatch, ReturnColumnMapping
from .batches import return_validate
from .plan import BATCH_NOT_YOURS, BATCH_WRONG_STATE, FILE_GONE, Plan
from .states import batch_move


@dataclass
class FileColumns:
    header_row: int
    columns: list[Column]
    selected: dict[int, str]  # column index → return header pre-selected ("" for none)
    remembered: bool  # the selection is the township's mapping of these header texts


def _mappable(batch: ImportBatch, acting_user) -> Path:
    if batch.uploaded_by_id != acting_user.pk:
        raise PermissionDenied(str(BATCH_NOT_YOURS))
    if batch.status not in {ImportBatch.Status.REJECTED, ImportBatch.Status.VALIDATED}:
        raise ValidationError(BATCH_WRONG_STATE.format(status=batch.get_status_display()))
    path = Path(batch.stored_path) if batch.stored_path else None
    if path is None or not path.exists():
        raise ValidationError(FILE_GONE)
    return path


def remembered_mapping(*, township, texts) -> dict | None:
    """The mapping the township's clerk confirmed for a file with these header texts, if any."""
    if township is None:
        return None
    key, _keys = R.headers_fingerprint(texts)
    found = ReturnColumnMapping.objects.filter(township=township, headers_key=key).first()
    return found.mapping if found is not None else None


def return_columns(*, batch: ImportBatch, acting_user) -> FileColumns:
    """The stored file's columns under its likeliest header row, each with its first values, and the field
    pre-selected for each: the township's remembered mapping of these header texts, else a best guess."""
    path = _mappable(batch, acting_user)
    try:
        sheet = read_columns(path, required=R.REQUIRED, optional=R.OPTIONAL, aliases=R.HEADER_ALIASES)
    except SpreadsheetError as exc:
        raise ValidationError(exc.messages) from None
    remembered = remembered_mapping(township=batch.township, texts=[c.text for c in sheet.columns])
    return FileColumns(
        header_row=sheet.header_row,
        columns=sheet.columns,
        selected=R.guess_mapping(sheet.columns, remembered),
        remembered=remembered is not None,
    )


def return_map_columns(
    *, batch: ImportBatch, acting_user, mapping: dict[str, str], validate: bool = True
) -> Plan | None:
    """Check the stored file again with the clerk's mapping (file header → return header, "" = not read),
    remember the mapping for the batch's township, and record the result on the batch as any validation.
    Without `validate` the batch goes back to "uploaded", for the validation task (a large file)."""
    _mappable(batch, acting_user)
    problems = R.mapping_problems(mapping)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        batch.column_map = dict(mapping)
        batch.errors, batch.finished_at = [], None
        if not validate:
            batch_move(batch, ImportBatch.Status.UPLOADED)
        batch.save(update_fields=["column_map", "errors", "finished_at", "status"])
        if batch.township_id is not None:
            key, keys = R.headers_fingerprint(mapping)
            ReturnColumnMapping.objects.update_or_create(
                township_id=batch.township_id,
                headers_key=key,
                defaults={"headers": keys, "mapping": dict(mapping), "updated_by": acting_user},
            )
            audit.audit_event(
                "return_columns", obj=batch, actor=acting_user, detail={"mapping": dict(mapping)}
            )
    return return_validate(batch=batch, acting_user=acting_user) if validate else None
