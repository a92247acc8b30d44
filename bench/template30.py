"""The blank template filled in 30 rows, imported end to end on SQLite (issue 17: under a second).

    .venv/bin/python bench/template30.py [--repeat 5]

On a fresh SQLite database of its own (a temporary file: migrated, reference data loaded, a 甘宁镇 clerk):
the clerk's template (`blank_template`, rows 2–5001 pre-filled with the township) is filled in 30 rows with
openpyxl, the rest left as delivered, and imported `--repeat` times into an empty ledger, each time:
- "pages": what the upload page and the confirm button call — `return_upload`, `return_validate` (the
  preview), `return_import` (validate again and write);
- "command": `return_run`, as `manage.py import_return` does (upload, validate and write once).
Prints each time, the median and the host's load average (2 shared cores: a busy host is slower).
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _bootstrap(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # a throw-away database needs no fixed key
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wanzhou_jobs.settings")
    for args in (["migrate", "-v0"], ["load_reference_data"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, check=True, capture_output=True)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def _filled_template(township, rows: int) -> bytes:
    import openpyxl

    from workers import resources as R
    from workers.validators import id_number_check_char

    workbook = openpyxl.load_workbook(BytesIO(R.blank_template(township=township)))
    ws = workbook["季度报表"]
    column = {str(cell.value).rstrip("*"): cell.column for cell in ws[1] if cell.value}
    for n in range(rows):
        body = f"500101{1970 + n:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n:03d}"
        values = {
            R.H_NAME: "张" + "伟芳娜敏静丽强磊军洋"[n % 10] + "勇艳杰娟涛明超秀霞平"[n // 10 % 10],
            R.H_ID: body + id_number_check_char(body),
            R.H_PHONE: f"139{n:08d}",
            R.H_EMPLOYER: "重庆甘宁食品有限公司",
            R.H_INDUSTRY: "制造业",
            R.H_WORKPLACE: "甘宁镇",
            R.H_FORM: "单位就业",
            R.H_START: date(2025, 3, 1 + n % 28),
            R.H_RETURNEE: "否",
            R.H_INCOME: 3000 + n,
        }
        for header, value in values.items():
            ws.cell(row=n + 2, column=column[header], value=value)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _empty_ledger() -> None:
    from workers.models import Employer, Employment, ImportBatch, Worker

    Employment.objects.all().delete()
    Worker.objects.all().delete()
    Employer.objects.all().delete()
    ImportBatch.objects.all().delete()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _bootstrap(Path(tmp) / "bench.sqlite3")
        from django.conf import settings

        from targets.models import Township
        from targets.services import staff_user_save
        from workers.models import ImportBatch
        from workers.returns import return_import, return_run, return_upload, return_validate

        settings.PRIVATE_MEDIA_ROOT = Path(tmp) / "private"
        township = Township.objects.get(name="甘宁镇")
        clerk = staff_user_save(
            username="bench_clerk", role="clerk", township="甘宁镇", password="Bench-Passw0rd-1"
        )
        content = _filled_template(township, options.rows)
        path = Path(tmp) / "季度报表模板-甘宁镇.xlsx"
        path.write_bytes(content)

        def pages() -> ImportBatch:
            batch = return_upload(
                acting_user=clerk, file_obj=BytesIO(content), file_name=path.name, year=2025, quarter=1
            )
            return_validate(batch=batch, acting_user=clerk)
            return return_import(batch=batch, acting_user=clerk)

        def command() -> ImportBatch:
            return return_run(acting_user=clerk, path=path, file_name=path.name, year=2025, quarter=1)[0]

        print(f"template: {len(content) / 1024:.0f} KB, {options.rows} rows filled, rows 2–5001 pre-filled")
        for name, action in (("pages", pages), ("command", command)):
            times = []
            for _ in range(options.repeat):
                _empty_ledger()
                started = time.perf_counter()
                batch = action()
                times.append(time.perf_counter() - started)
                if (batch.status, batch.rows_total, batch.rows_new) != (
                    "imported",
                    options.rows,
                    options.rows,
                ):
                    print(f"{name}: not imported: {batch.status} {batch.rows_total} {batch.errors[:3]}")
                    return 1
            shown = ", ".join(f"{t:.3f}" for t in times)
            print(f"{name}: median {statistics.median(times):.3f} s end to end ({shown})")
        print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
