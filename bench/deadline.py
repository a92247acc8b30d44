"""Deadline day (issue 21): 49 clerks each upload and confirm a 300-row return at once, through HTTP with their
own sessions, while 20 bureau users load the dashboard and its drill-downs in a loop and one API client walks
the employments feed. gunicorn (deploy/gunicorn.conf.py), a Celery worker and beat on PostgreSQL and Redis,
started as deploy/smoke.py starts them, on a new database that is dropped at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/deadline.py [--save]

Reports: every import correct (the ledger holds each row once, the progress equals a recount), 5xx count,
p50/p95 of the bureau's pages during the storm, the time from each return's confirmation until the progress
API counts its township, peak RSS per process, and the host's load average.
"""

import argparse
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import openpyxl
import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 1.5  # the batch page's own polling interval (static/js/returns.js)
sys.path.insert(0, str(ROOT / "deploy"))
import smoke  # noqa: E402 - deploy/smoke.py: the same stack as CI's smoke

CLERKS, ROWS, BUREAU = 49, 300, 20
PASSWORD = "Bench-Passw0rd-2025"  # noqa: S105 - a throwaway database
USERS_SCRIPT = """
from targets.models import Township
from targets.services import staff_user_save
names = list(Township.objects.order_by("code").values_list("name", flat=True))[:{clerks}]
for n, name in enumerate(names):
    staff_user_save(username=f"clerk{{n}}", role="clerk", township=name, password="{password}")
for n in range({bureau}):
    staff_user_save(username=f"bureau{{n}}", role="bureau", password="{password}")
print("|".join(names))
print("|".join(Township.objects.order_by("code").values_list("code", flat=True)[:5]))
"""


def bureau_users(sessions, base: str, pages: list[str], stop, out) -> None:
    """Each bureau user loads the dashboard pages in turn, without pause, until `stop`; puts (start, seconds,
    status or error name) of every request on `out`. Runs in its own process."""
    results, lock = [], threading.Lock()

    def user(n: int) -> None:
        session, i = sessions[n], n
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = session.get(base + pages[i % len(pages)], timeout=120).status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            with lock:
                results.append((started, time.monotonic() - started, status))
            i += 1

    threads = [threading.Thread(target=user, args=(n,)) for n in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(results)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return children + [g for c in children for g in descendants(c)]


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    token = smoke.csrf(session, base + "/login/")
    response = session.post(
        base + "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/login/"},
        timeout=60,
    )
    assert response.url.rstrip("/") == base or "/login/" not in response.url, f"{username}: login failed"
    return session


def id_number(n: int) -> str:
    """Distinct for n < 20,000: 10,000 birth dates from 1966 (all of working age), two sequence numbers each."""
    birth = date(1966, 1, 1) + timedelta(days=n % 10000)
    body = f"500101{birth:%Y%m%d}{n // 10000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def return_file(headers: list[str], township: str, first: int) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    values = {"姓名": "张三", "户籍所在镇乡街道": township, "就业单位名称": "重庆万州食品有限公司", "就业行业": "制造业",
              "就业地点": township, "就业形式": "单位就业", "就业时间": "2025-03-15", "是否返乡": "否", "月收入（元）": "3500"}  # fmt: skip
    for n in range(first, first + ROWS):
        sheet.append([id_number(n) if h == "公民身份号码" else values.get(h, "") for h in headers])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--save", action="store_true", help="append the figures to bench/results/deadline-<date>.txt"
    )
    args = parser.parse_args()
    server, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not server.startswith("postgres") or not redis_url:
        raise SystemExit("set DATABASE_URL=postgres://… (the server; a new database is made) and REDIS_URL")
    smoke.DEADLINE = time.monotonic() + 1200
    with tempfile.TemporaryDirectory(prefix="wz-deadline-") as tmp:
        stack = smoke.Stack(server, redis_url, Path(tmp))
        stack.env.pop("GUNICORN_WORKERS")  # the configuration's own count: 2 × cores + 1
        if os.environ.get("GUNICORN_THREADS"):
            stack.env["GUNICORN_THREADS"] = os.environ["GUNICORN_THREADS"]
        try:
            run(stack, args.save)
        finally:
            stack.down()


