"""Progress engine benchmark (issue 5): full recompute of a year, dashboard page server time, and the time
from a saved employment to the updated snapshot with a real Celery worker.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wanzhou_bench   # a database bench/generate.py filled
    export REDIS_URL=redis://127.0.0.1:6379/13
    .venv/bin/python bench/progress.py [--year 2026] [--requests 200] [--save]

Prints each figure next to its target (recompute ≤ 2 s, dashboard p95 ≤ 100 ms over 200 requests,
save → snapshot ≤ 10 s) and, with --save, appends the output to bench/results/progress-<date>.txt.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate as gen  # noqa: E402,F401  (sets Django up)
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from targets.models import Industry, ProgressSnapshot, Township  # noqa: E402
from targets.progress import progress_recompute  # noqa: E402
from targets.services import staff_user_save  # noqa: E402
from workers.models import Employment, Worker, Workplace  # noqa: E402
from workers.services import EmploymentData, employment_record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class Tee:
    def __init__(self):
        self.lines: list[str] = []

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure_recompute(out: Tee, year: int, runs: int) -> None:
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        snapshot = progress_recompute(year=year)
        times.append(time.perf_counter() - started)
    times = times[1:]  # the first run warms the cache
    verdict = "ok" if max(times) <= 2 else "MISSES ≤ 2 s"
    out(
        f"full recompute of {year}: median {statistics.median(times):.2f} s, max {max(times):.2f} s "
        f"over {runs} runs ({snapshot.record_count:,} records, snapshot says {snapshot.duration_ms} ms)  {verdict}"
    )


def measure_dashboard(out: Tee, year: int, requests: int) -> None:
    user = staff_user_save(username="bench_bureau_progress", role="bureau", password="Bench-Passw0rd-2025")
    client = Client()
    client.force_login(user)
    url = reverse("targets:dashboard") + f"?year={year}"
    assert client.get(url).status_code == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    p95 = _pct(times, 0.95)
    verdict = "ok" if p95 <= 100 else "MISSES ≤ 100 ms"
    out(
        f"dashboard {url}: {requests} requests, p50 {_pct(times, 0.5):.1f} ms, p95 {p95:.1f} ms, "
        f"max {max(times):.1f} ms ({len(response.content):,} bytes)  {verdict}"
    )
    # The first request after a recompute renders the page body; the figures above are the rest.
    cold = []
    for _ in range(max(1, requests // 10)):
        cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        cold.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    out(
        f"dashboard first render after a recompute (page cache empty): {len(cold)} requests, "
        f"p50 {_pct(cold, 0.5):.1f} ms, max {max(cold):.1f} ms"
    )


def _start_worker(log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    out = log.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "wanzhou_jobs",
            "worker",
            "-P",
            "solo",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-n",
            f"bench-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if b"ready." in log.read_bytes():
            return proc
        if proc.poll() is not None:
            raise SystemExit(log.read_text(errors="replace"))
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the Celery worker did not start within 60 s")


def measure_save_to_snapshot(out: Tee, year: int, rounds: int) -> None:
    if not settings.REDIS_URL:
        out("save → snapshot: skipped (set REDIS_URL to run a real Celery worker)")
        return
    log = ROOT / "artifacts" / f"bench-progress-worker-{uuid.uuid4().hex[:6]}.log"
    log.parent.mkdir(exist_ok=True)
    worker_proc = _start_worker(log)
    user = staff_user_save(username="bench_bureau_progress", role="bureau")
    township = Township.objects.get(name="甘宁镇")
    industry = Industry.objects.get(code="02")
    latencies = []
    try:
        for n in range(rounds):
            # A person of the bench data with no job this year yet: one save adds one to the count.
            person = (
                Worker.objects.filter(township=township, birth_date__lte=date(2000, 1, 1))
                .exclude(employments__start_date__year=year)
                .order_by("pk")[n]
            )
            before = ProgressSnapshot.objects.get(year=year)
            started = time.perf_counter()
            with transaction.atomic():
                employment_record(
                    acting_user=user,
                    worker=person,
                    data=EmploymentData(
                        employer_name=f"万州基准测试企业{uuid.uuid4().hex[:8]}有限公司",
                        industry=industry,
                        workplace=Workplace.IN_DISTRICT,
                        workplace_township=township,
                        form="单位就业",
                        start_date=date(year, 1, 5)
                        if date(year, 1, 5) <= timezone.localdate()
                        else timezone.localdate(),
                    ),
                )
            deadline = time.perf_counter() + 60
            while time.perf_counter() < deadline:
                snap = ProgressSnapshot.objects.get(year=year)
                if (
                    snap.computed_at > before.computed_at
                    and snap.data["district"]["count"] == before.data["district"]["count"] + 1
                ):
                    latencies.append(time.perf_counter() - started)
                    break
                time.sleep(0.1)
            else:
                out(f"save → snapshot: round {n + 1} not seen within 60 s (see {log})")
    finally:
        worker_proc.terminate()
        worker_proc.wait(timeout=30)
        Employment.objects.filter(employer__name__startswith="万州基准测试企业").delete()
    if latencies:
        verdict = "ok" if max(latencies) <= 10 else "MISSES ≤ 10 s"
        out(
            f"save → snapshot with a running worker: median {statistics.median(latencies):.2f} s, "
            f"max {max(latencies):.2f} s over {len(latencies)} saves (countdown 2 s included)  {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=timezone.localdate().year)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--saves", type=int, default=5)
    parser.add_argument("--save", action="store_true", help="append to bench/results/progress-<date>.txt")
    args = parser.parse_args()
    out = Tee()
    out(
        f"=== bench/progress.py {' '.join(sys.argv[1:])}  ({timezone.localtime():%Y-%m-%d %H:%M %Z}, "
        f"load average {_loadavg()})"
    )
    out(
        f"database {connection.vendor}:{connection.settings_dict['NAME']}; ledger "
        f"{Employment.objects.count():,} employments, {Worker.objects.count():,} workers"
    )
    measure_recompute(out, args.year, args.runs)
    measure_dashboard(out, args.year, args.requests)
    measure_save_to_snapshot(out, args.year, args.saves)
    out(f"load average at the end {_loadavg()}")
    if args.save:
        path = ROOT / "bench" / "results" / f"progress-{timezone.localdate():%Y-%m-%d}.txt"
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(out.lines) + "\n\n")
        print(f"appended to {path}")


if __name__ == "__main__":
    main()
