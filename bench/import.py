"""Benchmark of the quarterly-return import (issues: quarterly returns; 24, "Measure, honestly"), on PostgreSQL.

    .venv/bin/python bench/import.py [--rows 50000] [--baseline-rows 5000] [--pairs 5] [--loaded]

In one run, on a fresh database of its own (`wanzhou_bench_import`, dropped and re-created), with a generated
`--rows`-row return (.xlsx: valid ID numbers and credit codes, every township, 2,000 employers), `--pairs` pairs
(at least 5 by default), each pair four runs into an empty ledger, in an order rotated from pair to pair:

* one pass: `manage.py import_return FILE --user … --skip-checks` in a child process, end to end;
* web flow: a child process that calls the services the clerk's pages call, `returns.return_upload`, then
  `returns.return_validate` (the preview) and `returns.return_import` (the confirm), timed inside the child
  (upload, validate, confirm, total) and end to end; whether the confirm opened the stored file again or
  started a reader process is seen with a Python audit hook (not from the services' internals);
* baseline: a plain django-import-export `ModelResource` of workers, dry run then import as its admin does,
  of the first `--baseline-rows` rows, in a child process, timed around `import_data` only (its reading and
  start-up are left out, in its favour) and scaled to rows/s; django-auditlog is registered on `Worker` in
  this project, so it writes an audit row per person;
* floor: a child process prepares the same rows as tuples (workers, their registration periods, employers,
  employments, with ids reserved from the tables' sequences so the foreign keys resolve to the rows it
  inserts) from the checked plan of the file, then, timed, COPYs them (psycopg `cursor.copy` + `write_row`,
  binary) into the real tables, with all their indexes and constraints, in one transaction (commit and the
  deferred foreign-key checks included).

Beside each run: the load average (1/5/15 min) before it; for ours and the others the peak of the summed VmRSS
of the child and all its descendants (sampled every 15 ms from /proc; the import starts a calamine reader
process), with the child's ru_maxrss as a second figure; the tables each run wrote (pg_stat_user_tables:
rows inserted, updated, deleted, rolled-back inserts included) and the audit-log rows it left. Per pair the
ratios (rates against the baseline's; one pass's time over the floor's), then the medians of the per-pair
ratios against the issue's goals. `--loaded` adds one pair of ours (one pass, web flow) with `--burners`
busy-loop processes running (3 on the 2-core host: load ≈ 3), each rate over the idle median of its kind.
Figures are appended to bench/results/import-<date>.txt (the date in the settings' time zone), or `--out`.

    .venv/bin/python bench/import.py --stock [--rows 50000] [--repeat 3] [--pre-plan-share 0.6]

The bureau's district-wide load of the stock of people in work (issue 19) against a township's return, in
one run: a single-township file (every row 甘宁镇, imported by that township's clerk with `--township`) and a
district-wide file (rows of every township, a share of them pre-plan jobs starting 2000–2024, imported by
bureau staff without `--township`), each `--rows` rows, timed end to end with `import_return` into an empty
ledger, interleaved (A B, B A, A B, …) with the host's load average beside each figure. Appended to
bench/results/stock-<date>.txt.
"""

import argparse
import json
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DB_NAME = "wanzhou_bench_import"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
RESULT = "BENCH-RESULT "  # a child's last word: its figures as JSON
USER = "bench_bureau"
KINDS = ("one pass", "web flow", "baseline", "floor")
SAMPLE_EVERY = 0.015  # s, the process tree's memory
ACTIONS = {0: "create", 1: "update", 2: "delete", 3: "access"}  # auditlog's LogEntry.Action


def _setup_database() -> None:
    for sql in (f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql, "postgres"], check=True)
    env = {**os.environ, "DATABASE_URL": f"{PG}/{DB_NAME}"}
    for args in (["migrate", "-v0"], ["load_reference_data"]):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True
        )