def run(stack, save: bool) -> None:
    with psycopg.connect(stack.admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{stack.database}"')
    stack.manage("migrate", "--noinput")
    stack.manage("load_reference_data")
    out = stack.manage(
        "shell", "-v", "0", "-c", USERS_SCRIPT.format(clerks=CLERKS, bureau=BUREAU, password=PASSWORD)
    )
    townships, codes = (line.split("|") for line in out.strip().splitlines()[-2:])
    token = stack.manage("create_api_client", "bench-city").strip().splitlines()[-1]
    celery = [sys.executable, "-m", "celery", "-A", "wanzhou_jobs"]
    stack.start("web", sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wanzhou_jobs.wsgi")
    stack.start(
        "worker",
        *celery,
        "worker",
        "-c",
        "2",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"bench-{os.getpid()}@%h",
    )
    stack.start("beat", *celery, "beat", f"--schedule={stack.work / 'celerybeat-schedule'}")
    base = stack.base

    def ready():
        stack.check_alive()
        try:
            return requests.get(base + "/readyz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    smoke.wait(ready, 120, "/readyz")
    clerks = [login(base, f"clerk{n}") for n in range(CLERKS)]
    bureaus = [login(base, f"bureau{n}") for n in range(BUREAU)]
    template = openpyxl.load_workbook(
        BytesIO(clerks[0].get(base + "/ledger/returns/template.xlsx", timeout=60).content)
    )
    headers = [str(c.value).rstrip("*") for c in template.worksheets[0][1] if c.value]
    files = [return_file(headers, townships[n], n * ROWS) for n in range(CLERKS)]
    load_before = os.getloadavg()

    stop = threading.Event()
    statuses: list[int] = []
    errors: list[str] = []
    confirmed: dict[str, float] = {}
    peak: dict[str, int] = {}
    lock = threading.Lock()

    def record(response) -> None:
        with lock:
            statuses.append(response.status_code)

    def clerk(n: int) -> None:
        session = clerks[n]
        try:
            token = smoke.csrf(session, base + "/ledger/returns/upload/")
            response = session.post(
                base + "/ledger/returns/upload/",
                data={"year": "2025", "quarter": "1", "csrfmiddlewaretoken": token},
                files={"file": (f"{townships[n]}.xlsx", files[n])},
                headers={"Referer": base + "/ledger/returns/upload/"},
                timeout=300,
            )
            record(response)
            batch = int(re.search(r"/returns/(\d+)/$", response.url).group(1))
            status_url = f"{base}/ledger/returns/{batch}/status.json"
            while (status := session.get(status_url, timeout=120).json())["status"] in (
                "uploaded",
                "validating",
            ):
                time.sleep(POLL_SECONDS)
            assert status["status"] == "validated", status
            token = smoke.csrf(session, f"{base}/ledger/returns/{batch}/")
            response = session.post(
                f"{base}/ledger/returns/{batch}/confirm/",
                data={"csrfmiddlewaretoken": token},
                headers={"Referer": f"{base}/ledger/returns/{batch}/"},
                timeout=300,
            )
            record(response)
            confirmed_at = (
                time.monotonic()
            )  # the worker imports it (a worker runs: workers.tasks.worker_runs_tasks)
            while (status := session.get(status_url, timeout=120).json())["status"] in (
                "queued",
                "importing",
            ):
                time.sleep(POLL_SECONDS)
            assert status["status"] == "imported", status
            confirmed[townships[n]] = confirmed_at
        except Exception as exc:  # noqa: BLE001 - reported, the run goes on
            errors.append(f"clerk{n}: {type(exc).__name__}: {exc}")

    pages = ["/targets/dashboard/?year=2025"] + [f"/targets/dashboard/township/{c}/?year=2025" for c in codes]
    pages += ["/targets/dashboard/industry/02/?year=2025"]

    def api_client() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        while not stop.is_set():
            url = base + "/api/v1/employments/?page_size=1000"
            while url and not stop.is_set():
                response = session.get(url, timeout=120)
                record(response)
                body = response.json()
                url = body["next"] if body.get("has_more") else None
            time.sleep(0.5)

    def sampler() -> None:
        while not stop.is_set():
            roles = {
                "web": stack.procs["web"].pid,
                "worker": stack.procs["worker"].pid,
                "beat": stack.procs["beat"].pid,
            }
            for role, pid in roles.items():
                for index, p in enumerate([pid, *descendants(pid)]):
                    key = f"{role} {'main' if index == 0 else 'child'}"
                    peak[key] = max(peak.get(key, 0), rss_kb(p))
            time.sleep(0.25)

    counted: dict[str, float] = {}
    watch_stop = threading.Event()

    def progress_watch() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        while not watch_stop.is_set():
            body = session.get(base + "/api/v1/progress/?year=2025", timeout=60).json()
            now = time.monotonic()
            for row in body["townships"]:
                if row["name"] in townships and row["count"] >= ROWS and row["name"] not in counted:
                    counted[row["name"]] = now
            if len(counted) == CLERKS or time.monotonic() > smoke.DEADLINE:
                return
            time.sleep(0.5)

    # The bureau users run in a process of their own (forked before any thread starts): their timings must
    # not include waiting for this process's GIL behind 49 clerks and the API client parsing 1,000-row pages.
    context = multiprocessing.get_context("fork")
    bureau_stop, bureau_out = context.Event(), context.Queue()
    bureau_proc = context.Process(target=bureau_users, args=(bureaus, base, pages, bureau_stop, bureau_out))
    bureau_proc.start()
    background = [threading.Thread(target=api_client), threading.Thread(target=sampler)]
    watcher = threading.Thread(target=progress_watch)
    for thread in background:
        thread.start()
    time.sleep(2)
    storm_started = time.monotonic()
    clerk_threads = [threading.Thread(target=clerk, args=(n,)) for n in range(CLERKS)]
    watcher.start()
    for thread in clerk_threads:
        thread.start()
    for thread in clerk_threads:
        thread.join()
    storm_ended = time.monotonic()
    watcher.join(timeout=180)  # every township counted, or 3 minutes after the last import
    watch_stop.set()
    watcher.join()
    stop.set()
    bureau_stop.set()
    bureau_results = bureau_out.get(timeout=300)
    bureau_proc.join(timeout=60)
    for thread in background:
        thread.join(timeout=120)
    for _started, _took, status in bureau_results:
        if isinstance(status, int):
            statuses.append(status)
        else:
            errors.append(f"bureau: {status}")
    storm_pages = [took for started, took, _ in bureau_results if storm_started <= started < storm_ended]
    load_after = os.getloadavg()

    with psycopg.connect(stack.env["DATABASE_URL"]) as db:
        rows = db.execute("SELECT COUNT(*), COUNT(DISTINCT worker_id) FROM workers_employment").fetchone()
        ids = db.execute("SELECT COUNT(*), COUNT(DISTINCT id_number) FROM workers_worker").fetchone()
    progress = requests.get(
        base + "/api/v1/progress/?year=2025", headers={"Authorization": f"Token {token}"}, timeout=60
    ).json()
    delays = [counted[t] - confirmed[t] for t in confirmed if t in counted]
    five_xx = sum(1 for s in statuses if s >= 500)
    lines = [
        f"deadline day, {time.strftime('%Y-%m-%d %H:%M %Z')}: {CLERKS} clerks × {ROWS} rows, {BUREAU} bureau users, 1 API client; "
        f"gunicorn workers = 2 × {os.cpu_count()} CPUs + 1, threads {os.environ.get('GUNICORN_THREADS') or 1}",
        f"imports: {len(confirmed)}/{CLERKS} imported; ledger {rows[0]} employments of {rows[1]} workers, "
        f"{ids[0]} workers with {ids[1]} distinct ID numbers (expected {CLERKS * ROWS} each); progress API district count "
        f"{progress['district']['count']}",
        f"errors: {len(errors)} {errors[:3]}; HTTP 5xx: {five_xx} of {len(statuses)} responses",
        f"storm: {storm_ended - storm_started:.1f} s from the first upload to the last import",
        f"bureau pages during the storm: {len(storm_pages)} requests, p50 {percentile(storm_pages, 50) * 1000:.0f} ms, "
        f"p95 {percentile(storm_pages, 95) * 1000:.0f} ms, max {max(storm_pages, default=0) * 1000:.0f} ms",
        f"confirmation → counted by the progress API: {len(delays)} returns, median "
        f"{statistics.median(delays) if delays else float('nan'):.1f} s, max {max(delays, default=float('nan')):.1f} s",
        "peak RSS: " + ", ".join(f"{k} {v / 1024:.0f} MB" for k, v in sorted(peak.items())),
        f"load average before {load_before[0]:.2f} / after {load_after[0]:.2f} (1 min), {load_after[1]:.2f} (5 min)",
    ]
    text = "\n".join(lines)
    print(text, flush=True)
    if save:
        out = ROOT / "bench" / "results" / f"deadline-{date.today():%Y-%m-%d}.txt"
        with out.open("a") as handle:
            handle.write(text + "\n\n")


if __name__ == "__main__":
    main()
