"""Benchmark of the REST API feeds and exports (issue 6) against a real server process on PostgreSQL.

Usage (the ledger must be loaded first, e.g. with bench/generate.py --employments 1000000):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wanzhou_bench
    .venv/bin/python bench/api.py [--page-size 5000] [--port 8765] [--save] [--note TEXT]

In one run, with the server started as its own process (`manage.py runserver --noreload`, stopped at the end)
and a throw-away client token (revoked at the end):

* raw COPY: `COPY (SELECT <the export's columns, unformatted and unmasked>) TO STDOUT` read through psycopg in
  this process — the ceiling every other rate is divided by (the "ratio");
* the whole paginated feed /api/v1/employments/ walked with its cursor at `--page-size` (records/s), then page
  latency at the default page size (1,000): p50/p95 of the first pages and of the last pages (keyset: flat);
* the streamed exports export.csv and export.ndjson, read to the end (records/s);
* peak RSS of the server process (VmRSS sampled every 20 ms during each phase, and VmHWM over its life).

Targets (issue 6): feed ≥ 10,000 records/s, CSV ≥ 100,000/s, NDJSON ≥ 30,000/s, RSS ≤ 250 MB, p95 flat. The
host is shared: the load average is printed with the figures. `--save` writes bench/results/api-<date>.txt.
"""

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate as gen  # noqa: E402,F401  (sets Django up)
import requests  # noqa: E402
from django.db import connection  # noqa: E402

from targets.api import api_client_create, api_client_revoke  # noqa: E402
from workers.models import Employment  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
TARGETS = {"feed": 10_000, "csv": 100_000, "ndjson": 30_000}
RSS_TARGET_MB = 250
FEED = "/api/v1/employments/"
DEFAULT_PAGE = 1000

RAW_COPY = """
    SELECT e.id, e.worker_id, w.id_number, w.name, w.phone, t.code, t.name, i.code, i.name, e.workplace,
           wt.code, wt.name, e.form, e.start_date, e.end_date, e.returnee,
           w.is_poverty_alleviated, w.is_monitored, w.is_continued_support, w.is_relocated, w.is_dibao,
           w.is_disabled, w.is_yulu_graduate, em.name, em.credit_code, e.created_at, e.updated_at
    FROM workers_employment e
    JOIN workers_worker w ON w.id = e.worker_id
    JOIN targets_township t ON t.id = w.township_id
    JOIN targets_industry i ON i.id = e.industry_id
    JOIN workers_employer em ON em.id = e.employer_id
    LEFT JOIN targets_township wt ON wt.id = e.workplace_township_id
"""


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


