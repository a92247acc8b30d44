"""`python manage.py backup --output FILE`: database, uploads, attachments and a manifest in one archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wanzhou_jobs.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库、上传文件与附件（含清单与校验和）到一个归档文件。 / Back up the database and files."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="归档文件路径（.tar.gz）")

    def handle(self, *args, output, **options):
        try:
            manifest = backup_create(output=Path(output))
        except (BackupError, OSError) as exc:
            raise CommandError(f"备份失败 / backup failed: {exc}") from None
        self.stdout.write(
            f"{output}: {len(manifest['tables'])} tables, {manifest['rows']} rows, "
            f"{len(manifest['files']) - 1} files"
        )
