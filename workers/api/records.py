"""The records of the ledger feeds (DESIGN.md §6): their fields in output order (also the CSV header and the
access log's "fields"), the `values_list` columns they are read from, and the plain functions that turn
such a row into a dict (no serializer per row). ID numbers and phone numbers are masked here, server-side,
unless the client holds `read_unmasked`.
"""

from datetime import datetime

from workers.models import CATEGORY_FIELDS
from workers.validators import mask_id_number, mask_phone

CATEGORY_LABELS = tuple(str(category.value) for category in CATEGORY_FIELDS)
CATEGORY_COLUMNS = tuple(CATEGORY_FIELDS.values())

# The fields of one record, in output order (also the CSV header and the access log's "fields").
EMPLOYMENT_FIELDS = (
    "id",
    "worker_id",
    "id_number",
    "name",
    "phone",
    "township_code",
    "township_name",
    "industry_code",
    "industry_name",
    "workplace",
    "workplace_township_code",
    "workplace_township_name",
    "form",
    "start_date",
    "end_date",
    "returnee",
    "categories",
    "employer_name",
    "employer_credit_code",
    "created_at",
    "updated_at",
)
WORKER_FIELDS = (
    "id",
    "id_number",
    "name",
    "phone",
    "township_code",
    "township_name",
    "categories",
    "created_at",
    "updated_at",
)
TOMBSTONE_FIELDS = ("id", "deleted", "deleted_at")

_EMPLOYMENT_VALUES = (
    "id",
    "worker_id",
    "worker__id_number",
    "worker__name",
    "worker__phone",
    "registration_township__code",
    "registration_township__name",
    "industry__code",
    "industry__name",
    "workplace",
    "workplace_township__code",
    "workplace_township__name",
    "form",
    "start_date",
    "end_date",
    "returnee",
    *(f"worker__{column}" for column in CATEGORY_COLUMNS),
    "employer__name",
    "employer__credit_code",
    "created_at",
    "updated_at",
)
_WORKER_VALUES = (
    "id",
    "id_number",
    "name",
    "phone",
    "township__code",
    "township__name",
    *CATEGORY_COLUMNS,
    "created_at",
    "updated_at",
)
_CAT_START = 16
_CAT_END = _CAT_START + len(CATEGORY_COLUMNS)
_W_CAT_END = 6 + len(CATEGORY_COLUMNS)


def _iso(value: datetime | None, tz) -> str | None:
    return value.astimezone(tz).isoformat(timespec="microseconds") if value is not None else None


def employment_row(r: tuple, unmasked: bool, tz) -> dict:
    phone = r[4]
    return {
        "id": r[0],
        "worker_id": r[1],
        "id_number": r[2] if unmasked else mask_id_number(r[2]),
        "name": r[3],
        "phone": (phone if unmasked else mask_phone(phone)) if phone else None,
        "township_code": r[5],
        "township_name": r[6],
        "industry_code": r[7],
        "industry_name": r[8],
        "workplace": r[9],
        "workplace_township_code": r[10],
        "workplace_township_name": r[11],
        "form": r[12],
        "start_date": r[13].isoformat(),
        "end_date": r[14].isoformat() if r[14] else None,
        "returnee": r[15],
        "categories": [
            label for label, flag in zip(CATEGORY_LABELS, r[_CAT_START:_CAT_END], strict=True) if flag
        ],
        "employer_name": r[_CAT_END],
        "employer_credit_code": r[_CAT_END + 1] or None,
        "created_at": _iso(r[_CAT_END + 2], tz),
        "updated_at": _iso(r[_CAT_END + 3], tz),
        "deleted": False,
    }


def worker_row(r: tuple, unmasked: bool, tz) -> dict:
    phone = r[3]
    return {
        "id": r[0],
        "id_number": r[1] if unmasked else mask_id_number(r[1]),
        "name": r[2],
        "phone": (phone if unmasked else mask_phone(phone)) if phone else None,
        "township_code": r[4],
        "township_name": r[5],
        "categories": [label for label, flag in zip(CATEGORY_LABELS, r[6:_W_CAT_END], strict=True) if flag],
        "created_at": _iso(r[_W_CAT_END], tz),
        "updated_at": _iso(r[_W_CAT_END + 1], tz),
        "deleted": False,
    }
