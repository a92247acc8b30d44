from django.core.management.base import CommandError

from targets.models import PlanYear
from targets.progress import progress_recompute, progress_recompute_all
from wanzhou_jobs.commands import DomainCommand


class Command(DomainCommand):
    help = "立即重算进度快照（默认所有计划年度）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)

    def run(self, *args, **options):
        year = options["year"]
        if year is not None:
            if not PlanYear.objects.filter(year=year).exists():
                years = "、".join(str(y) for y in PlanYear.objects.values_list("year", flat=True))
                raise CommandError(f"没有 {year} 年度的计划，可选年度：{years}")
            snapshot = progress_recompute(year=year)
            self.stdout.write(self._line(snapshot))
            return
        for y in progress_recompute_all():
            from targets.models import ProgressSnapshot

            self.stdout.write(self._line(ProgressSnapshot.objects.get(year=y)))

    @staticmethod
    def _line(snapshot) -> str:
        d = snapshot.data["district"]
        return (
            f"{snapshot.year} 年（截至 {snapshot.as_of}）：新增就近就业 {d['count']} 人 / 目标 {d['target']}，"
            f"耗时 {snapshot.duration_ms} ms"
        )
