"""The worker's pool processes yield the CPU to the web (issue 21, deadline day).

On the bureau's two cores, 49 returns checked at once would otherwise take the cores from the dashboards;
each pool process lowers its own priority to `WORKER_NICE` when it starts (wanzhou_jobs/celery.py). The
main process keeps its priority, so it still receives and hands out messages at once.
"""

from pathlib import Path

import pytest
from django.conf import settings

from tests.faults.test_worker_killed import _pool_children, _wait, prefork_worker  # noqa: F401 — fixture

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _nice(pid: int) -> int:
    # /proc/PID/stat: the command name may hold spaces; the fields after its closing parenthesis are fixed.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])  # field 19 of stat(5), the third after ")" being field 3


def test_pool_processes_run_at_the_configured_nice_level(prefork_worker):  # noqa: F811 — the fixture
    proc, _log = prefork_worker
    assert settings.WORKER_NICE == 10
    child = _wait(lambda: _pool_children(proc.pid), 30, "the pool process")[0]
    _wait(
        lambda: _nice(child) == settings.WORKER_NICE, 10, f"nice {settings.WORKER_NICE} in the pool process"
    )
    assert _nice(proc.pid) == 0