def _bootstrap() -> None:
    os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wanzhou_jobs.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def _write_return(
    path: Path, rows: int, seed: int = 2025, *, township: str | None = None, pre_plan_share: float = 0.0
) -> None:
    """`rows` rows of distinct people: of every township at random, or all of `township`; a share of the
    start dates before the plan (2000-01-01 to 2024-12-31: the stock of people already in work)."""
    import openpyxl

    from targets.models import Industry, Township
    from workers.resources import ALL_HEADERS
    from workers.validators import credit_code_check_char, id_number_check_char, organisation_code_check_char

    rng = random.Random(seed)
    townships = [township] if township else list(Township.objects.values_list("name", flat=True))
    industries = list(Industry.objects.values_list("name", flat=True))
    forms = ["单位就业"] * 6 + ["灵活就业", "自主创业", "公益性岗位", "就业帮扶车间", "以工代赈"]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    employers = []
    for n in range(2000):
        org = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        org += organisation_code_check_char(org)
        body = "91" + "500101" + org
        employers.append((f"万州区测试企业{n:04d}有限公司", body + credit_code_check_char(body)))
    assert all(c in alphabet for _n, code in employers for c in code[:17])

    workbook = openpyxl.Workbook(write_only=True)
    ws = workbook.create_sheet("季度报表")
    ws.append(["万州区2025年第一季度农民工就近就业情况统计表（基准测试）"])
    ws.append(ALL_HEADERS)
    base = date(1965, 1, 1)
    for i in range(rows):
        birth = base + timedelta(days=i // 500)
        body = f"500101{birth:%Y%m%d}{i % 500 * 2 + 1:03d}"
        id_number = body + id_number_check_char(body)
        employer, code = rng.choice(employers)
        township = rng.choice(townships)
        if pre_plan_share and rng.random() < pre_plan_share:
            start = date(2000, 1, 1) + timedelta(days=rng.randrange(0, 9132))  # to 2024-12-31
        else:
            start = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 300))
        ws.append(
            [
                f"测试{i}"[:2] + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "人",
                id_number,
                f"13{rng.randrange(100000000, 999999999)}" if i % 3 == 0 else "",
                township,
                "测试村",
                "脱贫人口" if i % 4 == 0 else "",
                employer,
                code,
                rng.choice(industries),
                township if i % 7 else "市外",
                rng.choice(forms),
                start.isoformat(),
                "是" if i % 3 == 0 else "否",
                "招聘活动" if i % 5 == 0 else "",
                str(rng.randrange(2000, 8000)),
            ]
        )
    workbook.save(path)


