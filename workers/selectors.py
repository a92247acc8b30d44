"""The counting rules of DESIGN.md §4.3–4.7, implemented once, as set-based queries in the database.

Rule 4.3 — new nearby employment in year Y: distinct workers with at least one employment starting in Y whose
workplace is inside Wanzhou; each counts once a year, in the township of their registration and the industry
of their earliest such employment in Y (ties: lowest id). One query returns the township × industry matrix;
the district, township and industry figures are sums of it, so they can never disagree.
Rule 4.4 — cumulative 2025–2027: the sum of the yearly counts, with the number of distinct people beside it.
Rule 4.5 — returnees in Y: distinct workers with a returnee-flagged in-district employment starting in Y.
Rule 4.6 — poverty-alleviated people in work at D: distinct 脱贫人口 workers with an employment (any
workplace, pre-plan jobs included) active on D, each in the township of registration on D.
Rule 4.1 — every count by township uses the township of registration on the job's start date, stored on the
job (`Employment.registration_township`, kept in step by workers.services.registration): a move never
changes a figure of an earlier period. Jobs before 2025 (rule 4.2) fall outside every plan year's window.
Rule 4.7 — time progress at D in Y: days elapsed including D ÷ days in Y (past years 1, future years 0).
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from .models import Employment, RegistrationPeriod, Worker, Workplace

PLAN_YEARS = (2025, 2026, 2027)


def year_window(year: int, as_of: date | None = None) -> tuple[date, date]:
    """The first day of `year` and the last day counted: 31 December, or `as_of` when it cuts the year."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    if as_of is not None and as_of < end:
        end = as_of
    return start, end


def time_progress(year: int, as_of: date | None = None) -> float:
    """Rule 4.7. `as_of` defaults to today; for a past year D is 31 December; a future year is 0."""
    as_of = as_of or timezone.localdate()
    if as_of.year > year:
        return 1.0
    if as_of.year < year:
        return 0.0
    days = 366 if calendar.isleap(year) else 365
    return as_of.timetuple().tm_yday / days


@dataclass(frozen=True)
class CountMatrix:
    """Counts of distinct workers by (township id, industry id)."""

    cells: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def by_township(self) -> dict[int, int]:
        out: dict[int, int] = defaultdict(int)
        for (township_id, _industry_id), n in self.cells.items():
            out[township_id] += n
        return dict(out)

    def by_industry(self) -> dict[int, int]:
        out: dict[int, int] = defaultdict(int)
        for (_township_id, industry_id), n in self.cells.items():
            out[industry_id] += n
        return dict(out)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _township_filter(township_ids, params: list, column: str = "f.township_id") -> str:
    """An ` AND …` clause limiting `column` to the given townships (None: no limit)."""
    if township_ids is None:
        return ""
    ids = [int(i) for i in township_ids]
    if not ids:
        return " AND 1 = 0"
    params.extend(ids)
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})"


def _first_jobs(extra_where: str = "") -> tuple[str, str]:
    """Each worker's earliest in-district job in a window (params: workplace, start, end), as `f` with
    worker_id, industry_id, start_date and township_id — the township of registration on its start date
    (rule 4.1). PostgreSQL uses DISTINCT ON over the counting index; other databases a ROW_NUMBER window.
    Both pick the same row (earliest start date, then lowest id). Returns (subquery, condition on f)."""
    employment = _table(Employment)
    columns = "e.worker_id, e.industry_id, e.start_date, e.registration_township_id AS township_id"
    where = f"e.workplace = %s AND e.start_date >= %s AND e.start_date <= %s{extra_where}"
    if connection.vendor == "postgresql":
        return (
            f"SELECT DISTINCT ON (e.worker_id) {columns} FROM {employment} e WHERE {where} "
            "ORDER BY e.worker_id, e.start_date, e.id",
            "1 = 1",
        )
    return (
        f"SELECT {columns}, ROW_NUMBER() OVER (PARTITION BY e.worker_id ORDER BY e.start_date, e.id) AS rn "
        f"FROM {employment} e WHERE {where}",
        "f.rn = 1",
    )


