"""The employments feed in PostgreSQL SQL, shared by the export's `COPY` and the feed's PostgreSQL page: the
scope and filters as conditions (every value a bound parameter), the record's columns with masking and
ISO 8601 timestamps as `records.employment_row` writes them, the joins, and session settings that last
only for the statements that need them.
"""

from contextlib import contextmanager

from django.db import connection

from targets.models import Industry, Township
from targets.scoping import Scope
from workers.models import Employer, Employment, Worker

from .filters import FeedFilters, _year_range
from .records import CATEGORY_COLUMNS, CATEGORY_LABELS, EMPLOYMENT_FIELDS


@contextmanager
def _pg_local(cursor, **settings: str):
    """PostgreSQL settings for the statements inside, restored afterwards. `set_config(…, true)` lasts to the
    end of the transaction, which may be a caller's (a test's, or ATOMIC_REQUESTS): left in place, a session
    time zone other than UTC would make Django read every later timestamp wrong."""
    previous = {}
    for name, value in settings.items():
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        previous[name] = cursor.fetchone()[0]
    yield
    for name, value in previous.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _pg_where(filters: FeedFilters, scope: Scope) -> tuple[list[str], list]:
    """Scope and filters of the employments feed as SQL conditions on `e` (employment) and `w` (worker), the
    same rows `employment_queryset` selects. Every value is a bound parameter."""
    where, params = ["TRUE"], []
    if not scope.all_townships:
        where.append("w.township_id = ANY(%s)")
        params.append(sorted(scope.township_ids))
    if not scope.all_industries:
        where.append("e.industry_id = ANY(%s)")
        params.append(sorted(scope.industry_ids))
    if filters.township_id:
        where.append("e.registration_township_id = %s")
        params.append(filters.township_id)
    if filters.industry_id:
        where.append("e.industry_id = %s")
        params.append(filters.industry_id)
    if filters.year:
        start, end = _year_range(filters.year)
        where.append("e.start_date >= %s AND e.start_date < %s")
        params += [start, end]
    if filters.updated_since:
        where.append("e.updated_at >= %s")
        params.append(filters.updated_since)
    return where, params


def _pg_columns(unmasked: bool) -> list[tuple[str, str]]:
    """(field, SQL expression) of an employment record in `EMPLOYMENT_FIELDS` order: native types, ID number
    and phone masked unless `unmasked`, timestamps as ISO 8601 text in the session's time zone (the caller
    sets it) exactly as `employment_row` writes them."""
    if unmasked:
        id_number, phone = "w.id_number", "NULLIF(w.phone, '')"
    else:
        id_number = "left(w.id_number, 6) || '********' || right(w.id_number, 4)"
        phone = "CASE WHEN w.phone = '' THEN NULL ELSE left(w.phone, 3) || '****' || right(w.phone, 4) END"
    categories = ", ".join(
        f"CASE WHEN w.{column} THEN '{label}' END"
        for column, label in zip(CATEGORY_COLUMNS, CATEGORY_LABELS, strict=True)
    )
    stamp = "'YYYY-MM-DD\"T\"HH24:MI:SS.USTZH:TZM'"
    columns = {
        "id": "e.id",
        "worker_id": "e.worker_id",
        "id_number": id_number,
        "name": "w.name",
        "phone": phone,
        "township_code": "t.code",
        "township_name": "t.name",
        "industry_code": "i.code",
        "industry_name": "i.name",
        "workplace": "e.workplace",
        "workplace_township_code": "wt.code",
        "workplace_township_name": "wt.name",
        "form": "e.form",
        "start_date": "e.start_date",
        "end_date": "e.end_date",
        "returnee": "e.returnee",
        "categories": f"array_remove(ARRAY[{categories}]::text[], NULL)",
        "employer_name": "em.name",
        "employer_credit_code": "NULLIF(em.credit_code, '')",
        "created_at": f"to_char(e.created_at, {stamp})",
        "updated_at": f"to_char(e.updated_at, {stamp})",
    }
    return [(name, columns[name]) for name in EMPLOYMENT_FIELDS]


def _pg_from() -> str:
    return f"""
        FROM {_q(Employment)} e
        JOIN {_q(Worker)} w ON w.id = e.worker_id
        JOIN {_q(Township)} t ON t.id = e.registration_township_id
        JOIN {_q(Industry)} i ON i.id = e.industry_id
        JOIN {_q(Employer)} em ON em.id = e.employer_id
        LEFT JOIN {_q(Township)} wt ON wt.id = e.workplace_township_id
    """