def _run_command(path: Path, user: str, *extra: str) -> tuple[float, int, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    # As in production: Redis is the broker, so the progress recompute the import schedules runs on a
    # worker (issue 5 measures it), not eagerly inside the command. System checks are skipped: they are
    # a fixed second of start-up that has nothing to do with the import.
    result = subprocess.run(
        [sys.executable, "manage.py", "import_return", str(path), "--user", user, "--skip-checks", *extra],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": f"{PG}/{DB_NAME}", "REDIS_URL": REDIS},
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode != 0:
        raise SystemExit(f"import_return failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return elapsed, max(peak_kb, before), result.stdout.strip().splitlines()[-1]


def _phases(path: Path, user) -> dict:
    from django.db import transaction

    from wanzhou_jobs.spreadsheets import read_rows
    from workers import resources as R
    from workers import returns

    started = time.perf_counter()
    sheet = read_rows(path, required=R.REQUIRED, optional=R.OPTIONAL, max_rows=returns.MAX_ROWS + 20)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    plan = returns.return_plan(acting_user=user, path=path)
    plan_s = time.perf_counter() - started
    assert plan.ok, plan.errors[:5]
    return {
        "read_s": read_s,
        "validate_s": plan_s - read_s,
        "rows": len(sheet.rows),
        "plan": plan,
        "atomic": transaction.atomic,
    }


# --- The child processes: each prints its figures as the last line of its output -------------------------


def _child(args) -> int:
    _bootstrap()
    result = {"web": _child_web, "baseline": _child_baseline, "floor": _child_floor}[args.child](args)
    print(RESULT + json.dumps(result, default=str), flush=True)
    return 0


def _query_counter(phase: dict, counts: Counter):
    """A Django execute wrapper counting the statements sent through Django's cursors, by phase."""

    def count(execute, sql, params, many, context):
        counts[phase["now"]] += 1
        return execute(sql, params, many, context)

    return count


def _child_web(args) -> dict:
    """The clerk's two steps through the services the pages call: upload, validate (preview), import (confirm)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from workers import returns
    from workers.models import ImportBatch

    user = get_user_model().objects.get(username=args.user)
    path = Path(args.file)
    phase = {"now": "upload", "stored": None}
    opens, spawns, queries = Counter(), Counter(), Counter()

    def hook(event, hook_args):
        # Python's audit events, not the services' internals: an open of the stored file, a process started.
        if event == "open" and phase["stored"] and hook_args:
            target = hook_args[0]
            if isinstance(target, str | bytes | os.PathLike) and os.fsdecode(target) == phase["stored"]:
                opens[phase["now"]] += 1
        elif event == "subprocess.Popen":
            spawns[phase["now"]] += 1

    sys.addaudithook(hook)
    with connection.execute_wrapper(_query_counter(phase, queries)):
        started = time.perf_counter()
        with path.open("rb") as handle:
            batch = returns.return_upload(acting_user=user, file_obj=handle, file_name=path.name)
        phase["stored"] = str(batch.stored_path)
        uploaded = time.perf_counter()
        phase["now"] = "validate"
        plan = returns.return_validate(batch=batch, acting_user=user)
        validated = time.perf_counter()
        if not plan.ok:
            raise SystemExit(f"return_validate refused the file: {plan.errors[:5]}")
        batch.refresh_from_db()
        after_validate = {"status": batch.status, "rows_total": batch.rows_total, "rows_new": batch.rows_new}
        phase["now"] = "confirm"
        confirm_started = time.perf_counter()
        batch = returns.return_import(batch=batch, acting_user=user)
        confirmed = time.perf_counter()
    batch.refresh_from_db()
    if batch.status != ImportBatch.Status.IMPORTED:
        raise SystemExit(f"return_import did not import: {batch.status} {batch.errors[:5]}")
    return {
        "upload_s": uploaded - started,
        "validate_s": validated - uploaded,
        "confirm_s": confirmed - confirm_started,
        "total_s": confirmed - started,
        "opens": dict(opens),
        "spawns": dict(spawns),
        "queries": dict(queries),
        "after_validate": after_validate,
        "summary": f"批次 #{batch.pk}。{returns.return_summary(batch)}",
    }


def _child_baseline(args) -> dict:
    """A plain django-import-export ModelResource import of the workers in the file: dry run, then import."""
    import tablib
    from django.db import connection
    from import_export import fields, resources, widgets

    from targets.models import Township
    from wanzhou_jobs.spreadsheets import read_rows
    from workers import resources as R
    from workers.models import Worker
    from workers.validators import id_number_info

    class WorkerResource(resources.ModelResource):
        township = fields.Field(
            attribute="township",
            column_name="户籍所在镇乡街道",
            widget=widgets.ForeignKeyWidget(Township, "name"),
        )
        id_number = fields.Field(attribute="id_number", column_name="公民身份号码")
        name = fields.Field(attribute="name", column_name="姓名")
        village = fields.Field(attribute="village", column_name="户籍所在村（社区）")

        class Meta:
            model = Worker
            import_id_fields = ["id_number"]
            fields = ["id_number", "name", "township", "village"]

        def before_save_instance(self, instance, row, **kwargs):
            info = id_number_info(instance.id_number)
            instance.sex, instance.birth_date = info.sex, info.birth_date

    sheet = read_rows(Path(args.file), required=R.REQUIRED, optional=R.OPTIONAL)
    headers = ["公民身份号码", "姓名", "户籍所在镇乡街道", "户籍所在村（社区）"]
    dataset = tablib.Dataset(headers=headers)
    for row in sheet.rows[: args.baseline_rows]:
        dataset.append([row.values.get(h) or "" for h in headers])
    resource_ = WorkerResource()
    phase, queries = {"now": "dry run"}, Counter()
    with connection.execute_wrapper(_query_counter(phase, queries)):
        started = time.perf_counter()
        dry = resource_.import_data(dataset, dry_run=True)
        dried = time.perf_counter()
        assert not dry.has_errors(), dry.row_errors()[:3]
        phase["now"] = "import"
        real = resource_.import_data(dataset, dry_run=False)
        done = time.perf_counter()
    assert not real.has_errors(), real.row_errors()[:3]
    return {
        "rows": len(dataset),
        "dry_s": dried - started,
        "import_s": done - dried,
        "total_s": done - started,
        "queries": dict(queries),
    }


def _prepared_copy(model, columns: list[str], rows: list[tuple], connection) -> tuple[str, list[str], list]:
    """COPY statement, column types and records for `rows` as `wanzhou_jobs.bulk.bulk_insert` makes them
    (the fields not named take their defaults, Django's conversions applied), all built now; a leading "id"
    column carries ids reserved beforehand."""
    from django.utils import timezone

    from wanzhou_jobs import bulk

    explicit = columns[:1] == ["id"]
    given, rest = bulk._fields(model, columns[1:] if explicit else columns)
    now = timezone.now()
    defaults = tuple(bulk._default(f, now) for f in rest)
    fields = ([model._meta.pk] if explicit else []) + given + rest
    convert = [(i, f) for i, f in enumerate(fields) if not isinstance(f, bulk._PLAIN)]
    records = []
    for row in rows:
        record = list(row + defaults)
        for index, f in convert:
            if record[index] is not None:
                record[index] = f.get_db_prep_save(record[index], connection=connection)
        records.append(record)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN (FORMAT BINARY)"
    return statement, [bulk._pg_type(f, connection) for f in fields], records


def _child_floor(args) -> dict:
    """The physical floor: the rows the import writes, prepared, then COPied into the real tables in one
    transaction."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from workers.models import (
        REGISTERED_SINCE_UNKNOWN,
        Employer,
        Employment,
        ImportBatch,
        RegistrationPeriod,
        Source,
        Worker,
    )
    from workers.returns import return_plan
    from workers.returns.write import _JOB_COLUMNS, _WORKER_COLUMNS, _worker_rows

    user = get_user_model().objects.get(username=args.user)
    path = Path(args.file)
    started = time.perf_counter()
    plan = return_plan(acting_user=user, path=path)
    planned = time.perf_counter()
    if not plan.ok or plan.known_workers or plan.changed_jobs:
        raise SystemExit(f"the floor needs a clean plan of new rows: {plan.errors[:5]}")
    # The batch the rows point to, made beforehand (bulk_create: no audit-log signal, as it is no part of it).
    (batch,) = ImportBatch.objects.bulk_create(
        [
            ImportBatch(
                file_name=path.name,
                file_sha256="0" * 64,
                uploaded_by=user,
                status=ImportBatch.Status.IMPORTED,
                rows_total=plan.rows_total,
            )
        ]
    )
    creator_id, now = user.pk, timezone.now()

    def reserve(model, n: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, n],
            )
            return [pk for (pk,) in cursor.fetchall()]

    worker_ids = dict(zip(plan.new_workers, reserve(Worker, len(plan.new_workers)), strict=True))
    names = {key: data.employer_name for _id_number, data, key in plan.new_jobs}
    employer_ids = dict(zip(names, reserve(Employer, len(names)), strict=True))
    township_of = {i: entry["township"].pk for i, entry in plan.new_workers.items()}
    workers = [
        (worker_ids[row[0]], *row) for row in _worker_rows(plan.new_workers, plan.id_infos, batch, creator_id)
    ]
    employers = [
        (employer_ids[key], name, key, plan.employer_codes.get(key, "")) for key, name in names.items()
    ]
    periods = [
        (worker_ids[i], township_of[i], REGISTERED_SINCE_UNKNOWN, "", creator_id, now)
        for i in plan.new_workers
    ]
    jobs = [
        (
            worker_ids[id_number],
            employer_ids[key],
            key,
            data.industry.pk,
            data.workplace,
            data.workplace_township.pk if data.workplace_township else None,
            data.form,
            data.start_date,
            data.returnee,
            data.channel or "",
            data.monthly_income,
            Source.IMPORT.value,
            batch.pk,
            creator_id,
            township_of[id_number],
        )
        for id_number, data, key in plan.new_jobs
    ]
    tables = [
        (Worker, ["id", *_WORKER_COLUMNS], workers),
        (Employer, ["id", "name", "name_key", "credit_code"], employers),
        (
            RegistrationPeriod,
            ["worker_id", "township_id", "from_date", "reason", "created_by_id", "created_at"],
            periods,
        ),
        (Employment, _JOB_COLUMNS, jobs),
    ]
    copies = [_prepared_copy(model, columns, rows, connection) for model, columns, rows in tables]
    prepared = time.perf_counter()
    connection.ensure_connection()
    raw = connection.connection  # psycopg's connection, in the transaction Django opens
    copy_started = time.perf_counter()
    with transaction.atomic(), raw.cursor() as cursor:
        for statement, types, records in copies:
            with cursor.copy(statement) as copy:
                copy.set_types(types)
                for record in records:
                    copy.write_row(record)
    copied = time.perf_counter()  # after the commit, and the deferred foreign-key checks it runs
    counts = {model._meta.db_table: model.objects.count() for model, _c, _r in tables}
    expected = {model._meta.db_table: len(rows) for model, _c, rows in tables}
    if counts != expected:
        raise SystemExit(f"the floor wrote {counts}, not {expected}")
    return {
        "plan_s": planned - started,
        "prepare_s": prepared - planned,
        "copy_s": copied - copy_started,
        "rows": counts,
    }


# --- Measuring a child process: time, the process tree's memory, what it wrote ---------------------------

_CHILDREN_FILES = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


def _children(pid: int) -> list[int]:
    if _CHILDREN_FILES:
        found = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(c) for c in handle.read().split())
        return found
    found = []  # no /proc/…/children: every process's parent, from /proc/*/stat
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    if int(handle.read().rsplit(b")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
    return found


def _tree_rss(root: int) -> tuple[int, list[int]]:
    """The summed VmRSS (kB) of `root` and all its descendants, and their pids."""
    total, pids, stack = 0, [], [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/status", "rb") as handle:
                for line in handle:
                    if line.startswith(b"VmRSS:"):
                        total += int(line.split()[1])
                        break
            stack.extend(_children(pid))
        except (FileNotFoundError, ProcessLookupError):
            continue
        pids.append(pid)
    return total, pids


class _TreeSampler(threading.Thread):
    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root, self.peak_kb, self.samples, self.seen = root, 0, 0, set()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            rss, pids = _tree_rss(self.root)
            self.peak_kb = max(self.peak_kb, rss)
            self.seen.update(pids)
            self.samples += 1
            self._done.wait(SAMPLE_EVERY)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _child_env() -> dict:
    # As in production: Redis is the broker, so the progress recompute the import schedules is queued for
    # a worker (issue 5 measures it), not run eagerly inside the import.
    return {**os.environ, "DATABASE_URL": f"{PG}/{DB_NAME}", "REDIS_URL": REDIS}


def _measure(argv: list[str]) -> dict:
    """Run `argv` in a child process: wall time from start to exit, the peak of the process tree's summed
    RSS, the child's ru_maxrss (it and its reaped descendants, the largest of them), its output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=REPO, env=_child_env(), stdout=out, stderr=err)
        sampler = _TreeSampler(process.pid)
        sampler.start()
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: the pid stays its own
        elapsed = time.perf_counter() - started
        sampler.stop()
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv[1:4])} … failed ({process.returncode}):\n{stdout[-2000:]}\n{stderr[-3000:]}"
        )
    result = None
    for line in stdout.splitlines():
        if line.startswith(RESULT):
            result = json.loads(line[len(RESULT) :])
    return {
        "s": elapsed,
        "tree_peak_mb": sampler.peak_kb / 1024,
        "samples": sampler.samples,
        "processes": len(sampler.seen),
        "ru_maxrss_mb": usage.ru_maxrss / 1024,
        "stdout": stdout,
        "child": result,
    }


def _db_state() -> tuple[dict, Counter]:
    """Rows inserted, updated, deleted per table so far (pg_stat_user_tables) and the audit log by
    (action, event)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables")
        tables = {name: (ins, upd, dele) for name, ins, upd, dele in cursor.fetchall()}
        cursor.execute(
            "SELECT l.action, t.model, l.additional_data->>'event', count(*) FROM auditlog_logentry l "
            "LEFT JOIN django_content_type t ON t.id = l.content_type_id GROUP BY 1, 2, 3"
        )
        audit = Counter(
            {
                (ACTIONS.get(action, str(action)), model, event): n
                for action, model, event, n in cursor.fetchall()
            }
        )
    return tables, audit


def _settle() -> None:
    """Wait until the child's database sessions have ended: a backend reports its table statistics as it
    exits, before it leaves pg_stat_activity."""
    from django.db import connection

    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.02)


def _run(kind: str, path: Path, args) -> dict:
    """One run of `kind` into an empty ledger, with what it wrote."""
    from django.db import connection

    _empty_ledger()
    with connection.cursor() as cursor:
        # The recompute outbox too, as a worker would have emptied it: each run marks its years afresh.
        cursor.execute("TRUNCATE targets_progressdirtyyear")
        cursor.execute("SELECT pg_stat_force_next_flush()")  # this session's own counts, reported now
    tables_before, audit_before = _db_state()
    load = _load()
    if kind == "one pass":
        argv = [sys.executable, "manage.py", "import_return", str(path), "--user", USER, "--skip-checks"]
    else:
        child = {"web flow": "web", "baseline": "baseline", "floor": "floor"}[kind]
        argv = [sys.executable, str(Path(__file__).resolve()), "--child", child, "--file", str(path)]
        argv += ["--user", USER, "--baseline-rows", str(args.baseline_rows)]
    run = _measure(argv)
    _settle()
    tables_after, audit_after = _db_state()
    run["load"] = load
    run["written"] = {
        name: tuple(a - b for a, b in zip(counts, tables_before.get(name, (0, 0, 0)), strict=True))
        for name, counts in tables_after.items()
        if counts != tables_before.get(name, (0, 0, 0))
    }
    run["audit"] = audit_after - audit_before
    if kind == "one pass":
        run["summary"] = run["stdout"].strip().splitlines()[-1]
    return run


def _rate(kind: str, run: dict, args) -> float:
    if kind == "baseline":
        return run["child"]["rows"] / run["child"]["total_s"]
    if kind == "floor":
        return args.rows / run["child"]["copy_s"]
    return args.rows / run["s"]


def _memory(run: dict) -> str:
    return (
        f"tree peak {run['tree_peak_mb']:.0f} MB ({run['processes']} processes, {run['samples']} samples), "
        f"ru_maxrss {run['ru_maxrss_mb']:.0f} MB"
    )


def _confirm_read(child: dict) -> str:
    opened, spawned = child["opens"].get("confirm", 0), child["spawns"].get("confirm", 0)
    if opened or spawned:
        return f"confirm re-read the file (opened it {opened}×, started {spawned} reader process(es))"
    return "confirm did not re-read the file (no open of it, no reader process)"


def _line(kind: str, run: dict, args) -> str:
    rate, child = _rate(kind, run, args), run["child"]
    if kind == "one pass":
        text = f"{run['s']:6.2f} s = {rate:7,.0f} rows/s, {_memory(run)} — {run['summary']}"
    elif kind == "web flow":
        text = (
            f"{run['s']:6.2f} s end to end = {rate:7,.0f} rows/s (in the child: upload {child['upload_s']:.2f} s, "
            f"validate {child['validate_s']:.2f} s, confirm {child['confirm_s']:.2f} s, total {child['total_s']:.2f} s), "
            f"{_memory(run)}; {_confirm_read(child)} — {child['summary']}"
        )
    elif kind == "baseline":
        text = (
            f"{child['total_s']:6.2f} s for {child['rows']:,} rows (dry run {child['dry_s']:.2f} s + import "
            f"{child['import_s']:.2f} s) = {rate:,.0f} rows/s; child end to end {run['s']:.2f} s, {_memory(run)}"
        )
    else:
        rows = ", ".join(f"{n:,} {table}" for table, n in child["rows"].items())
        text = (
            f"{child['copy_s']:6.2f} s = {rate:,.0f} file rows/s (COPY of {rows}, one transaction; prepared "
            f"beforehand: plan {child['plan_s']:.2f} s, tuples {child['prepare_s']:.2f} s); {_memory(run)}"
        )
    return f"  {kind:9} load {run['load']} | {text}"


def _written(run: dict) -> str:
    parts = []
    for table, (ins, upd, dele) in sorted(run["written"].items()):
        counts = [f"+{ins:,}" if ins else "", f"~{upd:,}" if upd else "", f"-{dele:,}" if dele else ""]
        parts.append(f"{table} {' '.join(c for c in counts if c)}")
    return "; ".join(parts) or "nothing"


def _audit(run: dict) -> str:
    entries = [
        f"{n:,} {action} {model or ''}{f' ({event})' if event else ''}"
        for (action, model, event), n in sorted(run["audit"].items(), key=str)
    ]
    return ", ".join(entries) or "none"


CHECKS = {
    "one pass": (
        "manage.py import_return = return_upload + the import: the file read whole (bounded zip/XML inspection, "
        "calamine in a child process), every cell parsed and checked (ID number check digit, birth date and "
        "sex from it, phone, township, industry, employer name and credit code, form, dates, income), then "
        "the file against itself and against the ledger (people known or registered elsewhere, township "
        "scoping, locked quarters, same ID with two names, employers and their codes, employment_check) — "
        "all or nothing, one transaction; in the audit log one event for the batch (and the batch row's own "
        "create/update entries), none per person"
    ),
    "web flow": (
        "return_upload (stores the file, SHA-256, refuses a file imported before), return_validate (the "
        "same checks as the import, a dry run, counts and preview kept on the batch), return_import (the "
        "confirm: whatever checks the service makes again, then the same writes as the one pass; whether it "
        "read the file again is measured, below)"
    ),
    "baseline": (
        "ModelResource on Worker with 4 columns (ID number, name, township by name, village), twice (dry "
        "run rolled back, then import): per row a lookup of the person by ID number, a lookup of the "
        "township, sex and birth date from the ID number, a save (INSERT), and django-auditlog's signal "
        "writes a LogEntry; no ID check digit, no employer, no job, no ledger or scoping rule "
        "(clean_model_instances is off by default)"
    ),
    "floor": (
        "no check: COPY of the already-checked rows (workers, registration periods, employers, employments) "
        "into the real tables with their indexes, unique and check constraints and deferred foreign keys"
    ),
}


def _does(first: dict, args) -> list[str]:
    lines = [
        "what each side does (measured on its first run; + inserted, ~ updated, - deleted rows, "
        "pg_stat_user_tables, rolled-back inserts included; audit rows = auditlog_logentry rows left):"
    ]
    for kind in KINDS:
        run = first[kind]
        lines.append(f"  {kind}: {CHECKS[kind]}")
        lines.append(f"    tables written: {_written(run)}")
        lines.append(f"    audit rows: {_audit(run)}")
        child = run["child"] or {}
        if child.get("queries"):
            queries = ", ".join(f"{phase} {n:,}" for phase, n in child["queries"].items())
            lines.append(
                f"    SQL statements through Django's cursors (COPY and the insert thread not counted): {queries}"
            )
        if kind == "web flow":
            lines.append(
                f"    reader processes started: {child['spawns'] or 'none'}; opens of the stored file: "
                f"{child['opens'] or 'none'}; {_confirm_read(child)}"
            )
    return lines


def _empty_ledger() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE workers_employment, workers_worker, workers_employer, workers_importbatch, "
            "workers_tombstone CASCADE"
        )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _stock(args) -> str:
    """A district-wide stock file (bureau, no township) against a single-township return (its clerk), timed
    interleaved; the load average (1, 5, 15 min) before each run beside its figure."""
    from targets.services import staff_user_save

    township = "甘宁镇"
    bureau = staff_user_save(username="bench_bureau", role="bureau", password="Bench-Passw0rd-2025")
    clerk = staff_user_save(
        username="bench_clerk", role="clerk", township=township, password="Bench-Passw0rd-2025"
    )
    lines = [
        f"stock benchmark {time.strftime('%Y-%m-%d %H:%M %Z')} — PostgreSQL database {DB_NAME}, "
        f"{os.cpu_count()} cores (shared: other work runs on them), load average {_load()}"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        single, district = Path(tmp) / "township.xlsx", Path(tmp) / "district.xlsx"
        _write_return(single, args.rows, township=township)
        _write_return(district, args.rows, seed=2026, pre_plan_share=args.pre_plan_share)
        lines.append(
            f"files: single-township {args.rows:,} rows ({single.stat().st_size / 1e6:.1f} MB, every row {township}, "
            f"clerk bench_clerk --township {township}); district-wide {args.rows:,} rows "
            f"({district.stat().st_size / 1e6:.1f} MB, rows of all townships, ~{args.pre_plan_share:.0%} pre-plan "
            "start dates 2000–2024, bureau bench_bureau without --township)"
        )
        kinds = {
            "single-township": (single, clerk.username, ("--township", township)),
            "district-wide  ": (district, bureau.username, ()),
        }
        times = {kind: [] for kind in kinds}
        peaks = dict.fromkeys(kinds, 0)
        for run in range(args.repeat):
            order = list(kinds) if run % 2 == 0 else list(reversed(kinds))
            for kind in order:
                path, user, extra = kinds[kind]
                _empty_ledger()
                load = _load()
                elapsed, peak, summary = _run_command(path, user, *extra)
                times[kind].append(elapsed)
                peaks[kind] = max(peaks[kind], peak)
                lines.append(
                    f"run {run + 1} {kind}: {elapsed:6.2f} s = {args.rows / elapsed:6,.0f} rows/s, "
                    f"children's peak RSS so far {peak / 1024:.0f} MB, load before {load}, after {_load()} — {summary}"
                )
        # Where the time goes, read then check (dry), in-process: after the timed runs, so that their child
        # processes do not start from a parent this has grown (a forked child's peak RSS counts those pages).
        for kind, (path, _user, _extra) in kinds.items():
            _empty_ledger()  # as each timed run met it
            load = _load()
            phases = _phases(path, clerk if kind.startswith("single") else bureau)
            lines.append(
                f"phases in-process (dry) {kind}: read {phases['read_s']:.2f} s, validate "
                f"{phases['validate_s']:.2f} s, load before {load}"
            )
        rates = {kind: args.rows / statistics.median(t) for kind, t in times.items()}
        single_rate, district_rate = rates.values()
        lines.append(
            f"medians of {args.repeat}: single-township {single_rate:,.0f} rows/s, district-wide "
            f"{district_rate:,.0f} rows/s; district / single = {district_rate / single_rate:.2f}"
        )
    return "\n".join(lines)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _loaded(path: Path, args, idle: dict) -> list[str]:
    """One pair of ours (one pass, web flow) with busy-loop processes running."""
    lines = [f"loaded host: {args.burners} busy-loop processes on {os.cpu_count()} cores"]
    burners = []
    try:
        for _ in range(args.burners):
            burners.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))
        started = time.monotonic()
        target = args.burners * 0.9
        time.sleep(5)  # the busy loops under way, whatever the load was already (other work on a shared host)
        while os.getloadavg()[0] < target and time.monotonic() - started < args.load_wait:
            time.sleep(1)
        lines.append(
            f"  waited {time.monotonic() - started:.0f} s for the 1-min load to reach {target:.1f}: {_load()}"
        )
        for kind in ("one pass", "web flow"):
            run = _run(kind, path, args)
            rate = _rate(kind, run, args)
            lines.append(_line(kind, run, args))
            lines.append(
                f"    {kind} loaded / idle median = {rate:,.0f} / {idle[kind]:,.0f} = {rate / idle[kind]:.2f} "
                f"(goal ≥ 0.6 at load ≈ 3); load after {_load()}"
            )
    finally:
        for burner in burners:  # the processes this started, by their own handles
            burner.kill()
            burner.wait()
    return lines


def _measure_import(args) -> str:
    from targets.services import staff_user_save

    staff_user_save(username=USER, role="bureau", password="Bench-Passw0rd-2025")
    lines = [
        f"import benchmark {time.strftime('%Y-%m-%d %H:%M %Z')} — PostgreSQL database {DB_NAME}, "
        f"{os.cpu_count()} cores (shared: other work runs on them), load average {_load()}; "
        f"{args.pairs} pairs, {args.rows:,} rows, baseline {args.baseline_rows:,} rows"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "return.xlsx"
        started = time.perf_counter()
        _write_return(path, args.rows)
        lines.append(
            f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
        )
        print("\n".join(lines), flush=True)
        runs = {kind: [] for kind in KINDS}
        ratios = {"pass/baseline": [], "web/baseline": [], "pass/floor": [], "web/floor": []}
        for pair in range(args.pairs):
            order = KINDS[pair % len(KINDS) :] + KINDS[: pair % len(KINDS)]
            block = [f"pair {pair + 1} (order: {', '.join(order)})"]
            for kind in order:
                run = _run(kind, path, args)
                runs[kind].append(run)
                block.append(_line(kind, run, args))
            rate = {kind: _rate(kind, runs[kind][-1], args) for kind in KINDS}
            floor_s = runs["floor"][-1]["child"]["copy_s"]
            pair_ratios = {
                "pass/baseline": rate["one pass"] / rate["baseline"],
                "web/baseline": rate["web flow"] / rate["baseline"],
                "pass/floor": runs["one pass"][-1]["s"] / floor_s,
                "web/floor": runs["web flow"][-1]["s"] / floor_s,
            }
            for name, value in pair_ratios.items():
                ratios[name].append(value)
            block.append(
                f"  ratios: one pass / baseline {pair_ratios['pass/baseline']:.1f}×, web flow / baseline "
                f"{pair_ratios['web/baseline']:.1f}×; time over the floor's: one pass {pair_ratios['pass/floor']:.1f}×, "
                f"web flow {pair_ratios['web/floor']:.1f}×"
            )
            print("\n".join(block), flush=True)
            lines.extend(block)

        tail = _does({kind: runs[kind][0] for kind in KINDS}, args)
        idle = {kind: _median([_rate(kind, run, args) for run in runs[kind]]) for kind in KINDS}
        peaks = {kind: max(run["tree_peak_mb"] for run in runs[kind]) for kind in KINDS}
        ru = {kind: max(run["ru_maxrss_mb"] for run in runs[kind]) for kind in KINDS}
        web = [run["child"] for run in runs["web flow"]]
        tail.append(
            f"medians of {args.pairs}: one pass {idle['one pass']:,.0f} rows/s, web flow {idle['web flow']:,.0f} "
            f"rows/s (validate {_median([c['validate_s'] for c in web]):.2f} s, confirm "
            f"{_median([c['confirm_s'] for c in web]):.2f} s), baseline {idle['baseline']:,.0f} rows/s, floor "
            f"{idle['floor']:,.0f} rows/s"
        )
        tail.append(
            f"medians of the per-pair ratios: one pass / baseline {_median(ratios['pass/baseline']):.1f}×, web flow / "
            f"baseline {_median(ratios['web/baseline']):.1f}×; one pass / floor {_median(ratios['pass/floor']):.1f}×, "
            f"web flow / floor {_median(ratios['web/floor']):.1f}× (times)"
        )
        tail.append(
            f"peak memory, process tree (summed VmRSS, highest of the runs): one pass {peaks['one pass']:.0f} MB, web "
            f"flow {peaks['web flow']:.0f} MB (baseline {peaks['baseline']:.0f} MB, floor {peaks['floor']:.0f} MB); "
            f"ru_maxrss: one pass {ru['one pass']:.0f} MB, web flow {ru['web flow']:.0f} MB (this process's own peak: "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
        )
        loads = [run["load"].split()[0] for kind in KINDS for run in runs[kind]]
        web_ratio, floor_ratio = _median(ratios["web/baseline"]), _median(ratios["pass/floor"])
        ours_peak = max(peaks["one pass"], peaks["web flow"])
        tail.append(
            f"goals (on an idle host; the 1-min load before the runs here was {min(loads)}–{max(loads)}): "
            f"web flow ≥ 50× the baseline's dry run + import: {web_ratio:.1f}× {'met' if web_ratio >= 50 else 'NOT met'}; "
            f"one pass within 1.5× of the indexed-COPY floor: {floor_ratio:.1f}× {'met' if floor_ratio <= 1.5 else 'NOT met'}; "
            f"peak memory of the process tree ≤ 300 MB: {ours_peak:.0f} MB {'met' if ours_peak <= 300 else 'NOT met'}"
        )
        if args.loaded:
            tail.extend(_loaded(path, args, idle))
        else:
            tail.append("at load ≈ 3, ≥ 0.6 of the idle rate: not measured (run with --loaded)")
        print("\n".join(tail), flush=True)
        lines.extend(tail)
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--baseline-rows", type=int, default=5_000)
    parser.add_argument("--pairs", type=int, default=5, help="rounds of ours, web flow, baseline and floor")
    parser.add_argument(
        "--loaded", action="store_true", help="one more pair of ours with busy-loop processes"
    )
    parser.add_argument("--burners", type=int, default=3, help="with --loaded: busy-loop processes")
    parser.add_argument(
        "--load-wait", type=float, default=150, help="with --loaded: seconds to wait for the load"
    )
    parser.add_argument("--repeat", type=int, default=3, help="with --stock: runs of each file")
    parser.add_argument(
        "--out", type=Path, help="append the figures here (default bench/results/<kind>-<date>.txt)"
    )
    parser.add_argument(
        "--stock",
        action="store_true",
        help="district-wide stock file (all townships, bureau) against a single-township return, interleaved",
    )
    parser.add_argument(
        "--pre-plan-share", type=float, default=0.6, help="with --stock: share of pre-plan jobs"
    )
    parser.add_argument("--child", choices=["web", "baseline", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--user", default=USER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # A throw-away database needs no fixed key; the settings refuse to start without one.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    if args.child:
        return _child(args)

    global DB_NAME
    if args.stock:
        DB_NAME = "wanzhou_bench_stock"  # not the plain benchmark's database, which may run meanwhile
    _setup_database()
    _bootstrap()
    if args.stock:
        text = _stock(args)
        print(text)
        out = args.out or REPO / "bench" / "results" / f"stock-{date.today()}.txt"
    else:
        text = _measure_import(args)
        out = args.out or REPO / "bench" / "results" / f"import-{date.today()}.txt"
    out.parent.mkdir(exist_ok=True)
    with out.open("a", encoding="utf-8") as handle:  # runs of one day side by side
        handle.write(text + "\n\n")
    _drop()
    return 0


def _drop() -> None:
    from django.db import connections

    connections.close_all()  # else the database is "being accessed by other users"
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {DB_NAME}", "postgres"]
    )
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], capture_output=True)  # the unconsumed recompute


if __name__ == "__main__":
    sys.exit(main())