def nearby_employment_matrix(*, year: int, as_of: date | None = None, township_ids=None) -> CountMatrix:
    """Rule 4.3: counts by (township id, industry id) of workers counted in `year` up to `as_of`."""
    cells: dict[tuple[int, int], int] = defaultdict(int)
    for (township_id, industry_id, _month), n in nearby_employment_by_month(
        year=year, as_of=as_of, township_ids=township_ids
    ).items():
        cells[(township_id, industry_id)] += n
    return CountMatrix(dict(cells))


def nearby_employment_by_month(
    *, year: int, as_of: date | None = None, township_ids=None
) -> dict[tuple[int, int, int], int]:
    """Rule 4.3 as one query: each worker's earliest in-district job of the year, grouped by the township of
    registration on its start date, its industry and the month it started. A worker counts as of D exactly
    when that earliest job started by D, so the cumulative sum over months is the monthly series and the sum
    over all months is the matrix. The township comes from the job row (rule 4.1), so no join is needed and
    a later move changes nothing here."""
    start, end = year_window(year, as_of)
    if end < start:
        return {}
    params: list = [Workplace.IN_DISTRICT, start, end]
    first_jobs, where_first = _first_jobs()
    month = (
        "CAST(date_part('month', f.start_date) AS INTEGER)"
        if connection.vendor == "postgresql"
        else "CAST(strftime('%%m', f.start_date) AS INTEGER)"
    )
    sql = (
        f"SELECT f.township_id, f.industry_id, {month} AS m, COUNT(*) FROM ({first_jobs}) f "
        f"WHERE {where_first}{_township_filter(township_ids, params)} "
        f"GROUP BY f.township_id, f.industry_id, {month}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(t, i, m): n for t, i, m, n in cursor.fetchall()}


def returnee_counts(*, year: int, as_of: date | None = None, township_ids=None) -> dict[int, int]:
    """Rule 4.5: distinct returnee workers by township id, each once a year: in the township of
    registration on the start date of their earliest returnee-flagged in-district job of the year."""
    start, end = year_window(year, as_of)
    if end < start:
        return {}
    params: list = [Workplace.IN_DISTRICT, start, end]
    first_jobs, where_first = _first_jobs(" AND e.returnee")
    sql = (
        f"SELECT f.township_id, COUNT(*) FROM ({first_jobs}) f "
        f"WHERE {where_first}{_township_filter(township_ids, params)} GROUP BY f.township_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def distinct_people(*, first_year: int, last_year: int, as_of: date | None = None, township_ids=None) -> int:
    """Rule 4.4: distinct workers with an in-district job starting in first_year … last_year (up to as_of);
    with `township_ids`, a job counted in one of them (the township of registration on its start date)."""
    start = date(first_year, 1, 1)
    _s, end = year_window(last_year, as_of)
    if end < start:
        return 0
    params: list = [Workplace.IN_DISTRICT, start, end]
    township_sql = _township_filter(township_ids, params, "e.registration_township_id")
    sql = (
        f"SELECT COUNT(DISTINCT e.worker_id) FROM {_table(Employment)} e "
        f"WHERE e.workplace = %s AND e.start_date >= %s AND e.start_date <= %s{township_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class Cumulative:
    count: int
    distinct_people: int
    by_year: dict[int, int]


def cumulative(*, as_of: date | None = None, township_ids=None, years=PLAN_YEARS) -> Cumulative:
    """Rule 4.4: the yearly counts of the plan years up to `as_of`, summed; distinct people beside it."""
    by_year = {}
    for year in years:
        if as_of is not None and as_of < date(year, 1, 1):
            by_year[year] = 0
            continue
        # A year's count is the number of distinct workers with an in-district job starting in it (rule
        # 4.3 counts each worker once a year; the earliest job only decides where they count). For some
        # townships it is the matrix's: a person who moved in the year counts where their earliest job was.
        if township_ids is None:
            by_year[year] = distinct_people(first_year=year, last_year=year, as_of=as_of)
        else:
            by_year[year] = nearby_employment_matrix(year=year, as_of=as_of, township_ids=township_ids).total
    people = distinct_people(first_year=years[0], last_year=years[-1], as_of=as_of, township_ids=township_ids)
    return Cumulative(count=sum(by_year.values()), distinct_people=people, by_year=by_year)


def active_on(day: date) -> Q:
    """Employments active on `day` (started, not yet ended)."""
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def poverty_alleviated_in_work(*, on: date, township_ids=None) -> int:
    """Rule 4.6: distinct 脱贫人口 workers with an employment active on `on`, any workplace (pre-plan jobs
    included). A stock on a day, so each person counts once, in the township of registration on that day
    (not on each job's start date, which could count one person in two townships)."""
    workers = Worker.objects.filter(is_poverty_alleviated=True).filter(
        Exists(Employment.objects.filter(active_on(on), worker=OuterRef("pk")))
    )
    if township_ids is not None:
        # A semi-join on the period holding `on` (the registration_worker_from index), not a per-worker
        # ORDER BY … LIMIT 1: bench/counting.py, 1M jobs.
        workers = workers.filter(
            Exists(
                RegistrationPeriod.objects.filter(
                    worker=OuterRef("pk"), township_id__in=list(township_ids), from_date__lte=on
                ).filter(Q(until__isnull=True) | Q(until__gt=on))
            )
        )
    return workers.count()


def workers_employed_on(day: date) -> Q:
    """A filter for workers with at least one employment active on `day` (the derived employment status)."""
    return Q(Exists(Employment.objects.filter(active_on(day), worker=OuterRef("pk"))))


class CountedWorkers:
    """The people behind a rule-4.3 count (drill-down), or with `returnee` a rule-4.5 count: the workers counted
    in `year` up to `as_of`, in the order township, start date, person, each with `counted_industry_id`,
    `counted_start_date` and `counted_township_id` — the industry, start date and township of registration
    on that date (rule 4.1) of the earliest in-district job of the year that made them count — and
    `moved_out` (registered elsewhere now: a later move).

    The earliest jobs come from `_first_jobs`, the same query the counts group (one implementation of the
    rule), so a list always holds exactly the people of the figure it was opened from. A Paginator takes it
    as it is: `count()` and each slice run one query, a slice fetches only the page's people (issue 27: the
    list was 2.5–5 s for the district at 1M employments when every worker's first job was a subquery).
    `township_ids` / `industry_ids` (None: all) narrow by the counted township and industry — the viewer's
    scope and the dashboard's filter, intersected by the caller."""

    def __init__(
        self,
        *,
        year: int,
        as_of: date | None = None,
        township_ids=None,
        industry_ids=None,
        month: int | None = None,
        returnee: bool = False,
    ):
        self.start, self.end = year_window(year, as_of)
        self.township_ids = None if township_ids is None else sorted({int(i) for i in township_ids})
        self.industry_ids = None if industry_ids is None else sorted({int(i) for i in industry_ids})
        self.month = month
        self.returnee = returnee
        self._count: int | None = None

    def _query(self, select: str, tail: str = "") -> tuple[str, list]:
        params: list = [Workplace.IN_DISTRICT, self.start, self.end]
        extra = ""
        if self.township_ids and len(self.township_ids) <= 5:
            # A township's list: only people with a job of the window registered there can count there, so
            # the earliest jobs are looked up for them alone (employment_township_window), not for the district.
            marks = ", ".join(["%s"] * len(self.township_ids))
            extra = (
                f" AND e.worker_id IN (SELECT t.worker_id FROM {_table(Employment)} t WHERE t.workplace = %s"
                f" AND t.registration_township_id IN ({marks}) AND t.start_date >= %s AND t.start_date <= %s)"
            )
            params += [Workplace.IN_DISTRICT, *self.township_ids, self.start, self.end]
        first_jobs, where = _first_jobs(extra)
        where = f" WHERE {where}"
        where += _township_filter(self.township_ids, params)
        where += _township_filter(self.industry_ids, params, column="f.industry_id")
        if self.month is not None:
            month = (
                "CAST(date_part('month', f.start_date) AS INTEGER)"
                if connection.vendor == "postgresql"
                else "CAST(strftime('%%m', f.start_date) AS INTEGER)"
            )
            where += f" AND {month} = %s"
            params.append(int(self.month))
        if self.returnee:
            where += (
                f" AND EXISTS (SELECT 1 FROM {_table(Employment)} r WHERE r.worker_id = f.worker_id"
                " AND r.returnee AND r.workplace = %s AND r.start_date >= %s AND r.start_date <= %s)"
            )
            params += [Workplace.IN_DISTRICT, self.start, self.end]
        return f"SELECT {select} FROM ({first_jobs}) f{where}{tail}", params

    def count(self) -> int:
        if self._count is None:
            if self.end < self.start:
                self._count = 0
            else:
                sql, params = self._query("COUNT(*)")
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    self._count = cursor.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def exists(self) -> bool:
        return bool(self[:1])

    def get(self) -> Worker:
        """The one person of the list (as `QuerySet.get()`: none or several is an error)."""
        found = self[:2]
        if not found:
            raise Worker.DoesNotExist("no counted worker")
        if len(found) > 1:
            raise Worker.MultipleObjectsReturned("more than one counted worker")
        return found[0]

    def _rows(self, offset: int, limit: int | None) -> list[Worker]:
        if self.end < self.start or limit == 0:
            return []
        tail = " ORDER BY f.township_id, f.start_date, f.worker_id"
        if limit is not None:
            tail += f" LIMIT {int(limit)}"
        if offset:
            no_limit = limit is None and connection.vendor == "sqlite"
            tail += f" LIMIT -1 OFFSET {int(offset)}" if no_limit else f" OFFSET {int(offset)}"
        sql, params = self._query("f.worker_id, f.industry_id, f.start_date, f.township_id", tail)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        people = Worker.objects.select_related("township").in_bulk([r[0] for r in rows])
        out = []
        for worker_id, industry_id, start_date, township_id in rows:
            worker = people[worker_id]
            if isinstance(start_date, str):  # SQLite hands back raw SQL dates as text
                start_date = date.fromisoformat(start_date)
            worker.counted_industry_id = industry_id
            worker.counted_start_date = start_date
            worker.counted_township_id = township_id
            worker.moved_out = worker.township_id != township_id
            out.append(worker)
        return out

    def __getitem__(self, key):
        if isinstance(key, slice):
            if key.step is not None:
                raise ValueError("CountedWorkers takes slices without a step")
            offset = key.start or 0
            limit = None if key.stop is None else max(key.stop - offset, 0)
            return self._rows(offset, limit)
        found = self._rows(int(key), 1)
        if not found:
            raise IndexError(key)
        return found[0]

    def __iter__(self):
        return iter(self._rows(0, None))


def nearby_counted_workers(
    *, year: int, as_of: date | None = None, township_id: int | None = None, industry_id: int | None = None
) -> CountedWorkers:
    """The people behind a rule-4.3 count (drill-down), optionally of one township or industry."""
    return CountedWorkers(
        year=year,
        as_of=as_of,
        township_ids=None if township_id is None else [township_id],
        industry_ids=None if industry_id is None else [industry_id],
    )


#: A quarterly return is due by the 10th day after its quarter ends (the deadline day of DESIGN.md §7's
#: operators); until the quarter ends it is in progress.
RETURN_DEADLINE_DAYS = 10


def return_deadline(year: int, quarter: int) -> date:
    from datetime import timedelta

    from targets.services import quarter_end

    return quarter_end(year, quarter) + timedelta(days=RETURN_DEADLINE_DAYS)


def returns_board(*, year: int, today: date | None = None) -> dict:
    """DHIS2's reporting rate for quarterly returns: per township and quarter of `year`, the latest imported
    batch (when, by whom, rows) or the state of the missing return — in progress (the quarter has not
    ended), due (ended, deadline ahead) or overdue — and which of the 49 townships of annex 1 have not
    submitted the last closed quarter. The three streets without a target are listed apart, as on the
    dashboard."""
    from targets.models import Township
    from targets.services import quarter_end

    from .models import ImportBatch

    today = today or timezone.localdate()
    closed = [q for q in (1, 2, 3, 4) if quarter_end(year, q) < today]
    latest = {}
    batches = (
        ImportBatch.objects.filter(year=year, status=ImportBatch.Status.IMPORTED)
        .select_related("uploaded_by")
        .order_by("created_at")
    )
    for batch in batches:
        latest[(batch.township_id, batch.quarter)] = batch

    def cell(township, quarter):
        batch = latest.get((township.pk, quarter))
        deadline = return_deadline(year, quarter)
        if batch is not None:
            state = "submitted"
        elif quarter_end(year, quarter) >= today:
            state = "in_progress"
        elif deadline >= today:
            state = "due"
        else:
            state = "overdue"
        return {"batch": batch, "state": state, "deadline": deadline}

    rows, apart = [], []
    for township in Township.objects.order_by("code"):
        row = {"township": township, "cells": [cell(township, q) for q in (1, 2, 3, 4)]}
        (rows if township.in_plan else apart).append(row)
    last_closed = closed[-1] if closed else None
    missing = [r["township"] for r in rows if last_closed and r["cells"][last_closed - 1]["batch"] is None]
    submitted = len(rows) - len(missing) if last_closed else 0
    return {
        "rows": rows,
        "apart": apart,
        "last_closed": last_closed,
        "last_deadline": return_deadline(year, last_closed) if last_closed else None,
        "missing": missing,
        "overdue": bool(last_closed) and return_deadline(year, last_closed) < today,
        "rate": round(submitted / len(rows), 4) if rows and last_closed else None,
    }


# --- Added for assistance (issue 9): employment active in a window -------------------------------------


def active_between(first, last) -> Q:
    """Employments active on at least one day of [first, last]: started by `last`, not ended before `first`.

    `first` and `last` may be dates or expressions (e.g. ``OuterRef("course__end_date")``), so callers can
    ask the question per row in one query. `active_on(day)` is the one-day case."""
    return Q(start_date__lte=last) & (Q(end_date__isnull=True) | Q(end_date__gte=first))


def employers_visible(user) -> QuerySet:
    """The employers a user may see and pick (issue 16, item 4): organisations with a 统一社会信用代码 and the
    employers already used in the user's townships. A sole trader with no code, often named after a person,
    stays hidden from the other townships' clerks — in the employer list, its autocomplete and the job
    form's employer field alike."""
    from targets.scoping import scope_for, scope_queryset

    from .models import Employer

    employers = Employer.objects.all()
    if scope_for(user).all_townships:
        return employers
    used_here = scope_queryset(Employment.objects.all(), user, township_field="worker__township")
    # A semi-join per employer without a code (through the index on the job's employer), not a hash of
    # every job of the township on each request (issue 27).
    return employers.filter(~Q(credit_code="") | Exists(used_here.filter(employer=OuterRef("pk"))))


def worker_job_counts(*, worker_ids) -> dict[int, int]:
    """Jobs recorded per worker, for the given workers only (a list page's rows): one grouped query."""
    rows = Employment.objects.filter(worker_id__in=worker_ids).values("worker_id").annotate(n=Count("id"))
    return {row["worker_id"]: row["n"] for row in rows.order_by()}


def household_member_counts(*, household_ids) -> dict[int, int]:
    """Members per household, for the given households only (a list page's rows): one grouped query."""
    rows = (
        Worker.objects.filter(household_id__in=household_ids).values("household_id").annotate(n=Count("id"))
    )
    return {row["household_id"]: row["n"] for row in rows.order_by()}
