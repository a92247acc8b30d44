"""Benchmark of the REST API feeds and exports (issue 6) against a real server process on PostgreSQL.

Usage (the ledger must be loaded first, e.g. with bench/generate.py --employments 1000000):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wanzhou_bench
    .venv/bin/python bench/api.py [--page-size 5000] [--port 8765] [--save] [--note TEXT]

In one run, with the server started as its own process (`manage.py runserver --noreload`, stopped at the end)
and a throw-away client token (revoked at the end):

* raw COPY: `COPY (SELECT <the export's columns, unformatted and unmasked>) TO STDOUT` read through psycopg in
  this process — the ceiling every other rate is divided by (the "ratio");
* the whole paginated feed /api/v1/employments/ walked with its cursor at `--page-size` (records/s);
* page latency at the default page size (1,000) of /api/v1/employments/ and /api/v1/workers/: the first
  `--latency-pages` pages against the last ones (issue 24: p95 of the last 30 ≤ 1.3× the first 30), each a
  chain of cursors, the two chains' requests interleaved so that a change of the host's load falls on both
  alike, `--latency-rounds` times over (p95 of each round and of all rounds), the load average beside each;
* the streamed exports export.csv and export.ndjson, read to the end (records/s);
* peak RSS of the server process (VmRSS sampled every 20 ms during each phase, and VmHWM over its life).

Targets (issue 6): feed ≥ 10,000 records/s, CSV ≥ 100,000/s, NDJSON ≥ 30,000/s, RSS ≤ 250 MB; issue 24: p95
of the last pages ≤ 1.3× the first. The host is shared: the load average is printed with the figures.
`--latency-only` measures the page latency alone (no raw COPY, walk or exports). `--save` appends to
bench/results/api-<date>.txt.
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
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate as gen  # noqa: E402,F401  (sets Django up)
import requests  # noqa: E402
from django.db import connection  # noqa: E402

from targets.api import api_client_create, api_client_revoke  # noqa: E402
from wanzhou_jobs.api import cursor_encode, sync_horizon  # noqa: E402
from workers.models import Employment, Worker  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
TARGETS = {"feed": 10_000, "csv": 100_000, "ndjson": 30_000}
RSS_TARGET_MB = 250
FEED = "/api/v1/employments/"
DEFAULT_PAGE = 1000
# Issue 24: the feed's pages at the end as fast as at the start (p95 of the last 30 ≤ 1.3× the first 30).
LATENCY_FEEDS = (("/api/v1/employments/", Employment), ("/api/v1/workers/", Worker))
LATENCY_GOAL = 1.3

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


def last_pages_cursor(model, pages: int) -> str:
    """The cursor from which `pages` pages of `DEFAULT_PAGE` live records read to the end of the feed: the
    keyset position of the record just before the last `pages × DEFAULT_PAGE` ones (with no tombstones, as in
    the generated ledger, exactly the cursor the feed itself hands out there)."""
    live = model.objects.filter(updated_at__lt=sync_horizon())
    skip = live.count() - pages * DEFAULT_PAGE - 1
    if skip < 0:
        return cursor_encode(datetime(1970, 1, 1, tzinfo=UTC), -1, 0)
    ts, pk = live.order_by("updated_at", "id").values_list("updated_at", "id")[skip]
    return cursor_encode(ts, 0, pk)


def _load1() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def page_latencies(session, base: str, feed: str, last_cursor: str, pages: int) -> dict[str, list]:
    """One round: the first `pages` pages and the pages from `last_cursor` to the end, each a chain of cursors
    at the default page size, their requests interleaved (first, last, first, …) so that host drift falls
    on both alike. Returns per chain its latencies (s) and the 1-minute load average at each request."""
    chains = {"first": {"cursor": None, "done": False}, "last": {"cursor": last_cursor, "done": False}}
    out = {name: {"lat": [], "load": []} for name in chains}
    while not all(chain["done"] for chain in chains.values()):
        for name, chain in chains.items():
            if chain["done"]:
                continue
            params = {"page_size": DEFAULT_PAGE}
            if chain["cursor"]:
                params["cursor"] = chain["cursor"]
            t = time.perf_counter()
            response = session.get(base + feed, params=params, timeout=120)
            response.raise_for_status()
            data = response.json()
            out[name]["lat"].append(time.perf_counter() - t)
            out[name]["load"].append(_load1())
            chain["cursor"] = data["cursor"]
            chain["done"] = not data["has_more"] or (name == "first" and len(out[name]["lat"]) >= pages)
    # The last chain reads to the end (a page more if the count moved); keep its last `pages` pages.
    out["last"] = {key: values[-pages:] for key, values in out["last"].items()}
    return out


def _load_range(loads: list[float]) -> str:
    return f"load {min(loads):.2f}–{max(loads):.2f}" if loads else "load n/a"


def latency_report(session, base: str, pages: int, rounds: int) -> dict[str, float]:
    """First against last pages of each feed at the default page size; prints each round and all rounds
    together with the load average beside each figure; returns the overall ratio per feed."""
    ratios = {}
    for feed, model in LATENCY_FEEDS:
        last_cursor = last_pages_cursor(model, pages)
        session.get(base + feed, params={"page_size": 1}, timeout=60).raise_for_status()  # warm-up
        merged = {"first": {"lat": [], "load": []}, "last": {"lat": [], "load": []}}
        for n in range(1, rounds + 1):
            got = page_latencies(session, base, feed, last_cursor, pages)
            for name in merged:
                for key in ("lat", "load"):
                    merged[name][key] += got[name][key]
            first, last = got["first"], got["last"]
            ratio = pct(last["lat"], 0.95) / pct(first["lat"], 0.95)
            print(
                f"  {feed} page_size {DEFAULT_PAGE}, round {n}: first {len(first['lat'])} pages "
                f"p50 {pct(first['lat'], 0.5):.0f} ms p95 {pct(first['lat'], 0.95):.0f} ms "
                f"({_load_range(first['load'])}); last {len(last['lat'])} pages "
                f"p50 {pct(last['lat'], 0.5):.0f} ms p95 {pct(last['lat'], 0.95):.0f} ms "
                f"({_load_range(last['load'])}); ratio {ratio:.2f}×"
            )
        first, last = merged["first"], merged["last"]
        ratios[feed] = ratio = pct(last["lat"], 0.95) / pct(first["lat"], 0.95)
        print(
            f"  {feed} all {rounds} rounds: first pages p95 {pct(first['lat'], 0.95):.0f} ms "
            f"({_load_range(first['load'])}), last pages p95 {pct(last['lat'], 0.95):.0f} ms "
            f"({_load_range(last['load'])}): ratio {ratio:.2f}× (goal ≤ {LATENCY_GOAL}×) "
            f"{verdict(ratio <= LATENCY_GOAL)}"
        )
    return ratios


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
    parser.add_argument("--latency-pages", type=int, default=30, help="first and last pages compared")
    parser.add_argument("--latency-rounds", type=int, default=3, help="rounds of the interleaved comparison")
    parser.add_argument(
        "--latency-only", action="store_true", help="page latency only: no raw COPY, walk or exports"
    )
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
        f"{total:,} employments, {Worker.objects.count():,} workers; {os.cpu_count()} CPUs; "
        f"load average {loadavg()}"
    )
    if args.note:
        print(args.note)

    if not args.latency_only:
        copy_rows, copy_seconds = raw_copy()
        copy_rate = copy_rows / copy_seconds
        print(
            f"raw COPY of the same columns: {copy_rows:,} rows in {copy_seconds:.1f} s = "
            f"{copy_rate:,.0f} rows/s"
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

        if not args.latency_only:
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

        ratios = latency_report(session, base, args.latency_pages, args.latency_rounds)

        if not args.latency_only:
            for fmt in ("csv", "ndjson"):
                with RssSampler(proc.pid) as rss:
                    records, seconds, size = export(session, base, fmt)
                results[fmt] = (records, seconds, rss.peak_mb)
                print(
                    f"export.{fmt}: {records:,} records, {size / 1e6:,.0f} MB in {seconds:.1f} s = "
                    f"{records / seconds:,.0f} records/s (ratio {records / seconds / copy_rate:.3f} of raw "
                    f"COPY); server peak RSS {rss.peak_mb:.0f} MB; load average {loadavg()}"
                )
        hwm = _status_kb(proc.pid, "VmHWM") / 1024
    finally:
        server_stop(proc)
        api_client_revoke(name=client.name)

    print("\nsummary (targets of issues 6 and 24):")
    rc = 0
    for key, label in (("feed", "feed walk"), ("csv", "export.csv"), ("ndjson", "export.ndjson")):
        if key not in results:
            continue
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
    rc |= hwm > RSS_TARGET_MB
    for feed, ratio in ratios.items():
        print(
            f"  {feed} p95 last/first {args.latency_pages} pages at {DEFAULT_PAGE}: {ratio:.2f}×  "
            f"goal ≤ {LATENCY_GOAL}×  {verdict(ratio <= LATENCY_GOAL)}"
        )
    rc |= ratios[FEED] > LATENCY_GOAL
    if not args.latency_only:
        print(f"  raw COPY {copy_rate:,.0f} rows/s")
        print(f"median page latency of the walk {statistics.median(lat) * 1000:.0f} ms")
    print(f"load average {loadavg()}")
    return int(rc)


if __name__ == "__main__":
    sys.exit(main())
