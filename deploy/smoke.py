"""Smoke test through real HTTP (issue 21, item 6), as `.ci/run` runs it: gunicorn, a Celery worker and beat
on PostgreSQL and Redis, started like the systemd units start them (deploy/), on a fresh database.

A clerk logs in, sets the password `create_user` asks to change, downloads the template, fills 2,100 rows
(above the threshold that sends the import to the worker), uploads, waits for validation and confirms; the
bureau's dashboard and the API's progress catch up; an API client walks the employments feed to its end and
finds every row once. Every wait is bounded; the processes and the database are removed at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python deploy/smoke.py            # DATABASE_URL names the server; a new database is made
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import openpyxl
import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
ROWS = 2100
PASSWORD = "Smoke-Passw0rd-2025"  # noqa: S105 - a throwaway database
NEW_PASSWORD = "Smoke-Changed-2026x"  # noqa: S105
DEADLINE = time.monotonic() + 300


def log(message: str) -> None:
    print(f"[smoke {time.strftime('%H:%M:%S')}] {message}", flush=True)


def wait(predicate, timeout: float, what: str, step: float = 0.5):
    end = min(time.monotonic() + timeout, DEADLINE)
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise SystemExit(f"smoke: timed out waiting for {what}")


def id_number(n: int) -> str:
    birth = date(1965, 1, 1) + timedelta(days=n % 12000)
    body = f"500101{birth:%Y%m%d}{n % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Stack:
    def __init__(self, server_url: str, redis_url: str, work: Path):
        parts = urlsplit(server_url)
        self.database = f"wz_smoke_{os.getpid()}"
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.work = work
        self.env = {
            "PATH": os.environ["PATH"],
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": urlunsplit(parts._replace(path=f"/{self.database}")),
            "REDIS_URL": redis_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "PRIVATE_MEDIA_ROOT": str(work / "private"),
            "BACKUP_DIR": str(work / "backups"),
            "LOG_FORMAT": "json",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
        }
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = ROOT / "artifacts"
        self.logs.mkdir(exist_ok=True)

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        if done.returncode:
            raise SystemExit(
                f"smoke: manage.py {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            )
        return done.stdout

    def start(self, name: str, *command: str) -> None:
        out = (self.logs / f"smoke-{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
        )

    def log_text(self, name: str) -> str:
        return (self.logs / f"smoke-{name}.log").read_text(errors="replace")

    def up(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
        self.manage("migrate", "--noinput")
        self.manage("load_reference_data")
        self.manage(
            "create_user", "smoke_clerk", "--role", "clerk", "--township", "甘宁镇", "--password", PASSWORD
        )
        self.manage("create_user", "smoke_bureau", "--role", "bureau", "--password", PASSWORD)
        self.token = self.manage("create_api_client", "smoke-city").strip().splitlines()[-1]
        celery = [sys.executable, "-m", "celery", "-A", "wanzhou_jobs"]
        self.start(
            "web", sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wanzhou_jobs.wsgi"
        )
        self.start(
            "worker",
            *celery,
            "worker",
            "-c",
            "2",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"smoke-{os.getpid()}@%h",
        )
        self.start("beat", *celery, "beat", f"--schedule={self.work / 'celerybeat-schedule'}")

    def down(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        try:
            with psycopg.connect(self.admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        except psycopg.Error as exc:
            log(f"could not drop {self.database}: {exc}")

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise SystemExit(f"smoke: {name} exited ({proc.returncode}):\n{self.log_text(name)[-3000:]}")


def csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    page.raise_for_status()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def login(stack: Stack, username: str) -> requests.Session:
    session = requests.Session()
    token = csrf(session, stack.base + "/login/")
    response = session.post(
        stack.base + "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": stack.base + "/login/"},
        timeout=30,
    )
    assert response.url.endswith("/password/"), (
        f"{username}: expected the first-login password change, {response.url}"
    )
    token = csrf(session, stack.base + "/password/")
    response = session.post(
        stack.base + "/password/",
        data={"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
              "csrfmiddlewaretoken": token},
        headers={"Referer": stack.base + "/password/"},
        timeout=30,
    )  # fmt: skip
    assert response.url.endswith("/password/done/"), f"{username}: password change failed ({response.url})"
    return session


def filled_template(session: requests.Session, stack: Stack) -> bytes:
    response = session.get(stack.base + "/ledger/returns/template.xlsx", timeout=60)
    response.raise_for_status()
    workbook = openpyxl.load_workbook(BytesIO(response.content))
    sheet = workbook.worksheets[0]
    header_row = 1  # the template's headers, required ones marked with "*"
    columns = {str(c.value).rstrip("*"): c.column for c in sheet[header_row] if c.value}
    assert "公民身份号码" in columns, columns
    values = {"姓名": "张三", "户籍所在镇乡街道": "甘宁镇", "就业单位名称": "重庆甘宁食品有限公司", "就业行业": "制造业",
              "就业地点": "甘宁镇", "就业形式": "单位就业", "就业时间": "2025-03-15", "是否返乡": "否", "月收入（元）": "3500"}  # fmt: skip
    for n in range(ROWS):
        row = header_row + 1 + n
        for name, column in columns.items():
            sheet.cell(
                row=row, column=column, value=id_number(n) if name == "公民身份号码" else values.get(name)
            )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> None:
    server = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not server.startswith("postgres") or not redis_url:
        raise SystemExit(
            "smoke: set DATABASE_URL=postgres://… (the server; a new database is made) and REDIS_URL"
        )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wz-smoke-") as tmp:
        stack = Stack(server, redis_url, Path(tmp))
        try:
            stack.up()
            log(f"set up in {time.monotonic() - started:.1f} s; web on {stack.base}")

            def ready():
                stack.check_alive()
                try:
                    return requests.get(stack.base + "/readyz", timeout=5).status_code == 200
                except requests.RequestException:
                    return False

            wait(ready, 90, "/readyz 200")
            assert requests.get(stack.base + "/healthz", timeout=5).json() == {"status": "ok"}

            clerk = login(stack, "smoke_clerk")
            content = filled_template(clerk, stack)
            token = csrf(clerk, stack.base + "/ledger/returns/upload/")
            response = clerk.post(
                stack.base + "/ledger/returns/upload/",
                data={"year": "2025", "quarter": "1", "csrfmiddlewaretoken": token},
                files={"file": ("甘宁镇一季度.xlsx", content)},
                headers={"Referer": stack.base + "/ledger/returns/upload/"},
                timeout=120,
            )
            batch = int(re.search(r"/returns/(\d+)/$", response.url).group(1))
            status_url = f"{stack.base}/ledger/returns/{batch}/status.json"

            def batch_status(*done):
                stack.check_alive()
                status = clerk.get(status_url, timeout=30).json()
                return status if status["status"] in done else None

            status = wait(lambda: batch_status("validated", "rejected", "failed"), 120, "validation")
            assert status["status"] == "validated", status
            token = csrf(clerk, f"{stack.base}/ledger/returns/{batch}/")
            confirm = clerk.post(
                f"{stack.base}/ledger/returns/{batch}/confirm/",
                data={"csrfmiddlewaretoken": token},
                headers={"Referer": f"{stack.base}/ledger/returns/{batch}/"},
                timeout=60,
            )
            request_id = (
                confirm.history[0].headers["X-Request-ID"]
                if confirm.history
                else confirm.headers["X-Request-ID"]
            )
            confirmed_at = time.monotonic()
            status = wait(lambda: batch_status("imported", "rejected", "failed"), 120, "the import")
            assert status["status"] == "imported", status
            log(
                f"{ROWS} rows imported by the worker in {time.monotonic() - confirmed_at:.1f} s after confirmation"
            )

            api = {"Authorization": f"Token {stack.token}"}

            def counted():
                progress = requests.get(
                    stack.base + "/api/v1/progress/?year=2025", headers=api, timeout=30
                ).json()
                return progress["district"]["count"] == ROWS

            wait(counted, 120, "the progress snapshot to count the return")
            log(f"counted by the progress engine {time.monotonic() - confirmed_at:.1f} s after confirmation")
            bureau = login(stack, "smoke_bureau")
            page = bureau.get(stack.base + "/targets/dashboard/?year=2025", timeout=30)
            assert page.status_code == 200 and (f"{ROWS:,}" in page.text or str(ROWS) in page.text), (
                "dashboard"
            )

            def walk():
                seen, url = [], stack.base + "/api/v1/employments/?page_size=500"
                while url:
                    body = requests.get(url, headers=api, timeout=60).json()
                    seen += [record["id"] for record in body["results"]]
                    url = body["next"] if body["has_more"] else None
                return seen if len(seen) >= ROWS else None

            seen = wait(walk, 60, "the API feed to hold every row", step=2)
            assert len(seen) == len(set(seen)) == ROWS, (len(seen), len(set(seen)))
            log(f"API feed walked: {len(seen)} employments, each once")

            ready = requests.get(stack.base + "/readyz", timeout=10).json()
            assert ready["checks"] == {"database": True, "migrations": True, "broker": True}, ready
            worker_lines = [
                json.loads(line) for line in stack.log_text("worker").splitlines() if line.startswith("{")
            ]
            imports = [line for line in worker_lines if line.get("task") == "workers.return_import"]
            assert [(line["state"], line["request_id"]) for line in imports] == [("SUCCESS", request_id)], (
                imports
            )
            assert "beat: Starting" in stack.log_text("beat") or "Scheduler" in stack.log_text("beat")
            log(f"passed in {time.monotonic() - started:.1f} s")
        finally:
            stack.down()


if __name__ == "__main__":
    main()
