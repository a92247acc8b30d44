"""Backups that restore (issue 21, item 4): the drill on PostgreSQL (a populated district, backup, restore into a
new database, every table's row count and the progress figures equal), SQLite through the commands, refusal of
a non-empty database, and the 7 daily / 4 weekly rotation."""

import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from datetime import date, datetime, timedelta
from io import BytesIO

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from subsidies import services as subsidy_services
from subsidies.models import Attachment, SubsidyKind
from subsidies.tests.conftest import entrepreneur, startup_data
from targets.progress import progress_build, progress_recompute
from wanzhou_jobs.backup import NAME_FORMAT, backup_rotate, table_counts
from wanzhou_jobs.tasks import backup_nightly
from workers.models import Employment, ImportBatch
from workers.tests.factories import EmploymentFactory, HouseholdFactory, WorkerFactory, make_id_number
from workers.tests.test_return_views import _row, _upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PROGRESS_SCRIPT = (
    "import json, datetime; from targets.progress import progress_build; "
    "print(json.dumps(progress_build(year=2025, as_of=datetime.date(2025, 12, 31)), sort_keys=True))"
)


def _manage(*args, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_NAME", "REDIS_URL")}
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "tests.settings", **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and done.returncode:
        raise AssertionError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture
def private_roots(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SUBSIDY_ATTACHMENT_ROOT = tmp_path / "private" / "attachments"
    return tmp_path


def _populate(login, clerk_a, township_a, township_b):
    """A few townships' people and jobs, a return imported through the pages, a subsidy with an attachment."""
    for township in (township_a, township_b):
        for day in range(1, 6):
            EmploymentFactory(worker=WorkerFactory(township=township), start_date=date(2025, 3, day))
    client = login(clerk_a)
    ids = [make_id_number(date(1991, 2, d)) for d in (1, 2, 3)]
    _upload(client, [_row(ids[0]), _row(ids[1], 姓名="李四"), _row(ids[2], 姓名="王五")])
    batch = ImportBatch.objects.get()
    client.post(f"/ledger/returns/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.status == "imported"
    kinds = {kind.code: kind for kind in SubsidyKind.objects.all()}
    worker, job = entrepreneur(township_a, HouseholdFactory(township=township_a))
    application = subsidy_services.application_create(
        acting_user=clerk_a, data=startup_data(kinds, worker, job, 1000)
    )
    subsidy_services.attachment_add(
        acting_user=clerk_a, application=application, file_obj=BytesIO(PNG), file_name="执照.png"
    )
    progress_recompute(year=2025, as_of=date(2025, 12, 31))
    assert Employment.objects.count() == 14


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_drill_backup_restore_into_a_new_postgres_database(
    settings, login, clerk_a, township_a, township_b, private_roots, tmp_path
):
    _populate(login, clerk_a, township_a, township_b)
    # Beat's nightly task writes it, as on the server (BACKUP_DIR, then the rotation).
    settings.BACKUP_DIR = tmp_path / "backups"
    backup_nightly.delay()
    (archive,) = (tmp_path / "backups").glob("wanzhou-jobs-*.tar.gz")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    original = table_counts()
    assert manifest["tables"] == original
    assert original["workers_employment"] == 14 and original["subsidies_attachment"] == 1
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    stored = Attachment.objects.get().stored_name
    assert any(name.endswith(stored) for name in names)
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    db = connection.settings_dict
    host, port, user = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432, db.get("USER") or "postgres"
    new_name = f"wz_restore_{uuid.uuid4().hex[:10]}"
    admin_dsn = f"host={host} port={port} user={user} dbname=postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{new_name}"')
    try:
        env = {
            "DATABASE_URL": f"postgres://{user}@{host}:{port}/{new_name}",
            "PRIVATE_MEDIA_ROOT": str(tmp_path / "restored"),
            "SUBSIDY_ATTACHMENT_ROOT": str(tmp_path / "restored" / "attachments"),
        }
        done = _manage("restore", str(archive), env=env)
        assert "restored" in done.stdout
        with psycopg.connect(f"host={host} port={port} user={user} dbname={new_name}") as restored:
            counts = {
                table: restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
                for table in original
            }
            tables = {
                r[0]
                for r in restored.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
            }
        assert tables == set(original)
        assert counts == original
        figures = json.loads(_manage("shell", "-v", "0", "-c", PROGRESS_SCRIPT, env=env).stdout)
        assert figures == json.loads(
            json.dumps(progress_build(year=2025, as_of=date(2025, 12, 31)), sort_keys=True)
        )
        assert figures["district"]["count"] > 0
        assert (tmp_path / "restored" / "attachments" / stored).read_bytes() == PNG

        # A second restore meets a non-empty database: refused, unless told.
        again = _manage("restore", str(archive), env=env, check=False)
        assert again.returncode == 1
        assert "the database is not empty" in again.stderr and "Traceback" not in again.stderr
        assert "restored" in _manage("restore", str(archive), "--force", env=env).stdout
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{new_name}" WITH (FORCE)')


@pytest.mark.skipif(settings.USING_POSTGRES, reason="the SQLite path; the PostgreSQL run has the drill above")
def test_sqlite_backup_and_restore_through_the_commands(tmp_path):
    source = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "a"),
    }
    with sqlite3.connect(tmp_path / "a.sqlite3") as db:  # any SQLite database: the backup API copies pages
        db.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, name TEXT)")
        db.executemany("INSERT INTO ledger (name) VALUES (?)", [("甲",), ("乙",), ("丙",)])
    (tmp_path / "a" / "returns").mkdir(parents=True)
    (tmp_path / "a" / "returns" / "r.xlsx").write_bytes(b"return")
    out = _manage("backup", "--output", str(tmp_path / "b.tar.gz"), env=source).stdout
    assert "1 files" in out

    target = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "b"),
    }
    assert "restored" in _manage("restore", str(tmp_path / "b.tar.gz"), env=target).stdout
    assert (tmp_path / "b" / "returns" / "r.xlsx").read_bytes() == b"return"
    with sqlite3.connect(tmp_path / "b.sqlite3") as db:
        assert db.execute("SELECT name FROM ledger ORDER BY id").fetchall() == [("甲",), ("乙",), ("丙",)]

    refused = _manage("restore", str(tmp_path / "b.tar.gz"), env=target, check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "CommandError: 恢复失败 / restore failed: the database is not empty: restore refuses to overwrite it "
        "(use --force to replace it)"
    ]


