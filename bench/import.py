"""Benchmark of the quarterly-return import (issue: quarterly returns), on PostgreSQL.

    .venv/bin/python bench/import.py [--rows 50000] [--baseline-rows 5000] [--repeat 3]

In one run, on a fresh database of its own (`wanzhou_bench_import`, dropped and re-created):
1. generates a 50,000-row return (.xlsx) with valid ID numbers and credit codes across all townships;
2. times `manage.py import_return FILE --user …` end to end in a child process (read, validate, write)
   into an empty ledger, `--repeat` times, with the child's peak memory (ru_maxrss), and the same file
   once more on top of the last import (all unchanged);
3. times the phases in-process: read (`read_rows`), validate (`return_plan`);
4. times a plain django-import-export `ModelResource` import (dry run, then import, as its admin does) of
   the first 5,000 rows of the same file into an empty ledger, `--repeat` times;
5. times a PostgreSQL `COPY` of the same already-validated rows into a plain table (the physical reference);
and prints the three rates and both ratios, of the medians (a shared machine's speed drifts by a third
between runs: each figure is printed too). Figures are appended to bench/results/import-<date>.txt.

    .venv/bin/python bench/import.py --stock [--rows 50000] [--repeat 3] [--pre-plan-share 0.6]

The bureau's district-wide load of the stock of people in work (issue 19) against a township's return, in
one run: a single-township file (every row 甘宁镇, imported by that township's clerk with `--township`) and a
district-wide file (rows of every township, a share of them pre-plan jobs starting 2000–2024, imported by
bureau staff without `--township`), each `--rows` rows, timed end to end with `import_return` into an empty
ledger, interleaved (A B, B A, A B, …) with the host's load average beside each figure. Appended to
bench/results/stock-<date>.txt.
"""

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DB_NAME = "wanzhou_bench_import"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


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


def _import_export_baseline(path: Path, rows: int) -> float:
    """A plain django-import-export ModelResource import of the workers in the file: dry run, then import."""
    import tablib
    from import_export import fields, resources, widgets

    from targets.models import Township
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

    from wanzhou_jobs.spreadsheets import read_rows
    from workers import resources as R

    sheet = read_rows(path, required=R.REQUIRED, optional=R.OPTIONAL)
    headers = ["公民身份号码", "姓名", "户籍所在镇乡街道", "户籍所在村（社区）"]
    dataset = tablib.Dataset(headers=headers)
    for row in sheet.rows[:rows]:
        dataset.append([row.values.get(h) or "" for h in headers])
    resource_ = WorkerResource()
    started = time.perf_counter()
    dry = resource_.import_data(dataset, dry_run=True)
    assert not dry.has_errors(), dry.row_errors()[:3]
    real = resource_.import_data(dataset, dry_run=False)
    assert not real.has_errors()
    return time.perf_counter() - started


def _copy_reference(plan) -> float:
    from django.db import connection

    rows = []
    for id_number, data, key in plan.new_jobs:
        rows.append(
            (
                id_number,
                key,
                str(data.industry.pk),
                data.workplace,
                str(data.workplace_township.pk) if data.workplace_township else "",
                data.form,
                data.start_date.isoformat(),
                "t" if data.returnee else "f",
                data.channel,
                str(data.monthly_income or ""),
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_copy (id_number text, employer_key text, industry_id text, "
            "workplace text, workplace_township_id text, form text, start_date date, returnee boolean, "
            "channel text, monthly_income text)"
        )
        cursor.execute("TRUNCATE bench_copy")
        raw = cursor.connection
        started = time.perf_counter()
        with raw.cursor().copy(
            "COPY bench_copy (id_number, employer_key, industry_id, workplace, workplace_township_id, form, "
            "start_date, returnee, channel, monthly_income) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit() if not raw.autocommit else None
        return time.perf_counter() - started


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--baseline-rows", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of our import and of the baseline")
    parser.add_argument(
        "--stock",
        action="store_true",
        help="district-wide stock file (all townships, bureau) against a single-township return, interleaved",
    )
    parser.add_argument(
        "--pre-plan-share", type=float, default=0.6, help="with --stock: share of pre-plan jobs"
    )
    args = parser.parse_args(argv)

    global DB_NAME
    if args.stock:
        DB_NAME = "wanzhou_bench_stock"  # not the plain benchmark's database, which may run meanwhile
    _setup_database()
    _bootstrap()
    if args.stock:
        text = _stock(args)
        print(text)
        out = REPO / "bench" / "results" / f"stock-{date.today()}.txt"
        with out.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n\n")
        _drop()
        return 0
    from targets.services import staff_user_save

    user = staff_user_save(username="bench_bureau", role="bureau", password="Bench-Passw0rd-2025")
    load = _load()
    lines = [
        f"import benchmark {time.strftime('%Y-%m-%d %H:%M %Z')} — PostgreSQL database {DB_NAME}, "
        f"{os.cpu_count()} cores, load average {load}"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "return.xlsx"
        started = time.perf_counter()
        _write_return(path, args.rows)
        lines.append(
            f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
        )

        phases = _phases(path, user)
        lines.append(
            f"phases in-process (dry): read {phases['read_s']:.2f} s ({phases['rows'] / phases['read_s']:,.0f} rows/s), "
            f"validate {phases['validate_s']:.2f} s"
        )
        times, peak_kb = [], 0
        for run in range(args.repeat):
            _empty_ledger()
            elapsed, peak, summary = _run_command(path, user.username)
            times.append(elapsed)
            peak_kb = max(peak_kb, peak)
            lines.append(
                f"import_return end to end, run {run + 1}: {elapsed:.2f} s = {args.rows / elapsed:,.0f} rows/s, "
                f"peak RSS {peak / 1024:.0f} MB — {summary}"
            )
        ours = args.rows / statistics.median(times)
        again, peak2, summary2 = _run_command(path, user.username)
        lines.append(
            f"re-import of the same file: {again:.2f} s ({args.rows / again:,.0f} rows/s) — {summary2}"
        )

        baseline_times = []
        for run in range(args.repeat):
            _empty_ledger()  # as a fresh admin import would meet it
            baseline = _import_export_baseline(path, args.baseline_rows)
            baseline_times.append(baseline)
            lines.append(
                f"django-import-export ModelResource, {args.baseline_rows:,} rows (dry run + import), run "
                f"{run + 1}: {baseline:.2f} s = {args.baseline_rows / baseline:,.0f} rows/s"
            )
        ie_rate = args.baseline_rows / statistics.median(baseline_times)
        copy_s = _copy_reference(phases["plan"])
        copy_rate = len(phases["plan"].new_jobs) / copy_s
        lines.append(f"PostgreSQL COPY of the validated rows: {copy_s:.3f} s = {copy_rate:,.0f} rows/s")
        lines.append(
            f"medians of {args.repeat}: ours {ours:,.0f} rows/s (peak RSS {peak_kb / 1024:.0f} MB), "
            f"import-export {ie_rate:,.0f} rows/s, COPY {copy_rate:,.0f} rows/s"
        )
        lines.append(
            f"ratios: ours / import-export = {ours / ie_rate:.1f}×; COPY / ours = {copy_rate / ours:.1f}× "
            f"(targets: ≥ 5,000 rows/s, ≥ 50×, peak ≤ 300 MB)"
        )
    text = "\n".join(lines)
    print(text)
    out = REPO / "bench" / "results" / f"import-{date.today()}.txt"
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
