"""Timing of the counting queries of workers/selectors.py (DESIGN.md §4.3–4.6) at a given ledger size.

Usage (settings from the environment as usual; PostgreSQL for figures that mean anything):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wanzhou_bench
    .venv/bin/python bench/counting.py                       # measure the database as it is
    .venv/bin/python bench/counting.py --sizes 100000,1000000 --allow-future [--explain] [--save]

With ``--sizes`` each size is loaded afresh (the ledger tables are TRUNCATEd and ``bench/generate.py`` writes
exactly that many employments, seed ``--seed``), then measured; ``--allow-future`` spreads start dates over
all of 2025–2027 (past today), so every plan year has volume. ``--save`` appends everything printed to
``bench/results/counting-<today>.txt``.

Each query runs once to warm up (reported as "first"), then ``--repeat`` times: median, min and max
wall-clock ms, and "srv cpu", the median CPU ms of the PostgreSQL backend (from /proc when the server is
local; excludes parallel workers) — on a shared, busy host wall-clock includes waiting for a CPU, and the
server CPU time is the steadier figure. The verdict against a target is on the max wall-clock time.
Targets from the issue: each yearly counting query ≤ 500 ms at 1,000,000 employments; worker search by ID
number ≤ 20 ms. The district, township and industry figures of a year all come from one matrix query
(`nearby_employment_matrix`), so its time is the time of all three.
"""

import argparse
import io
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate as gen  # noqa: E402  (sets Django up)
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from targets.models import Township  # noqa: E402
from workers import selectors  # noqa: E402
from workers.models import Employment, Worker, Workplace  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
YEAR_TARGET_MS = 500.0
SEARCH_TARGET_MS = 20.0


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


class Tee(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for s in self.streams:
            s.write(text)
            s.flush()
        return len(text)


def backend_cpu_ms():
    """CPU time (ms) used so far by this connection's PostgreSQL backend process, read from
    /proc/<pid>/schedstat when the server runs on this machine; None otherwise. On a busy host the wall-clock
    time includes waiting for a CPU; this does not (parallel query workers are not included)."""
    if connection.vendor != "postgresql" or connection.settings_dict.get("HOST") not in (
        "",
        "localhost",
        "127.0.0.1",
    ):
        return None
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6
    except (OSError, ValueError, IndexError):
        return None


def timed(func, repeat: int) -> dict:
    """Run once to warm up, then `repeat` times; wall-clock times in ms, and the server CPU time in ms."""
    t = time.perf_counter()
    result = func(0)
    first = (time.perf_counter() - t) * 1000
    times, cpu = [], []
    for i in range(repeat):
        c = backend_cpu_ms()
        t = time.perf_counter()
        func(i + 1)
        times.append((time.perf_counter() - t) * 1000)
        c2 = backend_cpu_ms()
        if c is not None and c2 is not None:
            cpu.append(c2 - c)
    return {
        "first": first,
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "cpu": statistics.median(cpu) if cpu else float("nan"),
        "result": result,
    }


def _row(label: str, m: dict, target: float | None = None, note: str = "") -> str:
    verdict = ""
    if target is not None:
        verdict = "ok" if m["max"] <= target else f"MISSES ≤ {target:.0f} ms"
    return (
        f"  {label:<58} {m['median']:>8.1f} {m['min']:>8.1f} {m['max']:>8.1f} {m['first']:>8.1f} {m['cpu']:>8.1f}"
        f"  {verdict:<16}{note}"
    )


def _db_facts() -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    lines = [f"database {connection.vendor}:{gen._database_name()}"]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in pending)
        lines.append(f"!! unapplied migrations (run manage.py migrate): {names}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            lines.append(cursor.fetchone()[0].split(" on ")[0])
            settings = []
            for name in (
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "max_parallel_workers_per_gather",
            ):
                cursor.execute(f"SHOW {name}")
                settings.append(f"{name}={cursor.fetchone()[0]}")
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size(%s)), pg_size_pretty(pg_total_relation_size(%s))",
                [Employment._meta.db_table, Worker._meta.db_table],
            )
            emp_size, worker_size = cursor.fetchone()
            lines.append(", ".join(settings))
            lines.append(f"table sizes with indexes: employments {emp_size}, workers {worker_size}")
    return lines


def capture_sql(func) -> tuple[str, list]:
    """The last SQL statement `func` executes, with its parameters."""
    captured = {}

    def wrapper(execute, sql, params, many, context):
        captured["sql"], captured["params"] = sql, params
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        func()
    return captured["sql"], list(captured["params"] or [])


