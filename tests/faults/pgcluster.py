"""A throwaway PostgreSQL cluster for fault tests: its own directory and port, started, stopped and restarted
by the test, never the machine's shared server. As root it runs as the `postgres` user."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from glob import glob
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bin(name: str) -> str:
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name) or name


class Cluster:
    def __init__(self):
        # Not under pytest's tmp_path: root's 0700 directories there are closed to the postgres user.
        root = Path(tempfile.mkdtemp(prefix="wz-pg-"))
        self.dir = root / "pgdata"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.log = root / "postgres.log"
        if self.as_postgres:
            shutil.chown(root, "postgres")

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=timeout)

    def init(self) -> "Cluster":
        self._run(
            _bin("initdb"), "-D", str(self.dir), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"
        )
        return self

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        )
        self._run(
            _bin("pg_ctl"), "-D", str(self.dir), "-l", str(self.log), "-o", options, "-w", action, *extra
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while subprocess.run([_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"]).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError(self.log.read_text(errors="replace")[-2000:])
            time.sleep(0.1)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir.parent, ignore_errors=True)
