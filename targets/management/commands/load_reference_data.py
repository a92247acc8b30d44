from targets.services import reference_data_load
from wanzhou_jobs.commands import DomainCommand


class Command(DomainCommand):
    help = "载入镇乡街道、行业、计划年度、目标、重点任务指标和补贴类别（可重复执行）。"

    def run(self, *args, **options):
        summary = reference_data_load()
        created = ", ".join(f"{k} {v}" for k, v in summary.created.items() if v) or "无"
        self.stdout.write(f"参考数据已就绪。新建：{created}")