def explain(func, title: str) -> list[str]:
    if connection.vendor != "postgresql":
        return [f"  (EXPLAIN ANALYZE only on PostgreSQL; skipped: {title})"]
    sql, params = capture_sql(func)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    return [
        f"EXPLAIN (ANALYZE, BUFFERS) {title}",
        "  SQL: " + sql.replace("%s", "?"),
        *("  " + p for p in plan),
    ]


def measure(*, repeat: int = 5, explain_years=(), today: date | None = None, out=print) -> dict:
    """Time every counting query at the current database size; returns {label: (median ms, server CPU ms)}."""
    today = today or timezone.localdate()
    n_jobs = Employment.objects.count()
    n_workers = Worker.objects.count()
    n_in = Employment.objects.filter(workplace=Workplace.IN_DISTRICT).count()
    last_start = Employment.objects.order_by("-start_date").values_list("start_date", flat=True).first()
    years = [y for y in selectors.PLAN_YEARS if Employment.objects.filter(start_date__year=y).exists()]
    for line in _db_facts():
        out(line)
    out(
        f"ledger: {n_jobs:,} employments ({n_in:,} in the district), {n_workers:,} workers; "
        f"latest start date {last_start}; today {today}"
    )
    if not n_jobs:
        out("  the ledger is empty: nothing to measure")
        return {}
    rnd = random.Random(1)
    big_township = Township.objects.annotate(n=Count("workers")).order_by("-n").first()
    max_worker = Worker.objects.order_by("-id").values_list("id", flat=True).first()
    sample_ids = list(
        Worker.objects.filter(id__in=[rnd.randint(1, max_worker) for _ in range(200)]).values_list(
            "id_number", flat=True
        )
    )[: repeat + 1]
    results: dict[str, float] = {}
    out(
        f"  {'query (ms)':<58} {'median':>8} {'min':>8} {'max':>8} {'first':>8} {'srv cpu':>8}  target (on max)"
    )

    def record(label, func, target=None, note=""):
        try:
            m = timed(func, repeat)
        except Exception as exc:  # a schema out of step with the code, say: report it, go on
            out(f"  {label:<58} FAILED: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            return None
        results[label] = (m["median"], m["cpu"])
        out(_row(label, m, target, note if not callable(note) else note(m["result"])))
        return m["result"]

    for year in years:
        matrix = record(
            f"{year} nearby_employment_matrix (district+township+industry)",
            lambda _i, y=year: selectors.nearby_employment_matrix(year=y),
            YEAR_TARGET_MS,
            lambda m: f"count {m.total:,} in {len(m.cells)} cells",
        )
        record(
            f"{year}   … total, by_township(), by_industry() from it",
            lambda _i, m=matrix: (m.total, m.by_township(), m.by_industry()),
            YEAR_TARGET_MS,
        )
        if (
            sum(matrix.by_township().values()) != matrix.total
            or sum(matrix.by_industry().values()) != matrix.total
        ):
            out("  !! township or industry sums differ from the district total")
        record(
            f"{year} matrix for one township ({big_township.name})",
            lambda _i, y=year: selectors.nearby_employment_matrix(year=y, township_ids=[big_township.pk]),
            YEAR_TARGET_MS,
            lambda m: f"count {m.total:,}",
        )
        record(
            f"{year} returnee_counts",
            lambda _i, y=year: selectors.returnee_counts(year=y),
            YEAR_TARGET_MS,
            lambda r: f"count {sum(r.values()):,}",
        )
        if year == today.year:
            record(
                f"{year} matrix as_of today (time progress view)",
                lambda _i, y=year: selectors.nearby_employment_matrix(year=y, as_of=today),
                YEAR_TARGET_MS,
                lambda m: f"count {m.total:,}",
            )
    record(
        "distinct_people 2025–2027",
        lambda _i: selectors.distinct_people(first_year=2025, last_year=2027),
        None,
        lambda n: f"{n:,} people",
    )
    record(
        "cumulative() = 3 yearly matrices + distinct people",
        lambda _i: selectors.cumulative(),
        None,
        lambda c: f"sum {c.count:,}, distinct {c.distinct_people:,}",
    )
    record(
        f"poverty_alleviated_in_work on {today}",
        lambda _i: selectors.poverty_alleviated_in_work(on=today),
        YEAR_TARGET_MS,
        lambda n: f"{n:,} people",
    )
    record(
        f"poverty_alleviated_in_work on {big_township.name} {today}",
        lambda _i: selectors.poverty_alleviated_in_work(on=today, township_ids=[big_township.pk]),
        YEAR_TARGET_MS,
        lambda n: f"{n:,} people",
    )
    drill_year = today.year if today.year in years else years[-1]
    record(
        f"{drill_year} nearby_counted_workers {big_township.name}, first 50",
        lambda _i: list(selectors.nearby_counted_workers(year=drill_year, township_id=big_township.pk)[:50]),
        None,
        lambda rows: f"{len(rows)} rows",
    )
    record(
        "worker search: filter(id_number=…).first(), a hit",
        lambda i: Worker.objects.filter(id_number=sample_ids[i % len(sample_ids)]).first(),
        SEARCH_TARGET_MS,
    )
    record(
        "worker search: filter(id_number=…).first(), a miss",
        lambda _i: Worker.objects.filter(id_number="110101199001011237").first(),
        SEARCH_TARGET_MS,
    )
    for year in explain_years:
        if year in years:
            for line in explain(lambda y=year: selectors.nearby_employment_matrix(year=y), f"matrix {year}"):
                out(line)
    if explain_years and explain_years[0] in years:
        year = explain_years[0]
        for line in explain(lambda: selectors.returnee_counts(year=year), f"returnee_counts {year}"):
            out(line)
    return results


# --- the proposed index/SQL change (PostgreSQL), measured inside a transaction that is rolled back ----------

PROPOSED_INDEXES = [
    # Employment.Meta.indexes: models.Index(fields=["worker", "start_date", "id", "industry", "returnee"],
    #     condition=Q(workplace="in_district"), name="employment_first_job")
    "CREATE INDEX employment_first_job ON workers_employment "
    "(worker_id, start_date, id, industry_id, returnee) WHERE workplace = 'in_district'",
    # Worker.Meta.indexes: models.Index(fields=["id", "township"], name="worker_id_township")
    "CREATE INDEX worker_id_township ON workers_worker (id, township_id)",
]
MONTH_NOW = "CAST(EXTRACT(MONTH FROM f.start_date) AS INTEGER)"
MONTH_PROPOSED = "CAST(date_part('month', f.start_date) AS INTEGER)"


def _distinct_people_proposed() -> int:
    """distinct_people without the join to workers when no township filter is given (as proposed)."""
    sql = (
        f"SELECT COUNT(*) FROM (SELECT DISTINCT e.worker_id FROM {Employment._meta.db_table} e "  # noqa: S608
        "WHERE e.workplace = %s AND e.start_date >= %s AND e.start_date <= %s) d"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Workplace.IN_DISTRICT, date(2025, 1, 1), date(2027, 12, 31)])
        return cursor.fetchone()[0]


