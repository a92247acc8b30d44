"""`python manage.py restore FILE [--force]`: an archive of `backup` into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wanzhou_jobs.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "从备份归档恢复到空数据库（非空数据库须加 --force）。 / Restore a backup into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="backup 命令写出的归档文件")
        parser.add_argument(
            "--force", action="store_true", help="清空非空数据库后恢复 / replace a non-empty database"
        )

    def handle(self, *args, archive, force, **options):
        if not Path(archive).is_file():
            raise CommandError(f"找不到归档文件 / no such archive: {archive}")
        try:
            manifest = backup_restore(archive_path=Path(archive), force=force)
        except (BackupError, OSError) as exc:
            raise CommandError(f"恢复失败 / restore failed: {exc}") from None
        self.stdout.write(
            f"restored {manifest['created_at']}: {len(manifest['tables'])} tables, {manifest['rows']} rows, "
            f"{len(manifest['files']) - 1} files"
        )