def test_a_damaged_archive_is_refused_before_anything_is_touched(tmp_path):
    archive = tmp_path / "damaged.tar.gz"
    manifest = {"format": 1, "vendor": "sqlite", "database": "database.sqlite3", "tables": {}, "rows": 0}
    manifest["files"] = {"database.sqlite3": {"sha256": "0" * 64, "size": 3}}
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (("manifest.json", json.dumps(manifest).encode()), ("database.sqlite3", b"abc")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, BytesIO(data))
    done = _manage(
        "restore", str(archive), env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}, check=False
    )
    assert done.returncode == 1
    assert "checksum mismatch, archive damaged: database.sqlite3" in done.stderr
    assert not (tmp_path / "x.sqlite3").exists() or (tmp_path / "x.sqlite3").stat().st_size == 0


def test_rotation_keeps_seven_daily_and_four_weekly(tmp_path):
    start = datetime(2026, 12, 3, 3, 15)
    for day in range(60):
        for hour in (3, 14):  # two a day: only the newest of a day counts
            moment = (start - timedelta(days=day)).replace(hour=hour)
            (tmp_path / moment.strftime(NAME_FORMAT)).write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not a backup")
    backup_rotate(directory=tmp_path, daily=7, weekly=4)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert "notes.txt" in kept
    days = sorted({name[13:21] for name in kept if name.startswith("wanzhou-jobs-")})
    # 3 Dec 2026 is a Thursday: 27 Nov … 3 Dec daily; weekly, this week (3 Dec) and the newest day (Sunday)
    # of each of the three weeks before.
    daily = [f"202611{d}" for d in (27, 28, 29, 30)] + ["20261201", "20261202", "20261203"]
    assert days == ["20261115", "20261122", *daily]
    assert all(name.endswith("-141500.tar.gz") for name in kept if name.startswith("wanzhou-jobs-"))
