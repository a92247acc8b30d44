"""Benchmark of the quarterly-return import in every format offices send (issue 17, Measure), on PostgreSQL.

    .venv/bin/python bench/formats.py [--rows 50000] [--repeat 3]

In one run, on a fresh database of its own (`wanzhou_bench_formats`, dropped and re-created):
1. generates one 50,000-row return as .xlsx (bench/import.py's generator: valid ID numbers and credit codes
   across all townships), and from the same file an .xls and an .ods by LibreOffice
   (`soffice --headless --convert-to`, a private profile) and a GB18030 .csv (the same cells as text);
2. times `manage.py import_return FILE --user …` end to end in a child process into an empty ledger, the
   formats interleaved (xlsx, xls, ods, csv, then again), `--repeat` rounds; beside each run it prints the
   host's load average and the peak RSS of the whole process tree (the command and its calamine child,
   summed, sampled from /proc every 10 ms);
3. prints each format's median rate, its ratio to the .xlsx median of the same run, and its peak RSS,
   against the targets (≥ 0.5 × the .xlsx rate, ≤ 300 MB). Appended to bench/results/formats-<date>.txt.
"""

import argparse
import csv
import importlib.util
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DB_NAME = "wanzhou_bench_formats"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
FORMATS = ("xlsx", "xls", "ods", "csv")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

_spec = importlib.util.spec_from_file_location("bench_import", REPO / "bench" / "import.py")
bench_import = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_import)
bench_import.DB_NAME = DB_NAME  # its database helpers read the module's name


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _convert(source: Path, extension: str) -> Path:
    profile = Path(tempfile.gettempdir()) / f"lo-bench-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                extension,
                "--outdir",
                str(source.parent),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=900,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return source.with_suffix(f".{extension}")


def _write_csv(source: Path) -> Path:
    """The .xlsx's cells as a GB18030 CSV, as Excel and WPS export it on Chinese Windows."""
    import openpyxl

    target = source.with_suffix(".csv")
    workbook = openpyxl.load_workbook(source, read_only=True)
    with target.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        for row in workbook.active.iter_rows(values_only=True):
            writer.writerow(["" if value is None else value for value in row])
    workbook.close()
    return target


def _tree_rss_kb(root: int) -> int:
    """Resident memory of `root` and its descendants, summed (kB)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_KB
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total


def _run_command(path: Path, user: str) -> tuple[float, int, str]:
    """(seconds, peak RSS of the process tree in kB, the command's last line)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_return", str(path), "--user", user, "--skip-checks"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": f"{PG}/{DB_NAME}", "REDIS_URL": REDIS},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"import_return {path.name} failed:\n{out}\n{err[-3000:]}")
    return elapsed, peak, out.strip().splitlines()[-1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the four formats")
    args = parser.parse_args(argv)

    # A throw-away database: a random key unless the environment gives one (make bench does).
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    bench_import._setup_database()
    bench_import._bootstrap()
    from targets.services import staff_user_save

    user = staff_user_save(username="bench_bureau", role="bureau", password="Bench-Passw0rd-2025")
    lines = [
        f"formats benchmark {time.strftime('%Y-%m-%d %H:%M %Z')} — PostgreSQL database {DB_NAME}, "
        f"{os.cpu_count()} cores, load average {_load()}"
    ]
    print(lines[0], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = {"xlsx": Path(tmp) / "return.xlsx"}
        started = time.perf_counter()
        bench_import._write_return(files["xlsx"], args.rows)
        for extension in ("xls", "ods"):
            files[extension] = _convert(files["xlsx"], extension)
        files["csv"] = _write_csv(files["xlsx"])
        sizes = ", ".join(f".{k} {p.stat().st_size / 1e6:.1f} MB" for k, p in files.items())
        lines.append(f"generated {args.rows:,} rows in {time.perf_counter() - started:.0f} s: {sizes}")
        print(lines[-1], flush=True)

        times = {k: [] for k in FORMATS}
        peaks = dict.fromkeys(FORMATS, 0)
        for round_ in range(args.repeat):
            for kind in FORMATS:
                bench_import._empty_ledger()
                load = _load()
                elapsed, tree_kb, summary = _run_command(files[kind], user.username)
                times[kind].append(elapsed)
                peaks[kind] = max(peaks[kind], tree_kb)
                lines.append(
                    f"round {round_ + 1} .{kind:4} {elapsed:6.2f} s = {args.rows / elapsed:6,.0f} rows/s, "
                    f"peak RSS of the process tree {tree_kb / 1024:4.0f} MB, load average before {load} — {summary}"
                )
                print(lines[-1], flush=True)
        rates = {k: args.rows / statistics.median(v) for k, v in times.items()}
        lines.append(f"medians of {args.repeat} (load average now {_load()}):")
        for kind in FORMATS:
            ratio = rates[kind] / rates["xlsx"]
            peak_mb = peaks[kind] / 1024
            verdict = "ok" if ratio >= 0.5 and peak_mb <= 300 else "MISSED"
            lines.append(
                f"  .{kind:4} {rates[kind]:6,.0f} rows/s, {ratio:4.2f} × .xlsx, peak RSS {peak_mb:4.0f} MB"
                + ("" if kind == "xlsx" else f"  [{verdict}: targets ≥ 0.50 × .xlsx, ≤ 300 MB]")
            )
    text = "\n".join(lines)
    print("\n".join(lines[-len(FORMATS) - 1 :]))
    out = REPO / "bench" / "results" / f"formats-{date.today()}.txt"
    with out.open("a", encoding="utf-8") as handle:  # runs of one day side by side
        handle.write(text + "\n\n")
    from django.db import connections

    connections.close_all()
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {DB_NAME}", "postgres"]
    )
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
