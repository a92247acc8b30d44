from targets.audit import audit_prune, retention_days
from wanzhou_jobs.commands import DomainCommand


class Command(DomainCommand):
    help = "删除超过保存期限的操作日志（至少保存 6 个月）和接口访问记录（至少保存 3 年）。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def run(self, *args, **options):
        audit_days, api_days = retention_days()
        counts = audit_prune(dry_run=options["dry_run"])
        verb = "将删除" if options["dry_run"] else "已删除"
        self.stdout.write(
            f"{verb} {counts['audit']} 条超过 {audit_days} 天的操作日志、"
            f"{counts['api']} 条超过 {api_days} 天的接口访问记录。"
        )