class Tee(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for stream in self.streams:
            stream.write(text)
            stream.flush()
        return len(text)


# --- The server process and its memory --------------------------------------------------------------------


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class RssSampler:
    """Peak VmRSS of a process while a phase runs, sampled every 20 ms in a thread."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak_kb = max(self.peak_kb, _status_kb(self.pid, "VmRSS"))
            except (OSError, ValueError):
                return
            self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, _status_kb(self.pid, "VmRSS"))

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


def server_start(port: int, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.setdefault("API_THROTTLE_RATE", "1000000/minute")
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server did not start:\n" + log_path.read_text(errors="replace"))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("server did not listen within 60 s")


def server_stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- Measurements ------------------------------------------------------------------------------------------


def raw_copy() -> tuple[int, float]:
    """Rows and seconds of a raw COPY of the export's columns, read through psycopg like the server does."""
    connection.ensure_connection()
    rows = 0
    started = time.perf_counter()
    sql = f"COPY ({RAW_COPY}) TO STDOUT"  # noqa: S608 - fixed SQL
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for _block in copy:
            rows += 1
    return rows, time.perf_counter() - started


def walk(session, base: str, page_size: int) -> dict:
    """The whole feed with the cursor: records, seconds, per-page latencies, and a cursor near the end."""
    latencies, records, cursor, cursors = [], 0, None, []
    started = time.perf_counter()
    while True:
        params = {"page_size": page_size}
        if cursor:
            params["cursor"] = cursor
        t = time.perf_counter()
        response = session.get(base + FEED, params=params, timeout=300)
        response.raise_for_status()
        data = response.json()
        latencies.append(time.perf_counter() - t)
        records += len(data["results"])
        cursor = data["cursor"]
        cursors.append(cursor)
        if not data["has_more"]:
            break
    seconds = time.perf_counter() - started
    return {"records": records, "seconds": seconds, "latencies": latencies, "cursors": cursors}


def page_latencies(session, base: str, cursor: str | None, pages: int) -> list[float]:
    out = []
    for _ in range(pages):
        params = {"page_size": DEFAULT_PAGE}
        if cursor:
            params["cursor"] = cursor
        t = time.perf_counter()
        response = session.get(base + FEED, params=params, timeout=120)
        response.raise_for_status()
        data = response.json()
        out.append(time.perf_counter() - t)
        cursor = data["cursor"]
        if not data["has_more"]:
            break
    return out


def export(session, base: str, fmt: str) -> tuple[int, float, int]:
    """Records, seconds and bytes of one streamed export read to the end."""
    started = time.perf_counter()
    lines = size = 0
    with session.get(f"{base}/api/v1/employments/export.{fmt}", stream=True, timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_content(chunk_size=1 << 20):
            lines += chunk.count(b"\n")
            size += len(chunk)
    seconds = time.perf_counter() - started
    return lines - (1 if fmt == "csv" else 0), seconds, size


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--page-size", type=int, default=5000, help="page size of the full walk (max 5000)")
    parser.add_argument("--latency-pages", type=int, default=30)
    parser.add_argument("--save", action="store_true")
    parser.add_argument("--note", default="")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print("bench/api.py needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    out = io.StringIO()
    stdout = sys.stdout
    sys.stdout = Tee(stdout, out)
    try:
        rc = run(args)
    finally:
        sys.stdout = stdout
    if args.save:
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"api-{date.today().isoformat()}.txt"
        header = f"\n=== bench/api.py {' '.join(sys.argv[1:])}   ({time.strftime('%Y-%m-%d %H:%M %Z')})\n"
        with path.open("a", encoding="utf-8") as f:
            f.write(header + out.getvalue())
        print(f"appended to {path.relative_to(REPO)}")
    return rc


def run(args) -> int:
    total = Employment.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    print(
        f"database {connection.settings_dict['NAME']} (PostgreSQL {version}, work_mem {work_mem}); "
        f"{total:,} employments; {os.cpu_count()} CPUs; load average {loadavg()}"
    )
    if args.note:
        print(args.note)

    copy_rows, copy_seconds = raw_copy()
    copy_rate = copy_rows / copy_seconds
    print(
        f"raw COPY of the same columns: {copy_rows:,} rows in {copy_seconds:.1f} s = {copy_rate:,.0f} rows/s"
    )

    client, token = api_client_create(
        name=f"bench-api-{int(time.time())}", days=1, throttle_rate="1000000/minute"
    )
    log_path = Path("/tmp") / f"bench-api-server-{os.getpid()}.log"
    proc = server_start(args.port, log_path)
    base = f"http://127.0.0.1:{args.port}"
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    results = {}
    try:
        print(
            f"server: manage.py runserver --noreload --nothreading, pid {proc.pid}, "
            f"RSS at start {_status_kb(proc.pid, 'VmRSS') / 1024:.0f} MB"
        )
        session.get(base + FEED, params={"page_size": 1}, timeout=60).raise_for_status()  # warm-up

        with RssSampler(proc.pid) as rss:
            feed = walk(session, base, args.page_size)
        results["feed"] = (feed["records"], feed["seconds"], rss.peak_mb)
        lat = feed["latencies"]
        n = min(20, len(lat) // 2)
        print(
            f"feed walk (page_size {args.page_size}): {feed['records']:,} records in {len(lat)} pages, "
            f"{feed['seconds']:.1f} s = {feed['records'] / feed['seconds']:,.0f} records/s "
            f"(ratio {feed['records'] / feed['seconds'] / copy_rate:.3f} of raw COPY); server peak RSS "
            f"{rss.peak_mb:.0f} MB; load average {loadavg()}"
        )
        print(
            f"  page latency at page_size {args.page_size}: first {n} pages p50 {pct(lat[:n], 0.5):.0f} ms "
            f"p95 {pct(lat[:n], 0.95):.0f} ms; last {n} pages p50 {pct(lat[-n:], 0.5):.0f} ms "
            f"p95 {pct(lat[-n:], 0.95):.0f} ms"
        )

        # Default page size: the first pages, and pages just before the end of the feed (cursor ~97 %).
        near_end = feed["cursors"][max(0, int(len(feed["cursors"]) * 0.97) - 1)]
        first = page_latencies(session, base, None, args.latency_pages)
        last = page_latencies(session, base, near_end, args.latency_pages)
        flat = pct(last, 0.95) <= 2 * max(pct(first, 0.95), 50)
        print(
            f"  page latency at page_size {DEFAULT_PAGE}: first {len(first)} pages p50 {pct(first, 0.5):.0f} ms "
            f"p95 {pct(first, 0.95):.0f} ms; last {len(last)} pages p50 {pct(last, 0.5):.0f} ms "
            f"p95 {pct(last, 0.95):.0f} ms — {'flat' if flat else 'NOT FLAT'}"
        )

        for fmt in ("csv", "ndjson"):
            with RssSampler(proc.pid) as rss:
                records, seconds, size = export(session, base, fmt)
            results[fmt] = (records, seconds, rss.peak_mb)
            print(
                f"export.{fmt}: {records:,} records, {size / 1e6:,.0f} MB in {seconds:.1f} s = "
                f"{records / seconds:,.0f} records/s (ratio {records / seconds / copy_rate:.3f} of raw COPY); "
                f"server peak RSS {rss.peak_mb:.0f} MB; load average {loadavg()}"
            )
        hwm = _status_kb(proc.pid, "VmHWM") / 1024
    finally:
        server_stop(proc)
        api_client_revoke(name=client.name)

    print("\nsummary (targets of issue 6):")
    rc = 0
    for key, label in (("feed", "feed walk"), ("csv", "export.csv"), ("ndjson", "export.ndjson")):
        records, seconds, _peak = results[key]
        rate = records / seconds
        ok = rate >= TARGETS[key] and records == total
        rc |= not ok
        print(
            f"  {label:14} {rate:>10,.0f} records/s  target ≥ {TARGETS[key]:,}  ratio {rate / copy_rate:.3f}  "
            f"records {records:,}/{total:,}  {verdict(ok)}"
        )
    print(
        f"  server peak RSS {hwm:.0f} MB (VmHWM)  target ≤ {RSS_TARGET_MB} MB  {verdict(hwm <= RSS_TARGET_MB)}"
    )
    print(
        f"  page p95 first/last at {DEFAULT_PAGE}: {pct(first, 0.95):.0f}/{pct(last, 0.95):.0f} ms  "
        f"{verdict(flat)}"
    )
    print(f"  raw COPY {copy_rate:,.0f} rows/s; load average {loadavg()}")
    rc |= hwm > RSS_TARGET_MB or not flat
    print(f"median page latency overall {statistics.median(lat) * 1000:.0f} ms")
    return int(rc)


if __name__ == "__main__":
    sys.exit(main())