def _run_sql(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def measure_proposal(*, repeat: int = 5, rounds: int = 2, out=print) -> None:
    """Current schema and SQL against the proposed indexes and SQL, alternating `rounds` times (the indexes
    are created and dropped inside one transaction that is finally rolled back: nothing is left behind)."""
    from django.db import transaction

    if connection.vendor != "postgresql":
        out("  --proposal needs PostgreSQL")
        return
    years = [y for y in selectors.PLAN_YEARS if Employment.objects.filter(start_date__year=y).exists()]
    out(f"ledger: {Employment.objects.count():,} employments; proposal = {len(PROPOSED_INDEXES)} indexes:")
    for ddl in PROPOSED_INDEXES:
        out(f"  {ddl}")
    out(f"  + SQL: {MONTH_PROPOSED} instead of {MONTH_NOW}; distinct_people without the join to workers")
    out(f"  {'query (ms)':<58} {'median':>8} {'min':>8} {'max':>8} {'first':>8} {'srv cpu':>8}")
    queries = []
    for y in years:
        sql, params = capture_sql(lambda y=y: selectors.nearby_employment_matrix(year=y))
        queries.append((f"{y} matrix, current SQL", lambda _i, s=sql, p=params: _run_sql(s, p)))
        if MONTH_NOW in sql:
            new = sql.replace(MONTH_NOW, MONTH_PROPOSED)
            queries.append((f"{y} matrix, date_part SQL", lambda _i, s=new, p=params: _run_sql(s, p)))
        queries.append((f"{y} returnee_counts", lambda _i, y=y: selectors.returnee_counts(year=y)))
    queries.append(
        (
            "distinct_people 2025–2027, current SQL",
            lambda _i: selectors.distinct_people(first_year=2025, last_year=2027),
        )
    )
    queries.append(("distinct_people 2025–2027, without the join", lambda _i: _distinct_people_proposed()))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for r in range(rounds):
            for proposed in (False, True):
                if proposed:
                    t = time.perf_counter()
                    with connection.cursor() as cursor:
                        for ddl in PROPOSED_INDEXES:
                            cursor.execute(ddl)
                        cursor.execute("ANALYZE workers_employment")
                        cursor.execute("ANALYZE workers_worker")
                        cursor.execute(
                            "SELECT pg_size_pretty(pg_relation_size('employment_first_job')), "
                            "pg_size_pretty(pg_relation_size('worker_id_township'))"
                        )
                        sizes = cursor.fetchone()
                    out(
                        f" round {r + 1}, WITH the proposed indexes (built in {time.perf_counter() - t:.1f} s; "
                        f"sizes {sizes[0]}, {sizes[1]})"
                    )
                else:
                    out(f" round {r + 1}, current schema")
                for label, func in queries:
                    if not proposed and ("date_part" in label or "without the join" in label):
                        continue
                    m = timed(func, repeat)
                    out(_row(label, m))
                if proposed:
                    if r == rounds - 1:
                        title = f"matrix {years[-1]} with the proposed indexes"
                        for line in explain(
                            lambda: selectors.nearby_employment_matrix(year=years[-1]), title
                        ):
                            out(line)
                    with connection.cursor() as cursor:
                        cursor.execute("DROP INDEX employment_first_job")
                        cursor.execute("DROP INDEX worker_id_township")
        transaction.set_rollback(True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Time the counting queries of workers/selectors.py.")
    parser.add_argument(
        "--sizes", help="comma-separated employment counts: truncate + generate + measure each"
    )
    parser.add_argument(
        "--allow-future", action="store_true", help="generate start dates over all of 2025–2027"
    )
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the matrix query (PostgreSQL)"
    )
    parser.add_argument("--explain-years", default="", help="years to explain (default: this year)")
    parser.add_argument(
        "--proposal",
        action="store_true",
        help="also measure the proposed indexes/SQL (rolled back afterwards)",
    )
    parser.add_argument("--note", default="", help="a line to print in the header")
    parser.add_argument(
        "--save", nargs="?", const="", help="append the output to bench/results/counting-<date>.txt"
    )
    parser.add_argument(
        "--force", action="store_true", help="allow truncating a database without bench/test in its name"
    )
    args = parser.parse_args(argv)

    today = timezone.localdate()
    save_file = None
    if args.save is not None:
        path = Path(args.save) if args.save else RESULTS_DIR / f"counting-{today.isoformat()}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        save_file = open(path, "a", encoding="utf-8")  # noqa: SIM115
        sys.stdout = Tee(sys.__stdout__, save_file)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")] if args.sizes else [None]
        if (
            args.sizes
            and not args.force
            and not any(w in Path(gen._database_name()).name.lower() for w in ("bench", "test"))
        ):
            print(
                f"refusing to truncate the ledger of database {gen._database_name()!r}; use a *bench* database or --force"
            )
            return 2
        explain_years = []
        if args.explain:
            explain_years = [int(y) for y in args.explain_years.split(",") if y] or [today.year]
        cmd = " ".join(["bench/counting.py", *(argv if argv is not None else sys.argv[1:])])
        print(f"\n=== {cmd}   ({timezone.localtime():%Y-%m-%d %H:%M %Z}, load average {_loadavg()})")
        if args.note:
            print(args.note)
        summary = []
        for size in sizes:
            if size is not None:
                print(f"\n--- {size:,} employments: truncate + generate (seed {args.seed})")
                counts = gen.generate(
                    0,
                    args.seed,
                    employments_target=size,
                    truncate=True,
                    allow_future=args.allow_future,
                    log=print,
                )
                print(gen.format_counts(counts))
            print(f"\n--- measure ({args.repeat} runs after one warm-up)")
            results = measure(repeat=args.repeat, explain_years=explain_years, today=today)
            summary.append((size or Employment.objects.count(), results))
            if args.proposal:
                print(f"\n--- proposed change ({args.repeat} runs after one warm-up, alternating)")
                measure_proposal(repeat=args.repeat)
        if len(summary) > 1:
            print("\n--- growth: median wall-clock ms (server CPU ms)")
            labels = [label for label in summary[0][1] if "…" not in label]
            print(f"  {'employments':<58}" + "".join(f"{n:>17,}" for n, _r in summary))
            for label in labels:
                cells = [r.get(label, (float("nan"), float("nan"))) for _n, r in summary]
                print(f"  {label:<58}" + "".join(f"{f'{w:.0f} ({c:.0f})':>17}" for w, c in cells))
        return 0
    finally:
        if save_file is not None:
            sys.stdout = sys.__stdout__
            save_file.close()


if __name__ == "__main__":
    sys.exit(main())
