"""Backups that restore (issue 21, item 4).

One archive (`.tar.gz`) holds the database — PostgreSQL: `pg_dump` custom format taken in the same snapshot
as the row counts; SQLite: a copy made with sqlite3's backup API — the stored uploads and attachments, and
`manifest.json` with every table's row count and every member's SHA-256. `backup_restore` verifies every
checksum before it touches anything, restores into an empty database only (unless `force`), puts the files
back and checks the row counts against the manifest. `backup_rotate` keeps the newest archive of each of the
last 7 days and of each of the last 4 weeks (BACKUP_KEEP_DAILY, BACKUP_KEEP_WEEKLY).
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
NAME_FORMAT = "wanzhou-jobs-%Y%m%d-%H%M%S.tar.gz"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (shown by the commands as is)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_roots() -> dict[str, Path]:
    """The directories whose files a backup holds, by their name in the archive. The attachments are a
    root of their own only when they live outside PRIVATE_MEDIA_ROOT (by default they are inside it)."""
    roots = {"private": Path(settings.PRIVATE_MEDIA_ROOT)}
    attachments = Path(settings.SUBSIDY_ATTACHMENT_ROOT)
    if not attachments.resolve().is_relative_to(roots["private"].resolve()):
        roots["attachments"] = attachments
    return roots


def _pg_args(db: dict) -> tuple[list[str], dict]:
    args = [
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db.get("USER") or "postgres",
    ]
    env = dict(os.environ, PGCONNECT_TIMEOUT="10")
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def table_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Every table's row count (all tables of the database, not only Django's models)."""
    connection = connections[using]
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - own names
            counts[table] = cursor.fetchone()[0]
    return counts


def _dump_database(work: Path) -> tuple[str, dict[str, int]]:
    connection = connections[DEFAULT_DB_ALIAS]
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        # The counts and the dump see the same snapshot, so the manifest describes exactly what was dumped.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            counts = table_counts()
            args, env = _pg_args(db)
            done = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
                [
                    "pg_dump",
                    *args,
                    "--format=custom",
                    "--no-owner",
                    "--no-acl",
                    f"--snapshot={snapshot}",
                    "-f",
                    str(work / PG_DUMP),
                    db["NAME"],
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        if done.returncode:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return PG_DUMP, counts
    if connection.vendor == "sqlite":
        source = sqlite3.connect(db["NAME"])
        target = sqlite3.connect(work / SQLITE_COPY)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return SQLITE_COPY, _sqlite_counts(work / SQLITE_COPY)
    raise BackupError(f"unsupported database: {connection.vendor}")


def _sqlite_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}  # noqa: S608
    finally:
        conn.close()


def backup_create(*, output: Path) -> dict:
    """Write one archive to `output` (atomically: a temporary name, then renamed) and return its manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wzjobs-backup-", dir=output.parent) as tmp:
        work = Path(tmp)
        database_member, counts = _dump_database(work)
        members = {database_member: work / database_member}
        for name, root in file_roots().items():
            if root.is_dir():
                for path in sorted(p for p in root.rglob("*") if p.is_file()):
                    members[str(PurePosixPath("files", name, path.relative_to(root).as_posix()))] = path
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "vendor": connections[DEFAULT_DB_ALIAS].vendor,
            "database": database_member,
            "tables": counts,
            "rows": sum(counts.values()),
            "files": {
                member: {"sha256": _sha256(path), "size": path.stat().st_size}
                for member, path in members.items()
            },
        }
        partial = work / "archive.partial"
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
            for member, path in members.items():
                archive.add(path, arcname=member, recursive=False)
        os.chmod(partial, 0o600)  # personal data
        partial.replace(output)
    return manifest


def _database_is_empty(connection) -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _clear_database(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        else:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'DROP TABLE IF EXISTS "{table}"')


def backup_restore(*, archive_path: Path, force: bool = False) -> dict:
    """Restore the archive into this installation's database (empty, unless `force`) and file roots."""
    connection = connections[DEFAULT_DB_ALIAS]
    with tempfile.TemporaryDirectory(prefix="wzjobs-restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(archive_path, "r:gz") as archive:
            manifest = json.load(archive.extractfile(MANIFEST))
            if manifest.get("format") != FORMAT:
                raise BackupError(f"unknown archive format: {manifest.get('format')}")
            archive.extractall(work, filter="data")  # refuses absolute paths, .. and links out of `work`
        for member, expected in manifest["files"].items():
            path = work / member
            if not path.is_file() or _sha256(path) != expected["sha256"]:
                raise BackupError(f"checksum mismatch, archive damaged: {member}")
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"the archive holds a {manifest['vendor']} database, this installation uses {connection.vendor}"
            )
        if not _database_is_empty(connection):
            if not force:
                raise BackupError(
                    "the database is not empty: restore refuses to overwrite it (use --force to replace it)"
                )
            _clear_database(connection)
        _restore_database(connection, work / manifest["database"])
        counts = table_counts()
        different = {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n}
        if different:
            raise BackupError(f"row counts differ after restore (table: expected, found): {different}")
        restore_roots = {
            "private": Path(settings.PRIVATE_MEDIA_ROOT),
            "attachments": Path(settings.SUBSIDY_ATTACHMENT_ROOT),
        }
        for member in manifest["files"]:
            parts = PurePosixPath(member).parts
            if parts[0] != "files":
                continue
            destination = restore_roots[parts[1]].joinpath(*parts[2:])
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / member, destination)
    return manifest


def _restore_database(connection, dump: Path) -> None:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        connection.close()
        args, env = _pg_args(db)
        done = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [
                "pg_restore",
                *args,
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                "-d",
                db["NAME"],
                str(dump),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        return
    connection.close()
    source = sqlite3.connect(dump)
    target = sqlite3.connect(db["NAME"])
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def backup_rotate(*, directory: Path, daily: int, weekly: int) -> list[Path]:
    """Delete the archives of `directory` that neither of the two rules keeps: the newest of each of the
    `daily` most recent days that have one, and the newest of each of the `weekly` most recent ISO weeks."""
    archives = []
    for path in Path(directory).glob("wanzhou-jobs-*.tar.gz"):
        try:
            archives.append((datetime.strptime(path.name, NAME_FORMAT), path))
        except ValueError:
            continue  # not ours: never deleted
    archives.sort(reverse=True)
    keep: set[Path] = set()
    for key, limit in ((lambda d: d.date(), daily), (lambda d: d.isocalendar()[:2], weekly)):
        seen = []
        for moment, path in archives:
            if key(moment) not in seen:
                seen.append(key(moment))
                if len(seen) > limit:
                    break
                keep.add(path)
    deleted = [path for _moment, path in archives if path not in keep]
    for path in deleted:
        path.unlink(missing_ok=True)
    return deleted


def backup_nightly() -> Path:
    """Beat's nightly job: a new archive in BACKUP_DIR, then the rotation."""
    directory = Path(settings.BACKUP_DIR)
    output = directory / timezone.localtime().strftime(NAME_FORMAT)
    backup_create(output=output)
    backup_rotate(directory=directory, daily=settings.BACKUP_KEEP_DAILY, weekly=settings.BACKUP_KEEP_WEEKLY)
    return output
