"""Benchmark of the monitoring-list intake (issue 26: 5,000 people over 49 townships in under 10 s, twice).

    DATABASE_URL=postgres://… .venv/bin/python bench/monitoring.py [--people 5000] [--changed 100]

On the database DATABASE_URL names (migrated here, reference data loaded), inside one transaction rolled back
at the end (the database is left as it was): a generated list of `--people` people over the 49 townships of
annex 1 (5 a household) is uploaded and confirmed (`monitoring_list_upload`, then `monitoring_list_apply`, the
services the pages call), then a second list with `--changed` people removed and as many added. Each phase is
timed; the totals are compared with the 10 s goal. The correctness of the same flow is asserted by
`monitoring/tests/test_services.py`.
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wanzhou_jobs.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")


class _Rollback(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--changed", type=int, default=100)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from monitoring import services
    from monitoring.tests.builders import list_rows, workbook
    from targets.models import Township
    from targets.services import reference_data_load, staff_user_save

    if connection.vendor != "postgresql":
        print("需要 PostgreSQL：设置 DATABASE_URL=postgres://… 后运行", file=sys.stderr)
        return 1
    call_command("migrate", verbosity=0)
    reference_data_load()
    townships = list(Township.objects.filter(in_plan=True).order_by("code").values_list("name", flat=True))
    n, k = args.people, args.changed
    files = [
        workbook(list_rows(range(n), townships)),
        workbook(list_rows([*range(n - k), *range(n, n + k)], townships)),
    ]
    days = [date(2026, 6, 30), date(2026, 9, 30)]
    figures = []
    try:
        with transaction.atomic():
            user = staff_user_save(username="bench_monitoring", role="bureau", password="Bench-Passw0rd-2026")
            for file_obj, day in zip(files, days, strict=True):
                t0 = time.perf_counter()
                result = services.monitoring_list_upload(
                    acting_user=user, file_obj=file_obj, file_name="监测名单.xlsx", list_date=day
                )
                assert result.ok, result.errors[:3]
                t1 = time.perf_counter()
                snapshot = services.monitoring_list_apply(acting_user=user, snapshot=result.snapshot)
                t2 = time.perf_counter()
                figures.append((day, t1 - t0, t2 - t1, t2 - t0, snapshot))
            raise _Rollback
    except _Rollback:
        pass
    ok = True
    for day, upload, apply, total, s in figures:
        ok &= total < 10
        print(
            f"{day}: {s.rows_total} people, upload+check {upload:.2f} s, confirm {apply:.2f} s, total {total:.2f} s "
            f"(enrolled {s.enrolled}, exited {s.exited}, registered {s.registered}) {'ok' if total < 10 else 'OVER 10 s'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
